"""Apply stored inbox activities: claim due `InboxItem` rows, apply each by type, record the outcome.

    InboxItem(pending) ──► claim a batch (FOR UPDATE SKIP LOCKED on PostgreSQL, lease) ──► apply(item)
                                                                                           │ match type
      done ◄── applied, or acknowledged and ignored (unknown types, unrelated objects) ◄────┤
      failed ◄── InvalidActivity, or the last of MAX_ATTEMPTS failures ◄───────────────────┤
      pending, next_attempt_at later, last_error kept ◄── any other failure ◄──────────────┘

One small function per type, each idempotent (INTEROP 54): an item applied twice, or the same
activity arriving by two paths (a plain Announce and a FEP-1b12 wrapped Create), changes nothing
the second time. Network work (fetching actors, objects) happens outside any transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fedaid.activitypub.events import is_event, join_reference, parse_event, parse_join
from fedaid.activitypub.parse import (
    Activity,
    JSONDict,
    NoteDoc,
    as_list,
    id_of,
    parse_activity,
    parse_note,
    parse_tombstone,
    same_origin,
)
from fedaid.activitypub.proposals import (
    is_confirmation,
    parse_agreement_accept,
    parse_agreement_offer,
    parse_agreement_reject,
    parse_confirmation,
)
from fedaid.activitypub.sanitize import sanitize_text
from fedaid.activitypub.vocab import ACTIVITY_TYPES, ACTOR_TYPES, POST_TYPES, ActivityType
from fedaid.clock import utcnow
from fedaid.config import Settings
from fedaid.domain import (
    agreements,
    attendance,
    exchanges,
    follows,
    participation,
    reactions,
    remote_events,
    remote_posts,
)
from fedaid.domain.policy import DomainPolicies, host_of_url
from fedaid.errors import Conflict, FedaidError, FetchError, Forbidden, Gone, InvalidActivity, InvalidInput, NotFound
from fedaid.federation.demand_activities import apply_demand_activity
from fedaid.federation.fetch import Fetcher, RemoteGone, RemoteNotFound
from fedaid.federation.remote_actors import RemoteActors
from fedaid.models import (
    Actor,
    ActorType,
    Favourite,
    Follow,
    FollowState,
    InboxItem,
    InboxState,
    Notification,
    NotificationKind,
    Post,
    Report,
)
from fedaid.storage.claims import claim_due

log = logging.getLogger("fedaid.inbox_worker")

MAX_ATTEMPTS = 5
BATCH_SIZE = 100
LEASE = timedelta(minutes=5)


def retry_delay(attempt: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min...: a peer that was down gets a few chances within the hour."""
    return timedelta(seconds=30 * 4 ** (attempt - 1))


@dataclass
class Context:
    """What the per-type functions need: the actor of the activity, and ways to reach other servers."""

    actor: Actor
    worker: InboxWorker
    via_group: Actor | None = None  # set while applying an activity a followed Group announced

    @property
    def settings(self) -> Settings:
        return self.worker.settings


