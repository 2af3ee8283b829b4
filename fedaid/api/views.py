"""Load what Mastodon entities need, in a few batched queries per page, then render them.

Reads only: counts, tags, proposals, mentions and relationships for a list of posts or actors.
Rendered statuses and accounts are kept a few seconds (`api/render_cache.py`): a status is re-rendered at
once when it is edited or deleted, and its counts (replies, favourites, boosts, followers, statuses) may
lag by two TTLs. What the viewer did (`favourited`, `reblogged`) is read for each page, never cached.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from fedaid.api.account_entities import render_account, render_credential_account, render_mention, render_relationship
from fedaid.api.entities import (
    StatusParts,
    render_media,
    render_notification,
    render_poll,
    render_reblog_status,
    render_status,
)
from fedaid.api.render_cache import RENDER_CACHE, RenderCache
from fedaid.appkeys import SETTINGS
from fedaid.config import Settings
from fedaid.domain.actor_stats import AccountStats, account_stats, follow_states
from fedaid.domain.actors import load_actors
from fedaid.domain.polls import own_choices
from fedaid.domain.post_details import post_details, posts_with_authors
from fedaid.domain.reactions import reactions_of
from fedaid.domain.timelines import Entry, PostStamp
from fedaid.models import Account, Actor, FollowState, Notification, Post


def presenter(request: web.Request, viewer: Actor | None = None) -> Presenter:
    """The Presenter for a request, with its instance's render cache."""
    return Presenter(request.app[SETTINGS], viewer, cache=request.app.get(RENDER_CACHE))


def _stamp(post: Post) -> tuple[Any, ...]:
    """What makes a cached rendering of a post stale at once: an edit or a deletion."""
    return post.updated_at, post.deleted_at, post.visibility


