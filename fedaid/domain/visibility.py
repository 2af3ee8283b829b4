"""Who sees a post: the one rule every surface asks, as a check on one post and as a query filter.

    public     everyone
    unlisted   everyone, on the post's own page, its thread and the API's status fetch; never listed
               (listings, public and tag timelines, search, feeds)
    followers  the author, their accepted followers, the actors it mentions
    members    the author, this collective's members, the actors of servers whose collective is allied with ours
    direct     the author and the actors it mentions

A remote server that signs a fetch with its instance actor stands for its actors: it sees what any of them sees
(Mastodon signs most fetches that way). Deleted posts are seen by nobody; a post a moderator hid (`hidden_at`) by its
author only. No network here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tortoise.expressions import Q, Subquery

from fedaid.models import Actor, ActorType, Follow, FollowState, GroupKind, Post, PostMention, Visibility

EVERYONE = (Visibility.PUBLIC, Visibility.UNLISTED)
FOR_MENTIONED = (Visibility.FOLLOWERS, Visibility.DIRECT)


@dataclass(frozen=True)
class Viewer:
    """Who is looking. `actor` is None for an anonymous visitor."""

    actor: Actor | None = None
    is_member: bool = False  # a local member (a Person of this instance)
    is_ally: bool = False  # an actor of a server whose collective is allied with ours
    is_server: bool = False  # a remote instance actor, standing for every actor of its server


ANONYMOUS = Viewer()


async def viewer_for(actor: Actor | None) -> Viewer:
    """The viewer an actor is: a member when local, an ally's when its server's collective is allied with ours."""
    if actor is None:
        return ANONYMOUS
    if actor.is_local:
        return local_viewer(actor)
    return Viewer(actor, is_ally=await is_allied_domain(actor.domain), is_server=_is_instance_actor(actor))


def local_viewer(actor: Actor | None) -> Viewer:
    """The viewer a signed-in member (or an anonymous visitor) is; for actors of this instance only."""
    if actor is None:
        return ANONYMOUS
    if not actor.is_local:
        raise ValueError("local_viewer() takes actors of this instance; use viewer_for()")
    return Viewer(actor, is_member=actor.type == ActorType.PERSON and not actor.is_deleted)


def _is_instance_actor(actor: Actor) -> bool:
    """Mastodon's instance actor (`/actor`) and ours are Applications. A Service is a bot on Mastodon and on
    GoToSocial (its docs/federation/actors.md): it speaks for itself only."""
    return actor.type == ActorType.APPLICATION


def allied_groups() -> Q:
    """A filter on Actor: other servers' collectives allied with one of ours (both follows accepted)."""
    ours = Actor.filter(is_local=True, type=ActorType.GROUP, group_kind=GroupKind.COLLECTIVE).values("id")
    follows_ours = Follow.filter(target_id__in=Subquery(ours), state=FollowState.ACCEPTED).values("follower_id")
    followed_by_ours = Follow.filter(follower_id__in=Subquery(ours), state=FollowState.ACCEPTED).values("target_id")
    return Q(
        is_local=False,
        type=ActorType.GROUP,
        group_kind=GroupKind.COLLECTIVE,  # circles are groups too, never allies
        deleted_at__isnull=True,
        id__in=Subquery(follows_ours),
    ) & Q(id__in=Subquery(followed_by_ours))


async def is_allied_domain(domain: str) -> bool:
    return await Actor.filter(allied_groups(), domain=domain).exists()


# --- one post ------------------------------------------------------------------------------------


async def can_see(post: Post, viewer: Viewer) -> bool:
    """Whether `viewer` may see `post` at all (its page, its thread, a status fetch)."""
    if post.is_deleted:
        return False
    actor = viewer.actor
    if post.hidden_at is not None:
        return actor is not None and post.author_id == actor.id
    if post.visibility in EVERYONE:
        return True
    if actor is None:
        return False
    if post.author_id == actor.id:
        return True
    if post.visibility == Visibility.MEMBERS:
        return viewer.is_member or viewer.is_ally
    if await _is_mentioned(post, viewer):
        return True
    if post.visibility == Visibility.FOLLOWERS:
        followers = Follow.filter(target_id=post.author_id, state=FollowState.ACCEPTED)
        if viewer.is_server:
            return await followers.filter(follower__domain=actor.domain).exists()
        return await followers.filter(follower_id=actor.id).exists()
    return False


