"""Claiming a queue's due rows (fedaid/storage/claims.py), on both backends."""

from datetime import timedelta

import pytest

from fedaid.clock import utcnow
from fedaid.db import Database
from fedaid.models import Delivery, InboxItem, InboxState, OutboundJob, WorkItem
from fedaid.storage.claims import claim_due, claimable
from fedaid.storage.dialect import is_sqlite


def inbox_item(number: int, due_in: timedelta) -> InboxItem:
    return InboxItem(
        activity_id=f"https://remote.example/activities/{number}",
        activity_type="Create",
        actor_ap_id="https://remote.example/users/alice",
        payload={"id": f"https://remote.example/activities/{number}"},
        next_attempt_at=utcnow() + due_in,
    )


async def test_a_claim_takes_the_rows_due_first_and_ties_in_their_order_of_arrival(db: Database) -> None:
    # Given items stored in this order: one due in a minute, two due now, and one due an hour ago (a retry)
    now = utcnow()
    later, first, second, retried = (
        inbox_item(1, timedelta(minutes=1)),
        inbox_item(2, timedelta(0)),
        inbox_item(3, timedelta(0)),
        inbox_item(4, -timedelta(hours=1)),
    )
    first.next_attempt_at = second.next_attempt_at = now
    for item in (later, first, second, retried):
        await item.save()
    due = InboxItem.filter(state=InboxState.PENDING, next_attempt_at__lte=now)
    # When a worker claims two, then another claims what is left
    claimed = await claim_due(due, now, timedelta(minutes=5), 2)
    rest = await claim_due(due, now, timedelta(minutes=5), 10)
    # Then the first took the retried item and the first of the two due now; the second took the other one,
    # and the item due later waits
    assert [item.id for item in claimed] == [retried.id, first.id]
    assert [item.id for item in rest] == [second.id]


async def test_on_sqlite_a_claim_reads_its_queue_in_the_order_of_its_index(db: Database) -> None:
    # Given every queue's claim, as its worker makes it
    now = utcnow()
    queues = (InboxItem, Delivery, OutboundJob, WorkItem)
    connection = InboxItem._meta.db
    if not is_sqlite(connection):
        pytest.skip("PostgreSQL plans by its statistics (an incremental sort of the ties is expected)")
    for model in queues:
        query = claimable(model.filter(state="pending", next_attempt_at__lte=now), now, 200)
        # When SQLite plans it
        _, plan = await connection.execute_query(f"EXPLAIN QUERY PLAN {query.sql(params_inline=True)}")
        steps = " / ".join(str(row["detail"]) for row in plan)
        # Then it walks the (state, next_attempt_at) index and stops after 200 rows: it sorts nothing, where
        # ordering by id alone sorted every pending row at each claim
        assert "USING INDEX" in steps and "TEMP B-TREE" not in steps, (model.__name__, steps)
