"""Members' reports, and what admins do from a report: hide or remove a post, silence or suspend an account,
silence a domain, forward the report to the account's server as a Flag, resolve it with a note. Each action is
in the audit log.

Reports from other servers (Flag) arrive through `moderation.receive_report` and land in the same list.
Suspending a domain goes through its confirmation page (`domain/suspension.py`). No network here: the Flag
and a removed post's Delete are queued with `publish`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from fedaid.activitypub.activities import render_flag
from fedaid.clock import utcnow
from fedaid.domain import audit, policy, suspension
from fedaid.domain.accounts import set_account_state
from fedaid.domain.follows import admin_actors
from fedaid.domain.posts import delete_post
from fedaid.domain.publish import publish
from fedaid.domain.visibility import can_see, local_viewer
from fedaid.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedaid.hosts import host_of_url
from fedaid.models import (
    Account,
    AccountState,
    Actor,
    ActorType,
    Notification,
    NotificationKind,
    PolicyKind,
    Post,
    Report,
    ReportCategory,
)
from fedaid.models.ids import new_id

MAX_COMMENT = 1000  # Mastodon's Report::COMMENT_SIZE_LIMIT (app/models/report.rb)
MAX_POSTS = 20
CATEGORIES = tuple(category.value for category in ReportCategory)


@dataclass(frozen=True)
class ReportView:
    """A report as the admins' page shows it: the posts it names that are still known here."""

    report: Report
    posts: list[Post]

    @property
    def target_is_local(self) -> bool:
        return self.report.target is not None and self.report.target.is_local


async def file_report(
    reporter: Actor,
    target: Actor,
    *,
    post_ids: list[int],
    comment: str,
    category: str,
    forward: bool,
    base_url: str,
) -> Report:
    """A member reports an account and some of its posts (web page or POST /api/v1/reports). Refused, with nothing
    stored, for an unknown category or a post that is not the account's or that the member cannot see."""
    if category not in CATEGORIES:
        raise InvalidInput(f"Unknown category {category!r}: use one of {', '.join(CATEGORIES)}.")
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"Validation failed: Comment is too long (maximum is {MAX_COMMENT} characters)")
    if len(post_ids) > MAX_POSTS:
        raise InvalidInput(f"A report names at most {MAX_POSTS} posts.")
    if target.id == reporter.id:
        raise InvalidInput("You cannot report yourself.")
    viewer = local_viewer(reporter)
    posts = []
    for post_id in dict.fromkeys(post_ids):
        post = await Post.get_or_none(id=post_id)
        if post is None or post.author_id != target.id or not await can_see(post, viewer):
            raise InvalidInput(f"Status {post_id} is not a post of {target.acct} that you can see.")
        posts.append(post)
    report_id = new_id()
    async with in_transaction():
        report = await Report.create(
            id=report_id,
            ap_id=f"{base_url}/reports/{report_id}",
            reporter=reporter,
            target=target,
            post_ap_ids=[post.ap_id for post in posts],
            comment=comment,
            category=ReportCategory(category),
            forward=forward and not target.is_local,
        )
        for admin in await admin_actors():
            await Notification.create(recipient=admin, kind=NotificationKind.ADMIN_REPORT, from_actor=reporter)
    return report


async def report_subject(reporter: Actor, *, account_id: int | None, post_id: int | None) -> tuple[Actor, Post | None]:
    """The account (and post) a member's report page is about; NotFound when they cannot see it."""
    post = await Post.get_or_none(id=post_id) if post_id is not None else None
    if post_id is not None and (post is None or not await can_see(post, local_viewer(reporter))):
        raise NotFound("There is no such post.")
    wanted = post.author_id if post is not None else account_id
    target = await Actor.get_or_none(id=wanted, deleted_at__isnull=True) if wanted is not None else None
    if target is None or target.type == ActorType.APPLICATION:
        raise NotFound("There is no such account.")
    return target, post


async def report_post_ids(report: Report) -> list[int]:
    """The ids of the posts a report names that are still known here."""
    return [post.id for post in await Post.filter(ap_id__in=report.post_ap_ids or [""]).order_by("id")]


async def reports_for_admins(*, resolved: bool, limit: int = 100) -> list[ReportView]:
    """Open (or resolved) reports, newest first, each with its posts."""
    reports = await (
        Report.filter(resolved_at__isnull=not resolved)
        .order_by("-id")
        .limit(limit)
        .prefetch_related("reporter", "target", "resolved_by")
    )
    views = []
    for report in reports:
        posts = await Post.filter(ap_id__in=report.post_ap_ids or [""]).order_by("id")
        views.append(ReportView(report, posts))
    return views


async def get_report(report_id: int) -> Report:
    report = await Report.get_or_none(id=report_id).prefetch_related("reporter", "target")
    if report is None:
        raise NotFound("There is no such report.")
    return report


# --- what admins do from a report ----------------------------------------------------------------


