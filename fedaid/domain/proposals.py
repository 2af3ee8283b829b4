"""Offers and requests for help: create, edit, close, delete, and keep those that arrive from elsewhere.

A proposal is a Post (the Note everyone sees) plus a Proposal row (purpose, hours, place, status).
Status: open → agreed (no hours left) → fulfilled, or closed by its author, or expired (`expiry.py`).
Every change goes out as Create or Update(Note) in the transaction that makes it. No HTTP here.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal, InvalidOperation

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from fedaid.activitypub.hashtags import PURPOSE_OF_TAG
from fedaid.activitypub.notes import language_of, proposal_tags
from fedaid.activitypub.parse import NoteDoc
from fedaid.activitypub.parse.proposals import ProposalDoc, fep_purpose
from fedaid.clock import utcnow
from fedaid.domain import matching, post_federation, post_tags, posts, search
from fedaid.domain.category_words import default_hours
from fedaid.errors import Conflict, InvalidInput, NotFound
from fedaid.models import (
    Actor,
    ActorType,
    Category,
    MediaAttachment,
    Post,
    Proposal,
    ProposalPurpose,
    ProposalStatus,
    Visibility,
)

MAX_TITLE = 200
MAX_HOURS = Decimal("9999.99")
MAX_TAGS = 10
_TAG = re.compile(r"\w{1,100}")
# From which statuses each status may be reached.
_TRANSITIONS: dict[ProposalStatus, tuple[ProposalStatus, ...]] = {
    ProposalStatus.OPEN: (ProposalStatus.AGREED,),
    ProposalStatus.AGREED: (ProposalStatus.OPEN,),
    ProposalStatus.FULFILLED: (ProposalStatus.AGREED, ProposalStatus.OPEN),
    ProposalStatus.CLOSED: (ProposalStatus.OPEN, ProposalStatus.AGREED),
    ProposalStatus.EXPIRED: (ProposalStatus.OPEN,),
}


@dataclass(frozen=True)
class ProposalTerms:
    """What an author says about an offer or a request; `edit_proposal` takes the fields it changes."""

    purpose: ProposalPurpose
    title: str
    text: str
    category: str = ""
    tags: Sequence[str] = ()
    hours: Decimal = Decimal(1)
    place_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float | None = None
    remote_ok: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    expires_at: datetime | None = None


_EDITABLE = tuple(field.name for field in fields(ProposalTerms) if field.name not in ("purpose", "text"))


# ---------------------------------------------------------------- reading


async def get_proposal(proposal_id: int) -> Proposal:
    """A proposal with its post and author loaded; NotFound otherwise (also once its post is deleted)."""
    proposal = await Proposal.get_or_none(id=proposal_id).prefetch_related("post__author")
    if proposal is None or proposal.post.is_deleted:
        raise NotFound("There is no such offer or request.")
    return proposal


async def find_proposal_by_ap_id(ap_id: str) -> Proposal | None:
    return await Proposal.get_or_none(post__ap_id=ap_id).prefetch_related("post__author")


async def find_proposal_of_post(post_id: int) -> Proposal | None:
    """The proposal a post carries, with its post loaded, or None for a plain post."""
    return await Proposal.filter(post_id=post_id).select_related("post").first()


async def default_collective() -> Actor | None:
    """The instance's collective: its first local Group."""
    return await Actor.filter(is_local=True, type=ActorType.GROUP, deleted_at__isnull=True).order_by("id").first()


# ---------------------------------------------------------------- create, edit, close, delete


