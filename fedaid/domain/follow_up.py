"""Follow-up of a session: facilitators' notes and action items, participants' check-ins, as replies to
the Event (public Notes with `inReplyTo` the Event's id, so Mobilizon and Mastodon thread them).

Replies from elsewhere to one of our sessions are kept by `remote_posts` like any reply. No HTTP here.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from fedaid.domain import circles, post_federation, posts, search
from fedaid.domain.post_federation import Change
from fedaid.errors import Forbidden
from fedaid.models import Actor, CoachingSession, Participation, ParticipationState, Post

KINDS = ("note", "action", "checkin")
# The first line tells the kind, in French (the collective's language) and as a hashtag for Mastodon.
_LABELS = {"note": "Compte rendu #suivi", "action": "Action à mener #suivi", "checkin": "Point d'étape #suivi"}


async def post_follow_up(session: CoachingSession, author: Actor, kind: str, text: str) -> Post:
    """Notes and action items come from facilitators, check-ins from accepted participants."""
    await _check_may_post(session, author, kind)
    async with in_transaction():
        note = await posts.insert_post(author, f"{_LABELS[kind]}\n\n{text}")
        post = note.post
        post.in_reply_to_ap_id = session.ap_id
        await post.save(update_fields=["in_reply_to_ap_id"])
        await search.index_post(post, tags=note.tags, is_new=True)
        await post_federation.federate_post(post, Change.CREATE, context=note)
    return post


async def thread_of(session: CoachingSession) -> list[Post]:
    """Every reply to the session, oldest first, from here and elsewhere."""
    return (
        await Post.filter(in_reply_to_ap_id=session.ap_id, deleted_at__isnull=True)
        .select_related("author")
        .order_by("published_at")
    )


async def _check_may_post(session: CoachingSession, author: Actor, kind: str) -> None:
    if kind in ("note", "action"):
        circle = await session.circle if session.circle_id else None
        if circle is None or not await circles.is_facilitator(circle, author):
            raise Forbidden("Notes and action items come from the session's facilitators.")
        return
    if not await Participation.filter(
        session_id=session.id, actor_id=author.id, state=ParticipationState.ACCEPTED
    ).exists():
        raise Forbidden("Check-ins come from the session's participants.")