class Presenter:
    """Renders rows for one request, as seen by `viewer` (None when anonymous)."""

    def __init__(self, settings: Settings, viewer: Actor | None = None, *, cache: RenderCache | None = None) -> None:
        self.settings = settings
        self.viewer = viewer
        self.cache = cache or RenderCache(ttl=0)
        self._stats: dict[int, AccountStats] = {}

    # --- accounts --------------------------------------------------------------------------------

    async def account_stats(self, actor_ids: Iterable[int]) -> dict[int, AccountStats]:
        wanted = sorted(set(actor_ids) - set(self._stats))
        if wanted:
            self._stats.update(await account_stats(wanted))
        return self._stats

    async def accounts(self, actors: list[Actor]) -> list[dict[str, Any]]:
        found = {actor.id: self.cache.get(("account", actor.id)) for actor in actors}
        missing = [actor for actor in actors if found[actor.id] is None]
        if missing:
            found.update(await self._render_accounts(missing))
        return [found[actor.id] for actor in actors]

    async def _render_accounts(self, actors: list[Actor]) -> dict[int, dict[str, Any]]:
        """Render these accounts with their counts and keep them in the cache, by actor id."""
        stats = await self.account_stats(actor.id for actor in actors)
        rendered = {}
        for actor in actors:
            rendered[actor.id] = render_account(
                actor, stats[actor.id], base_url=self.settings.base_url, local_domain=self.settings.domain
            )
            self.cache.put(("account", actor.id), rendered[actor.id])
        return rendered

    async def accounts_by_id(self, actor_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Rendered accounts by actor id, loading only the actors not in the cache."""
        wanted = set(actor_ids)
        found = {actor_id: self.cache.get(("account", actor_id)) for actor_id in wanted}
        if all(account is not None for account in found.values()):
            return found
        async with self.cache.rendering_accounts:  # as for statuses: one rendering of what many requests miss
            found = {actor_id: self.cache.get(("account", actor_id)) for actor_id in wanted}
            missing = [actor_id for actor_id, account in found.items() if account is None]
            if missing:
                for account in await self.accounts(list((await load_actors(missing)).values())):
                    found[int(account["id"])] = account
        return found

    async def account(self, actor: Actor) -> dict[str, Any]:
        return (await self.accounts([actor]))[0]

    async def credential_account(self, actor: Actor, account: Account) -> dict[str, Any]:
        stats = await self.account_stats([actor.id])
        return render_credential_account(
            actor, account, stats[actor.id], base_url=self.settings.base_url, local_domain=self.settings.domain
        )

    async def relationships(self, targets: list[Actor]) -> list[dict[str, Any]]:
        ids = [target.id for target in targets]
        outgoing: dict[int, str] = {}
        incoming: dict[int, str] = {}
        if self.viewer is not None and ids:
            states = await follow_states(self.viewer.id, ids)
            outgoing, incoming = states.outgoing, states.incoming
        return [
            render_relationship(
                target_id,
                following=outgoing.get(target_id) == FollowState.ACCEPTED,
                requested=outgoing.get(target_id) == FollowState.PENDING,
                followed_by=incoming.get(target_id) == FollowState.ACCEPTED,
                requested_by=incoming.get(target_id) == FollowState.PENDING,
            )
            for target_id in ids
        ]

    # --- statuses --------------------------------------------------------------------------------

    async def statuses(self, posts: list[Post], *, are_new: bool = False) -> list[dict[str, Any]]:
        """Posts with `author` already loaded, rendered in their order; `are_new` when this request has just
        written them (`post_details` says what that spares)."""
        if not posts:
            return []
        bodies = {post.id: self.cache.get(("status", post.id), _stamp(post)) for post in posts}
        missing = [post for post in posts if bodies[post.id] is None]
        for post, body in zip(missing, await self._render_statuses(missing, are_new=are_new), strict=True):
            bodies[post.id] = body
            self.cache.put(("status", post.id), body, _stamp(post))
        accounts = await self.accounts(list({post.author_id: post.author for post in posts}.values()))
        account_of = {int(account["id"]): account for account in accounts}
        mine = {} if are_new else await self.reactions([post.id for post in posts])
        shown = [{**bodies[post.id], "account": account_of[post.author_id], **mine.get(post.id, {})} for post in posts]
        await self._own_votes(shown)
        self.cache.refresh_lapsed(self._render_again)
        return shown

    async def status_page(self, entries: list[Entry]) -> tuple[list[dict[str, Any]], list[int]]:
        """A timeline's page (`domain/timelines.py`) rendered in its order, and its entries' ids.

        Only posts missing from the cache are loaded whole.
        """
        shown = {entry.post.id: entry.post for entry in entries}
        bodies = await self._cached_bodies(list(shown.values()))
        accounts = await self.accounts_by_id(
            [post.author_id for post in shown.values()] + [e.boost.actor_id for e in entries if e.boost is not None]
        )
        mine = await self._page_reactions(entries)
        statuses = {
            post_id: {**bodies[post_id], "account": accounts[post.author_id], **mine.get(post_id, {})}
            for post_id, post in shown.items()
        }
        await self._own_votes(list(statuses.values()))
        self.cache.refresh_lapsed(self._render_again)
        return (
            [
                statuses[entry.post.id]
                if entry.boost is None
                else render_reblog_status(entry.boost, statuses[entry.post.id], accounts[entry.boost.actor_id])
                for entry in entries
            ],
            [entry.id for entry in entries],
        )

    async def _cached_bodies(self, rows: list[PostStamp]) -> dict[int, dict[str, Any]]:
        """Statuses without `account` for a page's posts, rendering only those not cached."""
        bodies = self._bodies_in_cache(rows)
        if all(body is not None for body in bodies.values()):
            return bodies
        async with self.cache.rendering_statuses:  # requests missing the same page wait for one rendering
            bodies = self._bodies_in_cache(rows)
            missing = [post_id for post_id, body in bodies.items() if body is None]
            if missing:
                posts = await posts_with_authors(missing)
                for post, body in zip(posts, await self._render_statuses(posts), strict=True):
                    bodies[post.id] = body
                    self.cache.put(("status", post.id), body, _stamp(post))
        return bodies

    async def _render_again(self, keys: list[Any]) -> None:
        """Render the lapsed cache entries under `keys` again (a background task of the render cache)."""
        again = type(self)(self.settings, cache=self.cache)  # as no viewer: the cached parts are the same for all
        post_ids = [key[1] for key in keys if key[0] == "status"]
        posts = await posts_with_authors(post_ids) if post_ids else []
        for post, body in zip(posts, await again._render_statuses(posts), strict=True):
            self.cache.put(("status", post.id), body, _stamp(post))
        actor_ids = [key[1] for key in keys if key[0] == "account"]
        if actor_ids:  # the lapsed accounts are served meanwhile: taking them out made every request wait
            await again._render_accounts(list((await load_actors(actor_ids)).values()))

    def _bodies_in_cache(self, rows: list[PostStamp]) -> dict[int, dict[str, Any] | None]:
        return {row.id: self.cache.get(("status", row.id), row.stamp) for row in rows}

    async def _page_reactions(self, entries: list[Entry]) -> dict[int, dict[str, bool]]:
        """The viewer's reactions to a page's posts: as the page's statement read them, or read now."""
        if any(entry.reactions is None for entry in entries):
            return await self.reactions(list({entry.post.id for entry in entries}))
        return {entry.post.id: dict.fromkeys(entry.reactions, True) for entry in entries if entry.reactions}

    async def reactions(self, post_ids: list[int]) -> dict[int, dict[str, bool]]:
        """`favourited` and `reblogged` for the viewer, by post id (the cached bodies say False)."""
        if self.viewer is None or not post_ids:
            return {}
        found: dict[int, dict[str, bool]] = defaultdict(dict)
        for key, post_id in await reactions_of(self.viewer, post_ids):
            found[post_id][key] = True
        return found

    async def _own_votes(self, statuses: list[dict[str, Any]]) -> None:
        """`voted` and `own_votes` of the viewer in each poll shown (the cached bodies carry neither)."""
        with_poll = [status for status in statuses if status.get("poll")]
        if self.viewer is None or not with_poll:
            return
        chosen = await own_choices([int(status["poll"]["id"]) for status in with_poll], self.viewer)
        for status in with_poll:
            mine = chosen.get(int(status["poll"]["id"]), [])
            status["poll"] = {**status["poll"], "voted": bool(mine), "own_votes": mine}

    async def _render_statuses(self, posts: list[Post], *, are_new: bool = False) -> list[dict[str, Any]]:
        """Statuses without their `account` (filled in by `statuses`, from the account cache)."""
        if not posts:
            return []
        details = await post_details(posts, are_new=are_new)
        mentioned = {ap_id: render_mention(actor, self.settings.domain) for ap_id, actor in details.mentioned.items()}
        base_url = self.settings.base_url
        return [
            render_status(
                post,
                StatusParts(
                    account={},
                    tags=details.tags.get(post.id, []),
                    mentions=[mentioned[ap_id] for ap_id in post.mentions or [] if ap_id in mentioned],
                    proposal=details.proposals.get(post.id),
                    media=[render_media(item, base_url=base_url) for item in details.media.get(post.id, [])],
                    replies_count=details.replies.get(post.id, 0),
                    favourites_count=details.favourites.get(post.id, 0),
                    reblogs_count=details.reblogs.get(post.id, 0),
                    in_reply_to_account_id=(
                        details.parent_authors.get(post.in_reply_to_id) if post.in_reply_to_id else None
                    ),
                    poll=render_poll(details.polls[post.id], is_local=post.is_local)
                    if post.id in details.polls
                    else None,
                ),
                base_url=self.settings.base_url,
            )
            for post in posts
        ]

    async def status(self, post: Post, *, is_new: bool = False) -> dict[str, Any]:
        """One post, `author` loaded; `is_new` when this request has just written it."""
        return (await self.statuses([post], are_new=is_new))[0]

    # --- notifications ---------------------------------------------------------------------------

    async def notifications(self, rows: list[Notification]) -> list[dict[str, Any]]:
        """Notifications with `from_actor` and `post__author` loaded; ones without an actor are skipped."""
        shown = [row for row in rows if row.from_actor is not None]
        accounts = {
            int(a["id"]): a for a in await self.accounts(list({r.from_actor_id: r.from_actor for r in shown}.values()))
        }
        posts = [row.post for row in shown if row.post is not None and not row.post.is_deleted]
        statuses = {int(s["id"]): s for s in await self.statuses(list({p.id: p for p in posts}.values()))}
        return [
            render_notification(row, accounts[row.from_actor_id], statuses.get(row.post_id) if row.post_id else None)
            for row in shown
        ]
