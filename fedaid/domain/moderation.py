"""What admins watch: members' reports, and the health of the delivery and inbox queues."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from fedaid.activitypub.parse.inbound import Reported
from fedaid.domain.follows import admin_actors
from fedaid.models import (
    Actor,
    Delivery,
    DeliveryState,
    DomainHealth,
    InboxItem,
    InboxState,
    Notification,
    NotificationKind,
    Post,
    Report,
)

RECENT_ERRORS = 20
BUSIEST_HOSTS = 20


@dataclass(frozen=True)
class DeliveryHealth:
    pending: int
    given_up: int
    inbox_pending: int
    inbox_failed: int
    failing: list[DomainHealth]
    recent_errors: list[Delivery]
    pending_by_host: list[tuple[str, int]]


async def delivery_health() -> DeliveryHealth:
    """Queue depths, the hosts that fail, and the latest errors, for the delivery health page."""
    pending_hosts = Counter(await Delivery.filter(state=DeliveryState.PENDING).values_list("host", flat=True))
    failing = await DomainHealth.filter(last_failure_at__isnull=False).order_by("-last_failure_at").limit(50)
    return DeliveryHealth(
        pending=pending_hosts.total(),
        given_up=await Delivery.filter(state=DeliveryState.GIVEN_UP).count(),
        inbox_pending=await InboxItem.filter(state=InboxState.PENDING).count(),
        inbox_failed=await InboxItem.filter(state=InboxState.FAILED).count(),
        failing=[row for row in failing if row.failure_days or row.is_unavailable],
        recent_errors=await Delivery.exclude(last_error="").order_by("-id").limit(RECENT_ERRORS),
        pending_by_host=sorted(pending_hosts.items(), key=lambda item: (-item[1], item[0]))[:BUSIEST_HOSTS],
    )


async def receive_report(reporter: Actor, reported: Reported) -> Report | None:
    """A report from elsewhere about our members or their posts, kept for the admins (ActivityPub Flag,
    as Mastodon sends it: the reported account and posts in `object`, the comment in `content`)."""
    ids = list(reported.object_ap_ids)
    local_actors = await Actor.filter(ap_id__in=ids, is_local=True) if ids else []
    posts = await Post.filter(ap_id__in=ids, is_local=True) if ids else []
    target_id = local_actors[0].id if local_actors else (posts[0].author_id if posts else None)
    if target_id is None:
        return None  # about nobody here
    async with in_transaction():
        if await Report.filter(ap_id=reported.ap_id).exists():
            return None
        report = await Report.create(
            ap_id=reported.ap_id,
            reporter=reporter,
            target_id=target_id,
            post_ap_ids=[post.ap_id for post in posts],
            comment=reported.comment,
        )
        for admin in await admin_actors():
            await Notification.create(recipient=admin, kind=NotificationKind.ADMIN_REPORT, from_actor=reporter)
    return report