async def local_viewers_among(post: Post, actor_ids: Iterable[int]) -> set[int]:
    """Those of these local actors who may see `post` (for alerts and other notices), in two queries at most."""
    wanted = set(actor_ids)
    if post.is_deleted or not wanted:
        return set()
    if post.hidden_at is not None:
        return wanted & {post.author_id}
    if post.visibility in EVERYONE:
        return wanted
    actors = await Actor.filter(id__in=sorted(wanted), is_local=True)
    seeing = {actor.id for actor in actors if actor.id == post.author_id}
    if post.visibility == Visibility.MEMBERS:
        return seeing | {actor.id for actor in actors if local_viewer(actor).is_member}
    seeing |= {actor.id for actor in actors if actor.ap_id in (post.mentions or [])}
    if post.visibility == Visibility.FOLLOWERS:
        followers = Follow.filter(target_id=post.author_id, follower_id__in=sorted(wanted), state=FollowState.ACCEPTED)
        seeing |= set(await followers.values_list("follower_id", flat=True))
    return seeing


async def is_listed(post: Post, viewer: Viewer) -> bool:
    """Whether `post` may appear in `viewer`'s listings: visible, and not unlisted."""
    return post.visibility != Visibility.UNLISTED and await can_see(post, viewer)


async def _is_mentioned(post: Post, viewer: Viewer) -> bool:
    assert viewer.actor is not None
    mentioned = list(post.mentions or [])
    if viewer.actor.ap_id in mentioned:
        return True
    return (
        viewer.is_server
        and bool(mentioned)
        and await Actor.filter(ap_id__in=mentioned, domain=viewer.actor.domain).exists()
    )


# --- query filters -------------------------------------------------------------------------------


def present() -> Q:
    """Posts that anyone at all may still see (not deleted)."""
    return Q(deleted_at__isnull=True)


def visible_to(viewer: Viewer) -> Q:
    """A filter on Post: what `viewer` may see (the query form of `can_see`)."""
    shown = Q(visibility__in=EVERYONE)
    actor = viewer.actor
    if actor is not None:
        shown |= Q(visibility__in=FOR_MENTIONED, id__in=Subquery(_mentioning(viewer)))
        shown |= Q(visibility=Visibility.FOLLOWERS, author_id__in=Subquery(_followed(viewer)))
        if viewer.is_member or viewer.is_ally:
            shown |= Q(visibility=Visibility.MEMBERS)
        return present() & ((Q(hidden_at__isnull=True) & shown) | Q(author_id=actor.id))
    return present() & Q(hidden_at__isnull=True) & shown


def listed_to(viewer: Viewer) -> Q:
    """A filter on Post: what may appear in `viewer`'s listings (visible, and not unlisted)."""
    return visible_to(viewer) & ~Q(visibility=Visibility.UNLISTED)


def listable_audiences(viewer: Viewer) -> tuple[Visibility, ...]:
    """The audiences whose posts may be among `viewer`'s listings (a first cut for indexes; then `listed_to`)."""
    if viewer.actor is None:
        return (Visibility.PUBLIC,)
    if viewer.is_member or viewer.is_ally:
        return (Visibility.PUBLIC, Visibility.FOLLOWERS, Visibility.MEMBERS, Visibility.DIRECT)
    return (Visibility.PUBLIC, Visibility.FOLLOWERS, Visibility.DIRECT)


def related(filter_on_post: Q, prefix: str) -> Q:
    """`filter_on_post` applied through a relation, e.g. `related(listed_to(viewer), "post")` on Proposal."""
    return Q(**{f"{prefix}_id__in": Subquery(Post.filter(filter_on_post).values("id"))})


def _mentioning(viewer: Viewer):
    assert viewer.actor is not None
    if viewer.is_server:
        names = Actor.filter(domain=viewer.actor.domain).values("ap_id")
        return PostMention.filter(ap_id__in=Subquery(names)).values("post_id")
    return PostMention.filter(ap_id=viewer.actor.ap_id).values("post_id")


def _followed(viewer: Viewer):
    assert viewer.actor is not None
    follows = Follow.filter(state=FollowState.ACCEPTED)
    if viewer.is_server:
        return follows.filter(follower__domain=viewer.actor.domain).values("target_id")
    return follows.filter(follower_id=viewer.actor.id).values("target_id")


# --- writing what the rule reads -----------------------------------------------------------------


async def record_mentions(post: Post, ap_ids: Iterable[str] | None = None, *, is_new: bool = False) -> None:
    """Keep the post's mention rows equal to `ap_ids` (default: `post.mentions`); call after each write of them
    (`is_new` for a post just inserted, which has none yet)."""
    if not is_new:
        await PostMention.filter(post_id=post.id).delete()
    if rows := mention_rows(post, ap_ids):
        await PostMention.bulk_create(rows)


def mention_rows(post: Post, ap_ids: Iterable[str] | None = None) -> list[PostMention]:
    """The mention rows a post holds: one per distinct actor in `ap_ids` (default: `post.mentions`)."""
    wanted = dict.fromkeys(a for a in (post.mentions if ap_ids is None else ap_ids) or [] if isinstance(a, str))
    return [PostMention(post_id=post.id, ap_id=ap_id[:512]) for ap_id in wanted]
