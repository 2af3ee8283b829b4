"""Every notification can reach its member outside the site: queue its mail and push jobs, and daily digests.

A worker pass takes notifications not yet dispatched, whichever part of fedaid created them, so a new kind
of notification is mailed and pushed without its author doing anything. Each job's `dedupe_key` names the
notification (or the digest's day), so a pass repeated after a crash queues nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from fedaid.domain.jobs import queue_job
from fedaid.domain.mail_choices import MailChoice, MailGroup, choice_for, group_of
from fedaid.domain.notifications import those_their_recipients_see
from fedaid.models import (
    Account,
    AccountState,
    Follow,
    FollowState,
    JobChannel,
    Notification,
    PushSubscription,
)

DIGEST_EVERY = timedelta(days=1)
BATCH = 200
# Mastodon's push alert names; our mutual-aid kinds have none there and are pushed unless the policy is "none".
PUSH_ALERTS = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update")
PUSH_ALERTS_ADMIN = ("admin.sign_up", "admin.report")


async def dispatch_notifications(now: datetime, *, mail_enabled: bool, limit: int = BATCH) -> int:
    """Queue the mail and push jobs of up to `limit` new notifications; returns how many were dispatched. A
    notification about a post its member may no longer see (a moderator hid it meanwhile) goes out by neither."""
    ids = await Notification.filter(dispatched_at__isnull=True).order_by("id").limit(limit).values_list("id", flat=True)
    done = 0
    for notification_id in ids:
        async with in_transaction():
            # The conditional update claims the notification: two workers cannot both dispatch it.
            if not await Notification.filter(id=notification_id, dispatched_at__isnull=True).update(dispatched_at=now):
                continue
            notification = await Notification.get(id=notification_id).prefetch_related("post")
            account = await Account.get_or_none(actor_id=notification.recipient_id, state=AccountState.APPROVED)
            if account is not None and (await those_their_recipients_see([notification])):
                await _queue_for(notification, account, now, mail_enabled=mail_enabled)
            done += 1
    return done


async def _queue_for(notification: Notification, account: Account, now: datetime, *, mail_enabled: bool) -> None:
    group = group_of(notification.kind)
    if mail_enabled and account.email and choice_for(account, group) is MailChoice.IMMEDIATELY:
        await queue_job(
            JobChannel.MAIL,
            account,
            "notification",
            dedupe_key=f"mail:notification:{notification.id}",
            notification=notification,
            now=now,
            data={"group": group.value},
        )
    for subscription in await PushSubscription.filter(account=account):
        if await wants_push(subscription, notification):
            await queue_job(
                JobChannel.PUSH,
                account,
                "notification",
                dedupe_key=f"push:{subscription.id}:notification:{notification.id}",
                notification=notification,
                subscription=subscription,
                now=now,
            )


async def wants_push(subscription: PushSubscription, notification: Notification) -> bool:
    """The subscription's alerts and policy, as Mastodon reads them."""
    kind = str(notification.kind)
    if kind in PUSH_ALERTS or kind in PUSH_ALERTS_ADMIN:
        if not subscription.alerts.get(kind, False):
            return False
    match subscription.policy:
        case "none":
            return False
        case "followed" | "follower" if notification.from_actor_id is None:
            return False
        case "followed":
            pair = {"follower_id": notification.recipient_id, "target_id": notification.from_actor_id}
            return await Follow.filter(**pair, state=FollowState.ACCEPTED).exists()
        case "follower":
            pair = {"follower_id": notification.from_actor_id, "target_id": notification.recipient_id}
            return await Follow.filter(**pair, state=FollowState.ACCEPTED).exists()
    return True


async def queue_digests(now: datetime, *, mail_enabled: bool) -> int:
    """One digest mail per member who chose one and whose day has passed, listing that day's notifications."""
    if not mail_enabled:
        return 0
    queued = 0
    for account in await Account.filter(state=AccountState.APPROVED):
        daily = [group for group in MailGroup if choice_for(account, group) is MailChoice.DAILY]
        since = account.digest_sent_at or account.created_at
        if not daily or not account.email or now - since < DIGEST_EVERY:
            continue
        notifications = await Notification.filter(
            recipient_id=account.actor_id, created_at__gt=since, created_at__lte=now
        ).order_by("id")
        ids = [n.id for n in notifications if group_of(n.kind) in daily]
        async with in_transaction():
            account.digest_sent_at = now
            await account.save(update_fields=["digest_sent_at"])
            if ids:
                await queue_job(
                    JobChannel.MAIL,
                    account,
                    "digest",
                    dedupe_key=f"mail:digest:{account.id}:{now.isoformat()}",
                    now=now,
                    data={"notification_ids": ids, "groups": [group.value for group in daily]},
                )
                queued += 1
    return queued
