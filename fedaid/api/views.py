"""Load what Mastodon entities need, in a few batched queries per page, then render them.

Reads only: counts, tags, proposals, mentions and relationships for a list of posts or actors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from tortoise.functions import Count, Max

from fedaid.api.entities import (
    AccountStats, StatusParts, render_account, render_credential_account, render_mention, render_notification,
    render_relationship, render_status,
)
from fedaid.config import Settings
from fedaid.models import Account, Actor, Follow, FollowState, Notification, Post, PostTag, Proposal


class Presenter:
    """Renders rows for one request, as seen by `viewer` (None when anonymous)."""

    def __init__(self, settings: Settings, viewer: Actor | None = None) -> None:
        self.settings = settings
        self.viewer = viewer
        self._stats: dict[int, AccountStats] = {}

    # --- accounts --------------------------------------------------------------------------------

    async def account_stats(self, actor_ids: Iterable[int]) -> dict[int, AccountStats]:
        wanted = sorted(set(actor_ids) - set(self._stats))
        if wanted:
            followers = await _counts(Follow.filter(target_id__in=wanted, state=FollowState.ACCEPTED), "target_id")
            following = await _counts(Follow.filter(follower_id__in=wanted, state=FollowState.ACCEPTED),
                                      "follower_id")
            posts = await (Post.filter(author_id__in=wanted, deleted_at__isnull=True).group_by("author_id")
                           .annotate(n=Count("id"), last=Max("published_at")).values("author_id", "n", "last"))
            by_author = {row["author_id"]: row for row in posts}
            for actor_id in wanted:
                row = by_author.get(actor_id, {})
                self._stats[actor_id] = AccountStats(followers.get(actor_id, 0), following.get(actor_id, 0),
                                                     row.get("n", 0), row.get("last"))
        return self._stats

    async def accounts(self, actors: list[Actor]) -> list[dict[str, Any]]:
        stats = await self.account_stats(actor.id for actor in actors)
        return [render_account(actor, stats[actor.id], base_url=self.settings.base_url,
                               local_domain=self.settings.domain) for actor in actors]

    async def account(self, actor: Actor) -> dict[str, Any]:
        return (await self.accounts([actor]))[0]

    async def credential_account(self, actor: Actor, account: Account) -> dict[str, Any]:
        stats = await self.account_stats([actor.id])
        return render_credential_account(actor, account, stats[actor.id], base_url=self.settings.base_url,
                                         local_domain=self.settings.domain)

    async def relationships(self, targets: list[Actor]) -> list[dict[str, Any]]:
        ids = [target.id for target in targets]
        outgoing: dict[int, str] = {}
        incoming: dict[int, str] = {}
        if self.viewer is not None and ids:
            for row in await Follow.filter(follower_id=self.viewer.id, target_id__in=ids).values("target_id",
                                                                                                  "state"):
                outgoing[row["target_id"]] = row["state"]
            for row in await Follow.filter(target_id=self.viewer.id, follower_id__in=ids).values("follower_id",
                                                                                                  "state"):
                incoming[row["follower_id"]] = row["state"]
        return [render_relationship(
            target_id, following=outgoing.get(target_id) == FollowState.ACCEPTED,
            requested=outgoing.get(target_id) == FollowState.PENDING,
            followed_by=incoming.get(target_id) == FollowState.ACCEPTED,
            requested_by=incoming.get(target_id) == FollowState.PENDING) for target_id in ids]

    # --- statuses --------------------------------------------------------------------------------

    async def statuses(self, posts: list[Post]) -> list[dict[str, Any]]:
        """Posts with `author` already loaded, rendered in their order."""
        if not posts:
            return []
        ids = [post.id for post in posts]
        tags: dict[int, list[str]] = defaultdict(list)
        for post_id, name in await PostTag.filter(post_id__in=ids).order_by("id").values_list("post_id", "name"):
            tags[post_id].append(name)
        proposals = {row.post_id: row for row in await Proposal.filter(post_id__in=ids)}
        replies = await _counts(Post.filter(in_reply_to_id__in=ids, deleted_at__isnull=True), "in_reply_to_id")
        parent_ids = sorted({post.in_reply_to_id for post in posts if post.in_reply_to_id})
        parents = dict(await Post.filter(id__in=parent_ids).values_list("id", "author_id")) if parent_ids else {}
        mentioned = await self._mentioned(posts)
        accounts = await self.accounts(list({post.author_id: post.author for post in posts}.values()))
        account_of = {int(account["id"]): account for account in accounts}
        return [render_status(post, StatusParts(
            account=account_of[post.author_id], tags=tags.get(post.id, []),
            mentions=[mentioned[ap_id] for ap_id in post.mentions or [] if ap_id in mentioned],
            proposal=proposals.get(post.id), replies_count=replies.get(post.id, 0),
            in_reply_to_account_id=parents.get(post.in_reply_to_id) if post.in_reply_to_id else None,
        ), base_url=self.settings.base_url) for post in posts]

    async def status(self, post: Post) -> dict[str, Any]:
        return (await self.statuses([post]))[0]

    async def _mentioned(self, posts: list[Post]) -> dict[str, dict[str, Any]]:
        ap_ids = sorted({ap_id for post in posts for ap_id in post.mentions or [] if isinstance(ap_id, str)})
        if not ap_ids:
            return {}
        actors = await Actor.filter(ap_id__in=ap_ids)
        return {actor.ap_id: render_mention(actor, self.settings.domain) for actor in actors}

    # --- notifications ---------------------------------------------------------------------------

    async def notifications(self, rows: list[Notification]) -> list[dict[str, Any]]:
        """Notifications with `from_actor` and `post__author` loaded; ones without an actor are skipped."""
        shown = [row for row in rows if row.from_actor is not None]
        accounts = {int(a["id"]): a for a in await self.accounts(list({r.from_actor_id: r.from_actor
                                                                        for r in shown}.values()))}
        posts = [row.post for row in shown if row.post is not None and not row.post.is_deleted]
        statuses = {int(s["id"]): s for s in await self.statuses(list({p.id: p for p in posts}.values()))}
        return [render_notification(row, accounts[row.from_actor_id],
                                    statuses.get(row.post_id) if row.post_id else None) for row in shown]


async def _counts(query: Any, key: str) -> dict[int, int]:
    rows = await query.group_by(key).annotate(n=Count("id")).values(key, "n")
    return {row[key]: row["n"] for row in rows}