async def create_proposal(
    author: Actor,
    terms: ProposalTerms,
    *,
    visibility: Visibility = Visibility.PUBLIC,
    collective: Actor | None = None,
    mentions: Sequence[Actor] = (),
    language: str | None = None,
    media: Sequence[MediaAttachment] = (),
    now: datetime | None = None,
) -> Proposal:
    """Publish an offer or a request, addressed to the collective; members whose offers or alerts match hear of it.

    `collective` defaults to the instance's collective Group.
    """
    moment = now or utcnow()
    values = await _checked(terms, moment)
    collective = collective or await default_collective()
    async with in_transaction():
        draft = Proposal(**values, available_hours=values["hours"])
        note = await posts.insert_post(
            author,
            terms.text,
            visibility=visibility,
            mentions=mentions,
            audience=collective,
            language=language,
            extra_tags=proposal_tags(draft, language="en" if (language or "").startswith("en") else "fr"),
            media=media,
            now=moment,
        )
        post = note.post
        proposal = await Proposal.create(post=post, **values, available_hours=values["hours"])
        proposal.post = post
        await _index(proposal)
        note = dataclasses.replace(note, proposal=proposal)
        await post_federation.federate_post(post, post_federation.Change.CREATE, now=moment, context=note)
        await matching.notify_matches(proposal)
    return proposal


async def edit_proposal(
    proposal: Proposal, *, by: Actor, text: str | None = None, now: datetime | None = None, **changes: object
) -> Proposal:
    """Change an open proposal's terms or text and federate the Update; hours already agreed stay agreed."""
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise InvalidInput(f"Unknown proposal fields: {', '.join(sorted(unknown))}.")
    post = await _post_of(proposal)
    posts.check_can_change(post, by)
    if proposal.status not in (ProposalStatus.OPEN, ProposalStatus.AGREED):
        raise Conflict("Only an open offer or request can be edited.")
    moment = now or utcnow()
    current = {name: getattr(proposal, name) for name in _EDITABLE}
    terms = ProposalTerms(purpose=proposal.purpose, text=text or "-", **{**current, **changes})
    values = await _checked(terms, moment, expiry_may_pass=("expires_at" not in changes))
    async with in_transaction():
        await _change_hours(proposal, values.pop("hours"))
        for name, value in values.items():
            setattr(proposal, name, value)
        await proposal.save(update_fields=list(values))
        await posts.update_post_text(
            post, by=by, text=text, extra_tags=proposal_tags(proposal, language=language_of(post)), now=moment
        )
        await _index(proposal)
        await post_federation.federate_post(post, post_federation.Change.UPDATE, now=moment)
    return proposal


async def change_category(proposal: Proposal, slug: str, *, was: str, now: datetime | None = None) -> bool:
    """File a local proposal under another category, if it is still under `was` (a conditional UPDATE): its
    hashtags and search entry follow, and the Update reaches followers as the author's edit would. Returns False
    when another change got there first. Who may do it is the caller's rule (`category_sorting`)."""
    post = await _post_of(proposal)
    async with in_transaction():
        if not await Proposal.filter(id=proposal.id, category=was).update(category=slug):
            return False
        proposal.category = slug
        author = post.author if isinstance(getattr(post, "author", None), Actor) else await Actor.get(id=post.author_id)
        tags = proposal_tags(proposal, language=language_of(post))
        await posts.update_post_text(post, by=author, extra_tags=tags, now=now)
        await _index(proposal)
        await post_federation.federate_post(post, post_federation.Change.UPDATE, now=now)
    return True


async def _change_hours(proposal: Proposal, hours: Decimal) -> None:
    """New total hours; the hours already agreed are kept, so what remains available moves by the difference."""
    delta = hours - proposal.hours
    if delta == 0:
        return
    changed = await Proposal.filter(id=proposal.id, available_hours__gte=-delta).update(
        hours=hours, available_hours=F("available_hours") + delta
    )
    if not changed:
        raise Conflict("More hours than that are already agreed.")
    await proposal.refresh_from_db(fields=["hours", "available_hours", "status"])
    if proposal.available_hours > 0 and proposal.status == ProposalStatus.AGREED:
        await Proposal.filter(id=proposal.id, status=ProposalStatus.AGREED).update(status=ProposalStatus.OPEN)
        proposal.status = ProposalStatus.OPEN


