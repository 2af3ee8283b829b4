"""Snowflake-like ids: time in the high bits, and creation order kept within a millisecond."""

from __future__ import annotations

from fedaid.models.ids import new_id


def test_ids_made_in_one_burst_sort_in_the_order_they_were_made() -> None:
    # Given a thousand ids made as fast as possible (many share a millisecond)
    ids = [new_id() for _ in range(1000)]
    # Then each is larger than the one before
    assert all(earlier < later for earlier, later in zip(ids, ids[1:], strict=False))


def test_an_id_for_a_given_time_carries_that_time() -> None:
    # Given an id for a moment in the past (a remote post's publication)
    made = new_id(at_ms=1_700_000_000_000)
    # Then its high bits are that moment, whatever ids were made for now
    assert made >> 16 == 1_700_000_000_000
    assert new_id() > made
