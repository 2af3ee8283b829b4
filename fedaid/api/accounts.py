"""Accounts: the signed-in member, other actors, their statuses, followers and follows."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from fedaid.activitypub.sanitize import clean_display_name
from fedaid.api.auth import user_caller, viewer_of
from fedaid.api.pagination import paged_response, read_limit, read_page
from fedaid.api.params import read_params
from fedaid.api.views import presenter
from fedaid.appkeys import REMOTE_ACTORS, SETTINGS
from fedaid.domain import follows, timelines
from fedaid.domain.accounts import set_locale, update_profile
from fedaid.domain.actor_search import search_actors
from fedaid.domain.actors import MAX_NAME_LENGTH, find_actor, find_actor_by_acct, load_actors
from fedaid.domain.follow_lists import find_follow_request, follow_requests_page, followers_page, following_page
from fedaid.domain.visibility import local_viewer
from fedaid.errors import FedaidError, InvalidInput, NotFound
from fedaid.models import Actor
from fedaid.models.ids import LARGEST_INT_ID, possible_id

READ_ACCOUNTS = ("read:accounts",)


async def get_actor(actor_id: str) -> Actor:
    """The actor with this Mastodon account id; 404 when unknown or deleted."""
    number = possible_id(actor_id, LARGEST_INT_ID)
    if number is None:
        raise NotFound("Record not found")
    actor = await find_actor(number)
    if actor is None:
        raise NotFound("Record not found")
    return actor


async def verify_credentials(request: web.Request) -> web.Response:
    caller = await user_caller(request, "read:accounts", "profile")
    return web.json_response(await presenter(request, caller.actor).credential_account(caller.actor, caller.account))


async def update_credentials(request: web.Request) -> web.Response:
    """PATCH /api/v1/accounts/update_credentials: display name, bio, locked, discoverable, language."""
    caller = await user_caller(request, "write:accounts")
    params = await read_params(request)
    actor, account = caller.actor, caller.account
    await update_profile(actor, **_profile_changes(params))  # federates as Update(Person)
    language = params.dict("source").get("language") or params.str("source[language]")
    if language:
        await set_locale(account, str(language)[:16])
    return web.json_response(await presenter(request, actor).credential_account(actor, account))


def _profile_changes(params) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "display_name" in params:
        name = (params.str("display_name") or "").strip()
        if len(name) > MAX_NAME_LENGTH:
            raise InvalidInput("Validation failed: Display name is too long (maximum is 255 characters)")
        changes["name"] = clean_display_name(name)
    if "note" in params:
        note = params.str("note") or ""
        if len(note) > 5000:
            raise InvalidInput("Validation failed: Note is too long (maximum is 5000 characters)")
        changes["summary"] = note
    if "locked" in params:
        changes["locked"] = params.bool("locked")
    if "discoverable" in params:
        changes["discoverable"] = params.bool("discoverable")
    return changes


async def show(request: web.Request) -> web.Response:
    actor = await get_actor(request.match_info["id"])
    return web.json_response(await presenter(request).account(actor))


async def lookup(request: web.Request) -> web.Response:
    """GET /api/v1/accounts/lookup?acct=name or name@host, among actors already known (no WebFinger)."""
    acct = (request.query.get("acct") or "").strip().lstrip("@")
    actor = await find_by_acct(acct, request.app[SETTINGS].domain)
    if actor is None:
        raise NotFound("Record not found")
    return web.json_response(await presenter(request).account(actor))


async def find_by_acct(acct: str, local_domain: str) -> Actor | None:
    username, _, domain = acct.partition("@")
    if not username:
        return None
    domain = (domain or local_domain).lower()
    return await find_actor_by_acct(username, domain)


async def resolve_acct(request: web.Request, acct: str) -> Actor | None:
    """The actor `acct` names: known here, or found by WebFinger when the instance can resolve."""
    settings = request.app[SETTINGS]
    actor = await find_by_acct(acct.strip().lstrip("@"), settings.domain)
    if actor is not None or "@" not in acct.strip().lstrip("@"):
        return actor
    remote_actors = request.app.get(REMOTE_ACTORS)
    if remote_actors is None:
        return None
    try:
        return await remote_actors.resolve_acct(acct)
    except FedaidError:
        return None


async def statuses(request: web.Request) -> web.Response:
    actor = await get_actor(request.match_info["id"])
    viewer = await viewer_of(request, "read:statuses")
    params = await read_params(request)
    page = read_page(params)
    if params.bool("pinned") or params.bool("only_media"):
        return web.json_response([])  # fedaid has no pinned posts and no media
    entries = await timelines.of_account(
        local_viewer(viewer),
        actor,
        page,
        exclude_replies=params.bool("exclude_replies"),
        tag=(params.str("tagged") or "").lstrip("#").lower(),
        with_boosts=not params.bool("exclude_reblogs"),
    )
    statuses, ids = await presenter(request, viewer).status_page(entries)
    return paged_response(request, request.app[SETTINGS].base_url, page, statuses, ids)


async def followers(request: web.Request) -> web.Response:
    return await _follow_list(request, "follower")


async def following(request: web.Request) -> web.Response:
    return await _follow_list(request, "target")


async def _follow_list(request: web.Request, other: str) -> web.Response:
    actor = await get_actor(request.match_info["id"])
    page = read_page(await read_params(request), default=40, maximum=80, largest=LARGEST_INT_ID)
    rows = await (followers_page if other == "follower" else following_page)(actor, page)
    actors = [getattr(row, other) for row in rows if not getattr(row, other).is_deleted]
    return paged_response(
        request,
        request.app[SETTINGS].base_url,
        page,
        await presenter(request).accounts(actors),
        [row.id for row in rows],
    )


async def follow(request: web.Request) -> web.Response:
    caller = await user_caller(request, "write:follows")
    target = await get_actor(request.match_info["id"])
    await follows.follow(caller.actor, target)
    return web.json_response((await presenter(request, caller.actor).relationships([target]))[0])


async def unfollow(request: web.Request) -> web.Response:
    caller = await user_caller(request, "write:follows")
    target = await get_actor(request.match_info["id"])
    await follows.unfollow(caller.actor, target)
    return web.json_response((await presenter(request, caller.actor).relationships([target]))[0])


async def relationships(request: web.Request) -> web.Response:
    caller = await user_caller(request, "read:follows")
    params = await read_params(request)
    ids = [number for value in params.list("id") if (number := possible_id(value, LARGEST_INT_ID)) is not None]
    actors = await load_actors(ids) if ids else {}
    known = [actors[actor_id] for actor_id in dict.fromkeys(ids) if actor_id in actors]
    return web.json_response(await presenter(request, caller.actor).relationships(known))


async def search(request: web.Request) -> web.Response:
    """GET /api/v1/accounts/search?q=: by name among known actors; an exact `acct` may be resolved."""
    caller = await user_caller(request, "read:accounts")
    params = await read_params(request)
    accounts = await search_accounts(
        request,
        params.str("q") or "",
        limit=read_limit(params, 40, 80),
        resolve=params.bool("resolve"),
        following_only=params.bool("following"),
        viewer=caller.actor,
    )
    return web.json_response(await presenter(request, caller.actor).accounts(accounts))


async def search_accounts(
    request: web.Request,
    q: str,
    *,
    limit: int,
    resolve: bool,
    viewer: Actor | None,
    following_only: bool = False,
    offset: int = 0,
) -> list[Actor]:
    text = q.strip().lstrip("@")
    if not text:
        return []
    found: list[Actor] = []
    if "@" in text and resolve and viewer is not None:
        exact = await resolve_acct(request, text)
        if exact is not None:
            found.append(exact)
    name = text.split("@", 1)[0]
    followed_by = viewer if following_only else None
    for actor in await search_actors(name, limit=min(max(limit, 1), 80), offset=offset, followed_by=followed_by):
        if all(actor.id != other.id for other in found):
            found.append(actor)
    return found[:limit]


async def follow_requests(request: web.Request) -> web.Response:
    """GET /api/v1/follow_requests: who asked to follow the member and waits for an answer."""
    caller = await user_caller(request, "read:follows")
    page = read_page(await read_params(request), default=40, maximum=80, largest=LARGEST_INT_ID)
    rows = await follow_requests_page(caller.actor, page)
    return paged_response(
        request,
        request.app[SETTINGS].base_url,
        page,
        await presenter(request).accounts([row.follower for row in rows]),
        [row.id for row in rows],
    )


async def authorize_follow(request: web.Request) -> web.Response:
    return await _answer_follow(request, approve=True)


async def reject_follow(request: web.Request) -> web.Response:
    return await _answer_follow(request, approve=False)


async def _answer_follow(request: web.Request, *, approve: bool) -> web.Response:
    caller = await user_caller(request, "write:follows")
    requester = await get_actor(request.match_info["id"])
    row = await find_follow_request(requester, caller.actor)
    if row is None:
        raise NotFound("Record not found")
    if approve:
        await follows.approve_follow(row)
    else:
        await follows.reject_follow(row)
    return web.json_response((await presenter(request, caller.actor).relationships([requester]))[0])
