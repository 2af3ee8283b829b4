"""Mastodon's id paging (`max_id`, `since_id`, `min_id`, `limit`) and its Link header."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import orjson
from aiohttp import web

from fedaid.api.params import Params
from fedaid.domain.paging import Page
from fedaid.models.ids import LARGEST_BIGINT_ID


def _as_id(value: str | None, largest: int) -> int | None:
    """A paging bound: not a number → no bound (as Mastodon ignores it), beyond any id → the largest id."""
    if value is None or not value.strip().isdigit():
        return None
    return min(int(value.strip()), largest)


def _leading_number(text: str | None) -> int | None:
    """Ruby's `to_i` as Mastodon reads numbers from the query: the leading digits, their absolute value."""
    digits = re.match(r"\s*[-+]?(\d+)", text or "")
    return min(int(digits[1][:12]), 2**31 - 1) if digits else None


def read_limit(params: Params, default: int, maximum: int) -> int:
    """Mastodon's `limit_param` (app/controllers/api/base_controller.rb): the number asked for, within
    1…`maximum`; the default when there is none."""
    return max(1, min(_leading_number(params.str("limit")) or default, maximum))


def read_offset(params: Params) -> int:
    """A search offset: its leading number, 0 without one."""
    return _leading_number(params.str("offset")) or 0


def read_page(params: Params, *, default: int = 20, maximum: int = 40, largest: int = LARGEST_BIGINT_ID) -> Page:
    """The page asked for; a limit out of range is brought back into it, as Mastodon does. `largest` is the
    largest id of the rows paged (their column's range)."""
    return Page(
        _as_id(params.str("max_id"), largest),
        _as_id(params.str("since_id"), largest),
        _as_id(params.str("min_id"), largest),
        read_limit(params, default, maximum),
    )


def link_header(request: web.Request, base_url: str, page: Page, ids: Sequence[int]) -> str | None:
    """`<…?max_id=oldest>; rel="next", <…?min_id=newest>; rel="prev"` for the ids shown (newest first)."""
    if not ids:
        return None
    kept = [
        (key, value)
        for key, value in request.query.items()
        if key not in ("max_id", "since_id", "min_id", "limit", "access_token")
    ]
    path = f"{base_url}{request.path}"

    def url(**bound: Any) -> str:
        return f"{path}?{urlencode(kept + [('limit', page.limit)] + list(bound.items()))}"

    return f'<{url(max_id=ids[-1])}>; rel="next", <{url(min_id=ids[0])}>; rel="prev"'


def paged_response(
    request: web.Request, base_url: str, page: Page, items: list[Any], ids: Sequence[int]
) -> web.Response:
    """A page of entities with its Link header; encoded by orjson, as these pages are the API's largest."""
    response = web.Response(body=orjson.dumps(items), content_type="application/json")
    link = link_header(request, base_url, page, ids)
    if link:
        response.headers["Link"] = link
    return response