async def hide_post(report: Report, post_id: int, *, by: Actor) -> Post:
    """Hide one of the report's posts: from now on only its author sees it (`visibility.py`)."""
    post = await _post_of(report, post_id)
    async with in_transaction():
        await Post.filter(id=post.id).update(hidden_at=utcnow())
        await audit.record("post.hide", post.ap_id, by=by, detail=f"report {report.id}")
    return post


async def remove_post(report: Report, post_id: int, *, by: Actor) -> Post:
    """Remove one of the report's posts: a local one is deleted and its Delete federates; a copy of a remote one
    becomes a Tombstone here."""
    post = await _post_of(report, post_id)
    async with in_transaction():
        if post.is_local:
            await delete_post(post, by=by, moderated=True)
        else:
            await Post.filter(id=post.id).update(deleted_at=utcnow(), content="", summary="")
        await audit.record("post.remove", post.ap_id, by=by, detail=f"report {report.id}")
    return post


async def suspend_account(report: Report, *, by: Actor) -> Actor:
    """Suspend the reported account. A member: their sessions and tokens end. Another server's account: its
    follows get Reject/Undo, open agreements are cancelled, its posts removed, and nothing more of it is kept."""
    target = await _target(report)
    async with in_transaction():
        if target.is_local:
            account = await Account.get_or_none(actor_id=target.id)
            admin = await Account.get_or_none(actor_id=by.id)
            if account is None or admin is None:
                raise InvalidInput("This account cannot be suspended here.")
            await set_account_state(account, AccountState.SUSPENDED, by=admin)
        else:
            await suspension.cut_off({target.id})
            await Actor.filter(id=target.id).update(suspended_at=utcnow())
        await audit.record("account.suspend", f"@{target.acct}", by=by, detail=f"report {report.id}")
    return target


async def silence_account(report: Report, *, by: Actor) -> Actor:
    """Silence another server's reported account: its posts are kept but left out of public lists and timelines."""
    target = await _target(report)
    if target.is_local:
        raise InvalidInput("Members of this instance are suspended, not silenced.")
    async with in_transaction():
        await Actor.filter(id=target.id).update(silenced_at=utcnow())
        await audit.record("account.silence", f"@{target.acct}", by=by, detail=f"report {report.id}")
    return target


async def silence_domain(report: Report, *, by: Actor) -> str:
    """Silence the reported account's domain: its posts are kept but left out of public timelines."""
    target = await _target(report)
    if target.is_local:
        raise InvalidInput("This account is a member here: there is no domain to silence.")
    async with in_transaction():
        row = await policy.set_domain_policy(target.domain, PolicyKind.SILENCE, reason=f"report {report.id}")
        await audit.record("domain.silence", row.domain, by=by, detail=f"report {report.id}")
    return row.domain


async def forward_report(report: Report, *, by: Actor) -> None:
    """Send the report to the reported account's server as a Flag from our instance actor, as Mastodon does
    (ActivityPub::FlagSerializer: object = the account and its posts there, content = the comment)."""
    target = await _target(report)
    if target.is_local:
        raise InvalidInput("This account is a member here: there is no other server to tell.")
    if report.forwarded_at is not None:
        raise Conflict("This report was already forwarded.")
    instance = await Actor.filter(is_local=True, type=ActorType.APPLICATION).first()
    if instance is None:
        raise Forbidden("This instance has no instance actor to send the report.")
    theirs = [ap_id for ap_id in report.post_ap_ids if host_of_url(ap_id) == host_of_url(target.ap_id)]
    async with in_transaction():
        flag = render_flag(instance, target, theirs, report.comment, report.ap_id)
        await publish(flag, sender=instance, to=[target])
        await Report.filter(id=report.id).update(forwarded_at=utcnow())
        await audit.record("report.forward", target.domain, by=by, detail=f"report {report.id}")


async def resolve_report(report: Report, *, by: Actor, note: str = "") -> Report:
    """Close the report with a note saying what was done (resolving again keeps the first resolution)."""
    if report.resolved_at is not None:
        return report
    async with in_transaction():
        report.resolved_at, report.resolved_by_id, report.resolution_note = utcnow(), by.id, note[:2000]
        await report.save(update_fields=["resolved_at", "resolved_by_id", "resolution_note"])
        await audit.record("report.resolve", f"report {report.id}", by=by, detail=note[:2000])
    return report


async def _target(report: Report) -> Actor:
    target = await Actor.get_or_none(id=report.target_id) if report.target_id else None
    if target is None:
        raise NotFound("The reported account is no longer known here.")
    return target


async def _post_of(report: Report, post_id: int) -> Post:
    post = await Post.get_or_none(id=post_id, ap_id__in=report.post_ap_ids or [""])
    if post is None:
        raise NotFound("This report names no such post.")
    if post.is_deleted:
        raise Conflict("This post was already removed.")
    return post
