"""Id paging for lists read newest first: the page a reader asks for, and a query cut to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedaid.storage.hot_reads import IdWindow


@dataclass(frozen=True)
class Page:
    """Entries older than `max_id`, newer than `since_id`, or the oldest newer than `min_id`; at most `limit`."""

    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = 20


def paged(query: Any, page: Page, field: str = "id") -> Any:
    """`query` filtered and ordered for `page`; newest first unless `min_id` asks for the oldest after it."""
    if page.max_id is not None:
        query = query.filter(**{f"{field}__lt": page.max_id})
    if page.since_id is not None:
        query = query.filter(**{f"{field}__gt": page.since_id})
    if page.min_id is not None:
        query = query.filter(**{f"{field}__gt": page.min_id})
        return query.order_by(field).limit(page.limit)
    return query.order_by(f"-{field}").limit(page.limit)


def id_window(page: Page) -> IdWindow:
    """`page` as the id window a fixed statement reads (`storage/hot_reads.py`), as `paged` filters a query."""
    after = page.min_id if page.min_id is not None else page.since_id
    if page.min_id is not None and page.since_id is not None:
        after = max(page.min_id, page.since_id)
    return IdWindow(before=page.max_id, after=after, limit=page.limit, oldest_first=page.min_id is not None)


async def fetch_page(query: Any, page: Page, field: str = "id") -> list[Any]:
    """The rows of `page`, newest first."""
    rows = list(await paged(query, page, field))
    if page.min_id is not None:
        rows.reverse()
    return rows


def newest_first(entries: list[Any], page: Page, key: Any) -> list[Any]:
    """The page's entries newest first by `key`; after `min_id`, the oldest ones."""
    if page.min_id is not None:
        return sorted(entries, key=key)[: page.limit][::-1]
    return sorted(entries, key=key, reverse=True)[: page.limit]