async def close_proposal(proposal: Proposal, *, by: Actor, now: datetime | None = None) -> Proposal:
    """The author withdraws it: no new agreements; the Update tells everyone."""
    post = await _post_of(proposal)
    posts.check_can_change(post, by)
    if not await change_status(proposal, ProposalStatus.CLOSED, now=now):
        raise Conflict("This offer or request is no longer open.")
    return proposal


async def delete_proposal(proposal: Proposal, *, by: Actor, now: datetime | None = None) -> None:
    """Close it, then delete its post (Delete + Tombstone)."""
    post = await _post_of(proposal)
    posts.check_can_change(post, by)
    async with in_transaction():
        await Proposal.filter(id=proposal.id).update(status=ProposalStatus.CLOSED)
        proposal.status = ProposalStatus.CLOSED
        await posts.delete_post(post, by=by, now=now)


async def change_status(
    proposal: Proposal, status: ProposalStatus, *, now: datetime | None = None, federate: bool = True
) -> bool:
    """Move to `status` if the current one allows it (a conditional UPDATE); federate the Update if local.

    Returns False when another change got there first.
    """
    async with in_transaction():
        changed = await Proposal.filter(id=proposal.id, status__in=_TRANSITIONS[status]).update(status=status)
        if not changed:
            return False
        proposal.status = status
        post = await _post_of(proposal)
        if post.is_local and federate:
            await touch_and_federate(proposal, post, now=now)
        else:
            await _index(proposal)  # the status is a search filter
    return True


async def touch_and_federate(proposal: Proposal, post: Post | None = None, *, now: datetime | None = None) -> None:
    """A local proposal changed (status or hours available): bump `updated` and queue Update(Note)."""
    post = post or await _post_of(proposal)
    post.updated_at = posts.next_update_time(post, now)
    await post.save(update_fields=["updated_at"])
    await _index(proposal)
    await post_federation.federate_post(post, post_federation.Change.UPDATE, now=now)


async def _post_of(proposal: Proposal) -> Post:
    post = proposal.post if isinstance(getattr(proposal, "post", None), Post) else None
    if post is None:
        post = await Post.get(id=proposal.post_id).prefetch_related("author")
        proposal.post = post
    return post


async def _index(proposal: Proposal) -> None:
    post = await _post_of(proposal)
    await search.index_post(post, proposal=proposal, tags=await post_tags.tags_of(post))


# ---------------------------------------------------------------- validation


async def _checked(terms: ProposalTerms, now: datetime, *, expiry_may_pass: bool = False) -> dict[str, object]:
    """The Proposal columns for `terms`, or InvalidInput saying what to fix."""
    title = " ".join(terms.title.split())
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(f"A title is 1 to {MAX_TITLE} characters.")
    hours = _hours(terms.hours)
    if terms.category and not await Category.filter(slug=terms.category, is_active=True).exists():
        raise InvalidInput(f"There is no category {terms.category!r}.")
    tags = _tags(terms.tags)
    if (terms.latitude is None) != (terms.longitude is None):
        raise InvalidInput("A place needs both a latitude and a longitude.")
    if terms.latitude is not None and not (-90 <= terms.latitude <= 90 and -180 <= terms.longitude <= 180):
        raise InvalidInput("The latitude or longitude is out of range.")
    if terms.radius_km is not None and not 0 <= terms.radius_km <= 20000:
        raise InvalidInput("The radius is between 0 and 20,000 km.")
    if terms.expires_at is not None and terms.expires_at <= now and not expiry_may_pass:
        raise InvalidInput("The expiry date must be in the future.")
    if terms.starts_at and terms.ends_at and terms.ends_at < terms.starts_at:
        raise InvalidInput("The end comes before the start.")
    return {
        "purpose": ProposalPurpose(terms.purpose),
        "title": title,
        "category": terms.category,
        "tags": tags,
        "hours": hours,
        "place_name": terms.place_name.strip()[:200],
        "latitude": terms.latitude,
        "longitude": terms.longitude,
        "radius_km": terms.radius_km,
        "remote_ok": bool(terms.remote_ok),
        "starts_at": terms.starts_at,
        "ends_at": terms.ends_at,
        "expires_at": terms.expires_at,
    }