class InboxWorker:
    """Applies due inbox items in passes (`run_once`); several workers can share one queue."""

    def __init__(
        self,
        settings: Settings,
        remote_actors: RemoteActors,
        fetcher: Fetcher,
        policies: DomainPolicies,
        *,
        batch_size: int = BATCH_SIZE,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.remote_actors = remote_actors
        self.fetcher = fetcher
        self.policies = policies
        self._batch_size = batch_size
        self._clock = clock
        self._actors: dict[str, Actor] = {}  # the actors met during one pass (a batch often has few)

    async def run_once(self) -> int:
        """Claim and apply up to `batch_size` due items; returns how many were claimed."""
        items = await self._claim(self._clock())
        done: list[int] = []
        self._actors = {}
        for item in items:
            if await self._process(item):
                done.append(item.id)
        self._actors = {}
        if done:
            await InboxItem.filter(id__in=done).update(
                state=InboxState.DONE, processed_at=self._clock(), claimed_until=None, last_error=""
            )
        return len(items)

    async def _claim(self, now: datetime) -> list[InboxItem]:
        due = InboxItem.filter(state=InboxState.PENDING, next_attempt_at__lte=now)
        return await claim_due(due, now, LEASE, self._batch_size)

    async def _process(self, item: InboxItem) -> bool:
        """Apply one item; True when done, else its failure is recorded on the row."""
        try:
            await self.apply(item.payload)
            return True
        except InvalidActivity as err:
            await self._give_up(item, f"invalid: {err}")
        except FedaidError as err:
            await self._retry(item, f"{err.__class__.__name__}: {err}")
        except Exception as err:  # the worker's loop boundary: keep the error on the row for inspection
            log.exception("inbox item failed", extra={"activity_id": item.activity_id})
            await self._retry(item, f"{err.__class__.__name__}: {err}")
        return False

    async def _retry(self, item: InboxItem, error: str) -> None:
        attempts = item.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            await self._give_up(item, error, attempts)
            return
        log.info("inbox item will be retried", extra={"activity_id": item.activity_id, "error": error})
        await InboxItem.filter(id=item.id).update(
            attempts=attempts,
            last_error=error[:2000],
            claimed_until=None,
            next_attempt_at=self._clock() + retry_delay(attempts),
        )

    async def _give_up(self, item: InboxItem, error: str, attempts: int | None = None) -> None:
        log.info("inbox item failed for good", extra={"activity_id": item.activity_id, "error": error})
        await InboxItem.filter(id=item.id).update(
            state=InboxState.FAILED,
            attempts=attempts or item.attempts + 1,
            last_error=error[:2000],
            claimed_until=None,
            processed_at=self._clock(),
        )

    # --- dispatch ------------------------------------------------------------------------------

    async def apply(self, payload: JSONDict, *, via_group: Actor | None = None) -> None:
        """Apply one activity (already verified by the inbox, or by its origin when a Group announced it)."""
        activity = parse_activity(payload)
        if await self.policies.is_blocked(host_of_url(activity.actor_ap_id)):
            return  # blocked after it was received: nothing of theirs is kept
        if _deletes_itself(activity):
            self._actors.pop(activity.actor_ap_id, None)
            await apply_delete_actor(activity)  # never fetch an actor that says it is gone (INTEROP 50)
            return
        try:
            actor = await self.actor(activity.actor_ap_id)
        except (Gone, NotFound):
            return  # its actor is gone: nothing to apply any more
        await dispatch(Context(actor, self, via_group), activity)

    async def actor(self, ap_id: str) -> Actor:
        """A remote actor, from this pass's cache, the database, or its server."""
        actor = self._actors.get(ap_id)
        if actor is None:
            actor = self._actors[ap_id] = await self.remote_actors.get_actor(ap_id)
        return actor

    def forget_actor(self, ap_id: str) -> None:
        self._actors.pop(ap_id, None)

    async def fetch_note(self, ap_id: str, author: Actor | None = None) -> tuple[NoteDoc, Actor]:
        """A post as its origin serves it, and its author (fetched when needed)."""
        doc = await self.fetcher.get_json(ap_id)
        author_id = _attributed_to(doc)
        author = author if author is not None and author.ap_id == author_id else await self.actor(author_id or "")
        return parse_note(doc, followers_url=author.followers_url), author


async def dispatch(ctx: Context, activity: Activity) -> None:
    if await apply_demand_activity(ctx.actor, activity):
        return  # a vote, its withdrawal, or a collective co-signing a demand
    match activity.type:
        case ActivityType.FOLLOW:
            await apply_follow(ctx, activity)
        case ActivityType.ACCEPT:
            await apply_accept(ctx, activity)
        case ActivityType.REJECT:
            await apply_reject(ctx, activity)
        case ActivityType.UNDO:
            await apply_undo(ctx, activity)
        case ActivityType.CREATE:
            await apply_create(ctx, activity)
        case ActivityType.UPDATE:
            await apply_update(ctx, activity)
        case ActivityType.DELETE:
            await apply_delete(ctx, activity)
        case ActivityType.ANNOUNCE:
            await apply_announce(ctx, activity)
        case ActivityType.LIKE:
            await apply_like(ctx, activity)
        case ActivityType.BLOCK:
            await apply_block(ctx, activity)
        case ActivityType.FLAG:
            await apply_flag(ctx, activity)
        case ActivityType.MOVE:
            await apply_move(ctx, activity)
        case ActivityType.OFFER:
            await apply_offer(ctx, activity)
        case ActivityType.JOIN:
            await apply_join(ctx, activity)
        case ActivityType.LEAVE:
            await apply_leave(ctx, activity)
        case ActivityType.ARRIVE:
            await apply_arrive(ctx, activity)
        case _:
            log.debug("ignored activity type", extra={"type": activity.type, "activity_id": activity.ap_id})


# --- follows -------------------------------------------------------------------------------------


async def apply_follow(ctx: Context, activity: Activity) -> None:
    target = await _local_actor(activity.object_ap_id)
    if target is None:
        return  # a Follow of someone who is not here: acknowledged, ignored
    kind = await ctx.worker.policies.kind_for(ctx.actor.domain)
    await follows.receive_follow(
        ctx.actor, target, activity.ap_id, federation_mode=ctx.settings.federation_mode, domain_policy=kind
    )


async def apply_accept(ctx: Context, activity: Activity) -> None:
    """Accept of a Follow (embedded, or its id as Mitra sends it), else of a FEP-0837 agreement offer."""
    kind = _embedded_type(activity.object)
    if kind in (ActivityType.JOIN, None) and await _join_answer(ctx, activity, accepted=True):
        return
    if kind == ActivityType.FOLLOW or (kind is None and "result" not in activity.raw):
        if await follows.receive_accept(ctx.actor, _follow_ref(activity.object)) or kind == ActivityType.FOLLOW:
            return
    await _agreement_step(activity, lambda: agreements.receive_accept(parse_agreement_accept(activity.raw), ctx.actor))


async def apply_reject(ctx: Context, activity: Activity) -> None:
    """Reject of a Follow (a refusal, or "remove follower"), else of a FEP-0837 agreement offer."""
    kind = _embedded_type(activity.object)
    if kind in (ActivityType.JOIN, None) and await _join_answer(ctx, activity, accepted=False):
        return
    if kind in (None, ActivityType.FOLLOW):
        if await follows.receive_reject(ctx.actor, _follow_ref(activity.object)) or kind == ActivityType.FOLLOW:
            return
    await _agreement_step(activity, lambda: agreements.receive_reject(parse_agreement_reject(activity.raw), ctx.actor))


async def _join_answer(ctx: Context, activity: Activity, *, accepted: bool) -> bool:
    """Mobilizon's answer to a Join: the Join embedded, or its id alone. True when it answered one of ours."""
    join_id, _ = join_reference(activity.object)
    return await participation.receive_join_answer(ctx.actor, join_id, accepted=accepted)


async def apply_offer(ctx: Context, activity: Activity) -> None:
    """FEP-0837 Offer(Agreement): someone elsewhere answers one of our proposals."""
    await _agreement_step(activity, lambda: agreements.receive_offer(parse_agreement_offer(activity.raw), ctx.actor))


async def _agreement_step(activity: Activity, step: Callable[[], Awaitable[object]]) -> None:
    """Run a mutual-aid step; one that is not about our proposals or agreements is acknowledged and ignored."""
    try:
        await step()
    except (InvalidActivity, NotFound, Forbidden, Conflict, InvalidInput) as err:
        log.info("agreement activity ignored", extra={"activity_id": activity.ap_id, "reason": str(err)})


async def apply_undo(ctx: Context, activity: Activity) -> None:
    inner = activity.object
    inner_actor = id_of(inner.get("actor")) if isinstance(inner, dict) else None
    if inner_actor is not None and inner_actor != ctx.actor.ap_id:
        raise InvalidActivity("an actor can only undo its own activities")
    match _embedded_type(inner):
        case ActivityType.FOLLOW:
            await follows.receive_undo_follow(ctx.actor, _follow_ref(inner))
        case ActivityType.LIKE:
            await reactions.receive_undo_like(
                ctx.actor, id_of(inner), id_of(inner.get("object")) if isinstance(inner, dict) else None
            )
        case ActivityType.OFFER:  # FEP-0837: the offerer withdraws, or the author calls off what they accepted
            await _agreement_step(
                activity, lambda: agreements.receive_undo_offer(parse_agreement_offer(inner), ctx.actor)
            )
        case ActivityType.ACCEPT:
            await _agreement_step(
                activity, lambda: agreements.receive_undo_accept(parse_agreement_accept(inner), ctx.actor)
            )
        case ActivityType.ANNOUNCE:
            await reactions.receive_undo_boost(
                ctx.actor, id_of(inner), id_of(inner.get("object")) if isinstance(inner, dict) else None
            )
        case None:  # only the id: whichever of our rows has it (Mitra, older servers)
            await follows.receive_undo_follow(ctx.actor, _follow_ref(inner))
            await reactions.receive_undo_like(ctx.actor, id_of(inner), None)
            await reactions.receive_undo_boost(ctx.actor, id_of(inner))
        case _:
            pass  # Undo(Block)...: nothing of theirs is kept


def _follow_ref(value: str | JSONDict | None) -> follows.FollowRef:
    if isinstance(value, dict):
        return follows.FollowRef(id_of(value), id_of(value.get("actor")), id_of(value.get("object")))
    return follows.FollowRef(id_of(value))


# --- coaching sessions: Join, Leave, Arrive (Mobilizon's RSVP flow) ------------------------------


async def apply_join(ctx: Context, activity: Activity) -> None:
    """A Join of one of our sessions, or of a circle (a Group: the same as a Follow)."""
    join = parse_join(activity.raw)
    circle = await _local_actor(join.object_ap_id)
    if circle is not None and circle.is_group:
        kind = await ctx.worker.policies.kind_for(ctx.actor.domain)
        await follows.receive_follow(
            ctx.actor, circle, join.ap_id, federation_mode=ctx.settings.federation_mode, domain_policy=kind
        )
        return
    await _agreement_step(activity, lambda: participation.receive_join(ctx.actor, join))


async def apply_leave(ctx: Context, activity: Activity) -> None:
    """A Leave of one of our sessions (the seat frees), or of a circle (the membership ends)."""
    target = activity.object_ap_id
    circle = await _local_actor(target)
    if circle is not None and circle.is_group:
        await follows.receive_undo_follow(ctx.actor, follows.FollowRef(None, ctx.actor.ap_id, circle.ap_id))
        return
    await participation.receive_leave(ctx.actor, target or "")


async def apply_arrive(ctx: Context, activity: Activity) -> None:
    """A confirmed attendance of a group session, from the participant or from the session's organiser."""
    location = id_of(activity.raw.get("location"))
    await _agreement_step(activity, lambda: attendance.receive_attendance(ctx.actor, activity.object_ap_id, location))


# --- posts ---------------------------------------------------------------------------------------


async def apply_create(ctx: Context, activity: Activity) -> None:
    if is_confirmation(activity.raw):  # FEP-0837: the other party confirms that the help was given
        await _agreement_step(
            activity, lambda: exchanges.receive_confirmation(parse_confirmation(activity.raw), ctx.actor)
        )
        return
    obj = activity.object
    if is_event(obj):  # a session published elsewhere (Mobilizon, Gancio, a fedaid circle)
        await remote_events.receive_event(parse_event(obj), ctx.actor)
    if isinstance(obj, str):  # Create of an id only: the origin says what it is
        note, _ = await ctx.worker.fetch_note(obj, ctx.actor)
    elif _embedded_type(obj) in POST_TYPES or _has_post_type(obj):
        note = parse_note(_with_author(obj, ctx.actor.ap_id), followers_url=ctx.actor.followers_url)
    else:
        return  # Create of something that is not a post (e.g. a Question's vote, an Offer): ignored
    await _store_note(ctx, note, ctx.actor)


async def _store_note(ctx: Context, note: NoteDoc, author: Actor) -> None:
    if note.attributed_to != author.ap_id:
        raise InvalidActivity("the object is attributed to another actor than the one who created it")
    if ctx.via_group is None and not await remote_posts.is_relevant(note, author):
        return  # nobody here follows, is addressed by or was replied to by it (INTEROP 67)
    await remote_posts.store_remote_note(
        note,
        author,
        visibility=await remote_posts.visibility_for(note),
        audience=ctx.via_group,
        outside_proposals=ctx.settings.outside_proposals,
        max_thread_depth=ctx.settings.thread_fetch_depth,
    )


async def apply_update(ctx: Context, activity: Activity) -> None:
    obj = activity.object
    if activity.object_ap_id == ctx.actor.ap_id:
        # Update(actor): the inbox checked it is signed by that actor (INTEROP 80); take the origin's copy.
        ctx.worker.forget_actor(ctx.actor.ap_id)
        await ctx.worker.remote_actors.get_actor(ctx.actor.ap_id, refresh=True)
        return
    if is_event(obj):  # a session moved, or cancelled by its ical:status
        await remote_events.receive_event(parse_event(obj), ctx.actor)
    if isinstance(obj, dict) and (_has_post_type(obj)):
        await remote_posts.update_remote_note(
            parse_note(obj, followers_url=ctx.actor.followers_url),
            ctx.actor,
            outside_proposals=ctx.settings.outside_proposals,
        )


async def apply_delete(ctx: Context, activity: Activity) -> None:
    if activity.object is None:
        raise InvalidActivity("Delete has no object")
    tombstone = parse_tombstone(activity.object)
    await remote_events.receive_event_delete(tombstone.ap_id, ctx.actor)
    await remote_posts.delete_remote_post(tombstone.ap_id, ctx.actor)


async def apply_delete_actor(activity: Activity) -> None:
    """A remote actor deleted itself: it becomes a tombstone, its follows end and its posts go."""
    actor = await Actor.get_or_none(ap_id=activity.actor_ap_id, is_local=False)
    if actor is None or actor.is_deleted:
        return
    async with in_transaction():
        await Actor.filter(id=actor.id).update(deleted_at=utcnow())
        await Follow.filter(Q(follower=actor) | Q(target=actor)).delete()
        await remote_posts.delete_posts_of(actor)


# --- boosts and group distribution (FEP-1b12) ----------------------------------------------------


async def apply_announce(ctx: Context, activity: Activity) -> None:
    obj = activity.object
    if isinstance(obj, dict) and _embedded_type(obj) in ACTIVITY_TYPES:
        await _apply_wrapped(ctx, activity, obj)
    else:
        await _apply_boost(ctx, id_of(obj), activity.ap_id)


async def _apply_wrapped(ctx: Context, announce: Activity, inner_doc: JSONDict) -> None:
    """A Group we follow distributes a member's activity unchanged (INTEROP 71)."""
    group = ctx.actor
    if group.type != ActorType.GROUP or not await _is_followed_here(group):
        return  # only the groups we follow speak for their members here
    inner = parse_activity(inner_doc)
    if inner.type not in (ActivityType.CREATE, ActivityType.UPDATE, ActivityType.DELETE):
        return  # Announce(Like), Announce(Undo)...: nothing we keep
    if same_origin(inner.ap_id, group.ap_id):
        # The group's server is the inner activity's origin: it vouches for it (FEP-fe34).
        await ctx.worker.apply(inner.raw, via_group=group)
        return
    await _apply_confirmed(ctx, inner, group)


async def _apply_confirmed(ctx: Context, inner: Activity, group: Actor) -> None:
    """The inner activity is not signed by its actor: confirm it with its origin first (INTEROP 74, 79)."""
    author = await ctx.worker.actor(inner.actor_ap_id)
    sub = Context(author, ctx.worker, via_group=group)
    if inner.type == ActivityType.DELETE:
        object_id = inner.object_ap_id or ""
        try:
            await ctx.worker.fetcher.get_json(object_id)
        except (RemoteGone, RemoteNotFound):
            await remote_posts.delete_remote_post(object_id, author)
        return
    note, note_author = await ctx.worker.fetch_note(inner.object_ap_id or "", author)
    if note_author.ap_id != author.ap_id:
        raise InvalidActivity("the announced object is attributed to another actor than its activity's")
    if inner.type == ActivityType.CREATE:
        await _store_note(sub, note, author)
    elif not await remote_posts.update_remote_note(note, author, outside_proposals=ctx.settings.outside_proposals):
        await _store_note(sub, note, author)  # an edit of a post we had not seen yet


async def _apply_boost(ctx: Context, object_id: str | None, announce_id: str) -> None:
    """A plain boost: kept for a post we have (its local author hears of it); a followed actor's boost brings
    the post here."""
    if object_id is None:
        return
    post = await Post.get_or_none(ap_id=object_id)
    if post is not None:
        await reactions.receive_boost(post, ctx.actor, announce_id)
        return  # already here, e.g. by the wrapped Create the same Group sent (FEP-1b12): stored once
    if not await _is_followed_here(ctx.actor):
        return
    note, author = await ctx.worker.fetch_note(object_id)
    await _store_note(Context(author, ctx.worker, via_group=ctx.actor if ctx.actor.is_group else None), note, author)
    if (post := await Post.get_or_none(ap_id=note.ap_id)) is not None:
        await reactions.receive_boost(post, ctx.actor, announce_id)  # so followers see it in their home timeline


# --- likes, blocks, reports, moves ---------------------------------------------------------------


async def apply_like(ctx: Context, activity: Activity) -> None:
    post = await Post.get_or_none(ap_id=activity.object_ap_id or "", deleted_at=None)
    if post is None or not post.is_local:
        return
    async with in_transaction():
        if await Favourite.filter(actor=ctx.actor, post=post).exists():
            return
        like_id = None if await Favourite.filter(ap_id=activity.ap_id).exists() else activity.ap_id
        await Favourite.create(ap_id=like_id, actor=ctx.actor, post=post)
        await Notification.create(
            recipient_id=post.author_id, kind=NotificationKind.FAVOURITE, from_actor=ctx.actor, post=post
        )


async def apply_block(ctx: Context, activity: Activity) -> None:
    """A remote actor blocks one of ours: the follows between them end (as Mastodon does)."""
    target = await _local_actor(activity.object_ap_id)
    if target is not None:
        await Follow.filter(Q(follower=ctx.actor, target=target) | Q(follower=target, target=ctx.actor)).delete()


async def apply_flag(ctx: Context, activity: Activity) -> None:
    """A report about our members or their posts, kept for the admins (INTEROP 69)."""
    ids = [ref for ref in (id_of(item) for item in activity.objects) if ref]
    local_actors = await Actor.filter(ap_id__in=ids, is_local=True) if ids else []
    posts = await Post.filter(ap_id__in=ids, is_local=True) if ids else []
    target_id = local_actors[0].id if local_actors else (posts[0].author_id if posts else None)
    if target_id is None:
        return  # about nobody here
    comment = activity.raw.get("content")
    async with in_transaction():
        if await Report.filter(ap_id=activity.ap_id).exists():
            return
        await Report.create(
            ap_id=activity.ap_id,
            reporter=ctx.actor,
            target_id=target_id,
            post_ap_ids=[post.ap_id for post in posts],
            comment=sanitize_text(comment) if isinstance(comment, str) else "",
        )
        for admin in await follows.admin_actors():
            await Notification.create(recipient=admin, kind=NotificationKind.ADMIN_REPORT, from_actor=ctx.actor)


async def apply_move(ctx: Context, activity: Activity) -> None:
    """Record where an actor moved, once the new account confirms it by `alsoKnownAs` (INTEROP 23)."""
    target = id_of(activity.target)
    if activity.object_ap_id != ctx.actor.ap_id or target is None or target == ctx.actor.ap_id:
        raise InvalidActivity("Move must move its own actor to another one")
    try:
        new_doc = await ctx.worker.fetcher.get_json(target)
    except (FetchError, NotFound, Gone) as err:
        raise FetchError(f"The new account {target} cannot be fetched: {err}") from err
    if ctx.actor.ap_id not in [id_of(alias) for alias in as_list(new_doc.get("alsoKnownAs"))]:
        log.info("Move not confirmed by the new account", extra={"actor": ctx.actor.ap_id, "target": target})
        return
    await Actor.filter(id=ctx.actor.id).update(moved_to=target[:512])


# --- helpers -------------------------------------------------------------------------------------


async def _local_actor(ap_id: str | None) -> Actor | None:
    if ap_id is None:
        return None
    return await Actor.get_or_none(ap_id=ap_id, is_local=True)


async def _is_followed_here(actor: Actor) -> bool:
    return await Follow.filter(target=actor, follower__is_local=True, state=FollowState.ACCEPTED).exists()


def _embedded_type(value: object) -> str | None:
    """The (first known) type of an embedded object; None for a bare id."""
    if not isinstance(value, dict):
        return None
    names = [name for name in as_list(value.get("type")) if isinstance(name, str)]
    return next(
        (name for name in names if name in ACTIVITY_TYPES or name in POST_TYPES or name in ACTOR_TYPES),
        names[0] if names else None,
    )


def _has_post_type(value: object) -> bool:
    return isinstance(value, dict) and any(name in POST_TYPES for name in as_list(value.get("type")))


def _with_author(obj: JSONDict, actor_ap_id: str) -> JSONDict:
    """A post created without `attributedTo` is its creator's when both share an origin (as Mastodon's
    ActivityPub::Activity::Create reads it); across origins it stays unattributed, and is refused."""
    if obj.get("attributedTo") or not same_origin(id_of(obj), actor_ap_id):
        return obj
    return {**obj, "attributedTo": actor_ap_id}


def _attributed_to(doc: JSONDict) -> str | None:
    for entry in as_list(doc.get("attributedTo")):
        if (found := id_of(entry)) is not None:
            return found
    return None


def _deletes_itself(activity: Activity) -> bool:
    return activity.type == ActivityType.DELETE and activity.object_ap_id == activity.actor_ap_id
