"""Mastodon's id paging (`max_id`, `since_id`, `min_id`, `limit`) and its Link header."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import orjson
from aiohttp import web

from fedaid.api.params import Params
from fedaid.domain.paging import Page


def _as_id(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def read_page(params: Params, *, default: int = 20, maximum: int = 40) -> Page:
    """The page asked for; a limit out of range is brought back into it, as Mastodon does."""
    limit = params.int("limit", default) or default
    return Page(
        _as_id(params.str("max_id")),
        _as_id(params.str("since_id")),
        _as_id(params.str("min_id")),
        max(1, min(limit, maximum)),
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
