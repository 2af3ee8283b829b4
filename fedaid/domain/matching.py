"""Matching: tell local members about a new proposal that fits their open proposals or their alerts.

A new request notifies members with an open offer sharing its category, a tag or its area; a new
offer notifies open requesters likewise. Alert subscriptions match when every criterion they set
holds. Notifications are rows of kind "match", at most one per member and proposal. No HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q

from fedaid.activitypub.hashtags import PURPOSE_OF_TAG
from fedaid.domain.search_tokens import bounding_box, distance_km, fold
from fedaid.domain.visibility import local_viewers_among
from fedaid.models import (
    AlertSubscription,
    Notification,
    NotificationKind,
    Post,
    PostTag,
    Proposal,
    ProposalPurpose,
    ProposalStatus,
    Visibility,
)

# The area a place covers when neither side gives a radius.
DEFAULT_RADIUS_KM = 10.0
MAX_RADIUS_KM = 500.0


@dataclass(frozen=True)
class Profile:
    """What matching compares: category, tags (without purpose tags) and place."""

    category: str
    tags: frozenset[str]
    latitude: float | None
    longitude: float | None
    radius_km: float | None
    remote_ok: bool
    place_name: str = ""

    @property
    def has_place(self) -> bool:
        return self.latitude is not None and self.longitude is not None


async def notify_matches(proposal: Proposal) -> int:
    """Create a "match" notification for each local member this new proposal concerns; returns how many."""
    post = await Post.get(id=proposal.post_id)
    if proposal.status != ProposalStatus.OPEN or post.visibility == Visibility.DIRECT or post.is_deleted:
        return 0
    profile = await profile_of(proposal)
    recipients = await _members_with_matching_proposals(proposal, post, profile)
    recipients |= await _members_with_matching_alerts(proposal, profile)
    recipients.discard(post.author_id)
    recipients = await local_viewers_among(post, recipients)  # a followers-only proposal alerts its audience only
    already = set(
        await Notification.filter(post_id=post.id, kind=NotificationKind.MATCH).values_list("recipient_id", flat=True)
    )
    new = sorted(recipients - already)
    if new:
        await Notification.bulk_create(
            [
                Notification(
                    recipient_id=actor_id, kind=NotificationKind.MATCH, from_actor_id=post.author_id, post_id=post.id
                )
                for actor_id in new
            ]
        )
    return len(new)


async def profile_of(proposal: Proposal) -> Profile:
    names = await PostTag.filter(post_id=proposal.post_id).values_list("name", flat=True)
    tags = {str(tag).lower() for tag in [*proposal.tags, *names]}
    tags -= set(PURPOSE_OF_TAG) | {proposal.category}
    return Profile(
        category=proposal.category,
        tags=frozenset(tags),
        latitude=proposal.latitude,
        longitude=proposal.longitude,
        radius_km=proposal.radius_km,
        remote_ok=proposal.remote_ok,
        place_name=proposal.place_name,
    )


def proposals_match(a: Profile, b: Profile) -> bool:
    """Same category, a shared tag, or places within the larger of their radii."""
    if a.category and a.category == b.category:
        return True
    if a.tags & b.tags:
        return True
    if a.has_place and b.has_place:
        reach = min(max(a.radius_km or 0.0, b.radius_km or 0.0) or DEFAULT_RADIUS_KM, MAX_RADIUS_KM)
        return distance_km(a.latitude, a.longitude, b.latitude, b.longitude) <= reach
    return False


def alert_matches(alert: AlertSubscription, proposal: Proposal, profile: Profile) -> bool:
    """Every criterion the alert sets holds; a proposal that can be done remotely is near everyone.

    An alert with only a place name (no coordinates) matches proposals whose place names it.
    """
    if alert.purpose is not None and alert.purpose != proposal.purpose:
        return False
    if alert.category and alert.category != profile.category:
        return False
    if alert.tag and alert.tag.lower() not in profile.tags | {profile.category}:
        return False
    if alert.latitude is not None and alert.longitude is not None and not profile.remote_ok:
        if not profile.has_place:
            return False
        reach = min(alert.radius_km or DEFAULT_RADIUS_KM, MAX_RADIUS_KM)
        distance = distance_km(alert.latitude, alert.longitude, profile.latitude, profile.longitude)
        return distance <= reach
    if alert.place_name and not profile.remote_ok:
        return fold(alert.place_name) in fold(profile.place_name)  # a place named, not located: same name
    return True


async def _members_with_matching_proposals(proposal: Proposal, post: Post, profile: Profile) -> set[int]:
    """Authors of open local proposals of the other purpose that match."""
    other = ProposalPurpose.OFFER if proposal.purpose == ProposalPurpose.REQUEST else ProposalPurpose.REQUEST
    wanted: list[Q] = []
    if profile.category:
        wanted.append(Q(category=profile.category))
    if profile.tags:
        wanted.append(Q(post__tags__name__in=sorted(profile.tags)))
    if profile.has_place:
        box = bounding_box(profile.latitude, profile.longitude, MAX_RADIUS_KM)
        wanted.append(
            Q(latitude__range=(box[0], box[1]), longitude__range=(box[2], box[3])) if box else Q(latitude__isnull=False)
        )
    if not wanted:
        return set()
    candidates = await (
        Proposal.filter(
            Q(*wanted, join_type=Q.OR),
            purpose=other,
            status=ProposalStatus.OPEN,
            post__is_local=True,
            post__deleted_at__isnull=True,
        )
        .exclude(post__visibility=Visibility.DIRECT)
        .exclude(post__author_id=post.author_id)
        .distinct()
        .prefetch_related("post")
    )
    found = set()
    for candidate in candidates:
        if candidate.post.author_id not in found and proposals_match(profile, await profile_of(candidate)):
            found.add(candidate.post.author_id)
    return found


async def _members_with_matching_alerts(proposal: Proposal, profile: Profile) -> set[int]:
    query = AlertSubscription.filter(actor__is_local=True, actor__deleted_at__isnull=True)
    query = query.filter(Q(category="") | Q(category=profile.category))
    query = query.filter(Q(purpose__isnull=True) | Q(purpose=proposal.purpose))
    query = query.filter(Q(tag="") | Q(tag__in=sorted(profile.tags | {profile.category} - {""}) or [""]))
    return {alert.actor_id for alert in await query if alert_matches(alert, proposal, profile)}
