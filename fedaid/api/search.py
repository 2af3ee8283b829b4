"""Search v2: accounts (an exact `acct` resolved by WebFinger with `resolve`), hashtags and statuses.

Statuses are found by URL, or by words through the full-text index of `domain/search.py`.
"""

from __future__ import annotations

from aiohttp import web

from fedaid.api.accounts import search_accounts
from fedaid.api.auth import optional_caller
from fedaid.api.entities import render_tag
from fedaid.api.params import read_params
from fedaid.api.views import presenter
from fedaid.api.visibility import visible_to
from fedaid.appkeys import SETTINGS
from fedaid.domain import search as full_text
from fedaid.domain.visibility import local_viewer
from fedaid.models import Post, PostTag

TYPES = ("accounts", "hashtags", "statuses")


async def search_v2(request: web.Request) -> web.Response:
    caller = await optional_caller(request)
    viewer = caller.actor if caller else None
    params = await read_params(request)
    q = (params.str("q") or "").strip()
    kind = params.str("type")
    limit = max(1, min(params.int("limit", 20) or 20, 40))
    offset = max(0, params.int("offset", 0) or 0) if viewer else 0
    settings = request.app[SETTINGS]
    view = presenter(request, viewer)
    result = {"accounts": [], "hashtags": [], "statuses": []}
    if q and kind in (None, "", "accounts"):
        actors = await search_accounts(
            request,
            q,
            limit=limit,
            offset=offset,
            viewer=viewer,
            resolve=params.bool("resolve"),
            following_only=params.bool("following"),
        )
        result["accounts"] = await view.accounts(actors)
    if q and kind in (None, "", "hashtags") and "@" not in q:
        result["hashtags"] = [
            render_tag(name, base_url=settings.base_url) for name in await _tags(q.lstrip("#").lower(), limit, offset)
        ]
    if q and kind in (None, "", "statuses"):
        result["statuses"] = await view.statuses(await _statuses(q, viewer, limit, offset))
    return web.json_response(result)


async def _tags(prefix: str, limit: int, offset: int) -> list[str]:
    if not prefix:
        return []
    names = await (
        PostTag.filter(name__startswith=prefix)
        .distinct()
        .order_by("name")
        .offset(offset)
        .limit(limit)
        .values_list("name", flat=True)
    )
    return list(names)


async def _statuses(q: str, viewer, limit: int, offset: int) -> list[Post]:
    """A status URL we know; otherwise every word in the text, best match first (members only, as Mastodon).

    The index holds public, unlisted and members-only posts; members-only ones the viewer may not read are
    dropped from the page, so a page can come back shorter than `limit`.
    """
    base = Post.filter(deleted_at__isnull=True).filter(visible_to(viewer)).select_related("author")
    if q.startswith(("http://", "https://")):
        return list(await base.filter(ap_id=q).limit(1)) or list(await base.filter(url=q).limit(1))
    if viewer is None or not full_text.search_terms(q):
        return []
    hits = await full_text.search(q, limit=limit, offset=offset, viewer=local_viewer(viewer))
    return [hit.post for hit in hits]