def _hours(value: object) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation as err:
        raise InvalidInput("Hours must be a number, e.g. 2 or 1.5.") from err
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        raise InvalidInput(f"Hours are more than 0 and at most {MAX_HOURS}.")
    return hours


def _tags(names: Sequence[str]) -> list[str]:
    tags = list(dict.fromkeys(str(name).strip().lstrip("#").lower() for name in names if str(name).strip()))
    if len(tags) > MAX_TAGS or not all(_TAG.fullmatch(tag) for tag in tags):
        raise InvalidInput(f"At most {MAX_TAGS} tags, each one word of letters, digits or _.")
    return tags


# ---------------------------------------------------------------- proposals from elsewhere


async def store_remote_proposal(
    post: Post, note: NoteDoc, *, collective_ap_id: str | None = None, allow_hashtag_proposals: bool = False
) -> Proposal | None:
    """Keep (or refresh) the proposal a received post carries; None when it carries none.

    Called by `remote_posts` on Create and Update, inside its transaction. A new open proposal
    notifies the members it matches.
    """
    doc = proposal_of(note, collective_ap_id=collective_ap_id, allow_hashtag_proposals=allow_hashtag_proposals)
    if doc is None:
        return None
    values = await _remote_values(doc, note)
    existing = await Proposal.get_or_none(post_id=post.id)
    if existing is not None:
        for name, value in values.items():
            setattr(existing, name, value)
        await existing.save(update_fields=list(values))
        proposal = existing
    else:
        proposal = await Proposal.create(post=post, **values)
    proposal.post = post
    await search.index_post(post, proposal=proposal, tags=note.hashtags)
    if existing is None:
        await matching.notify_matches(proposal)
    return proposal


def proposal_of(note: NoteDoc, *, collective_ap_id: str | None, allow_hashtag_proposals: bool) -> ProposalDoc | None:
    """The proposal a received post counts as: its FEP-0837 data, or a purpose hashtag when the instance
    takes proposals from outside and the post mentions or addresses our collective."""
    reaches = collective_ap_id is not None and collective_ap_id in (*note.mentions, *note.to, *note.cc, *note.audience)
    hashtags_would_count = allow_hashtag_proposals and reaches
    if not hashtags_would_count and fep_purpose(note.extra) is None:
        return None  # only its hashtags could make it a proposal, and they do not count: its text is not read
    doc = note.proposal
    if doc is None or not doc.is_from_hashtags:
        return doc
    return doc if hashtags_would_count else None


async def _remote_values(doc: ProposalDoc, note: NoteDoc) -> dict[str, object]:
    category = doc.category
    if not category or not await Category.filter(slug=category).exists():
        known = set(await Category.filter(slug__in=list(note.hashtags) or [""]).values_list("slug", flat=True))
        category = next((tag for tag in note.hashtags if tag in known), "")
    place = doc.place
    hours = default_hours(category) if doc.hours_from_category else doc.hours
    return {
        "purpose": doc.purpose,
        "title": doc.title or "-",
        "category": category,
        "tags": [tag for tag in doc.tags if tag != category and tag not in PURPOSE_OF_TAG][:MAX_TAGS],
        "hours": min(hours, MAX_HOURS),
        "available_hours": min(hours if doc.hours_from_category else doc.available_hours, MAX_HOURS),
        "place_name": place.name if place else "",
        "remote_ok": doc.remote_ok,
        "latitude": place.latitude if place else None,
        "longitude": place.longitude if place else None,
        "radius_km": place.radius_km if place else None,
        "starts_at": doc.starts_at,
        "expires_at": doc.expires_at,
        "status": doc.status or ProposalStatus.OPEN,
    }
