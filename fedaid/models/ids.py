"""Time-ordered 64-bit ids, like Mastodon's snowflakes: known before insert, sortable for paging."""

import secrets

from tortoise.fields import BigIntField
from tortoise.models import Model

from fedaid.clock import unix_millis

_last_now_id = 0


def new_id(at_ms: int | None = None) -> int:
    """Milliseconds since the epoch in the high bits, 16 random bits below.

    Ids made for "now" also grow strictly within a process, so two rows created in the same
    millisecond still sort in the order they were made (the newest first on a timeline).
    """
    global _last_now_id
    if at_ms is not None:
        return (at_ms << 16) | secrets.randbits(16)
    candidate = (unix_millis() << 16) | secrets.randbits(16)
    _last_now_id = max(candidate, _last_now_id + 1)
    return _last_now_id


LARGEST_INT_ID = 2**31 - 1  # IntField primary keys: actors, accounts, follows, alerts…
LARGEST_BIGINT_ID = 2**63 - 1  # BigIntField primary keys: posts, notifications, agreements…


def possible_id(text: object, largest: int = LARGEST_BIGINT_ID) -> int | None:
    """`text` as an id some row could have (digits, within the column's range), else None: a lookup by an
    impossible id finds nothing without asking the database (PostgreSQL refuses out-of-range integers)."""
    value = str(text).strip()
    if not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if number <= largest else None


def row_id(text: object, model: type[Model]) -> int | None:
    """`text` as an id a row of `model` could have (its primary key is a 32-bit int or a 64-bit bigint), else None."""
    return possible_id(text, LARGEST_BIGINT_ID if isinstance(model._meta.pk, BigIntField) else LARGEST_INT_ID)
