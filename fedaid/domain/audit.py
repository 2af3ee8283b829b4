"""The audit log: every action an admin or moderator takes (suspensions, policies, reports, posts, accounts).

Write a line inside the transaction of the action itself, so the log never misses nor invents one.
"""

from __future__ import annotations

from fedaid.models import Actor, AdminAction

PAGE = 200


async def record(action: str, target: str, *, by: Actor | None, detail: str = "") -> AdminAction:
    """Log `action` on `target` (a domain, an account, a post or a report) by `by` (None: the command line)."""
    return await AdminAction.create(actor=by, action=action, target=target[:512], detail=detail)


async def recent_actions(limit: int = PAGE) -> list[AdminAction]:
    """The latest lines, newest first, with who acted."""
    return await AdminAction.all().order_by("-id").limit(limit).prefetch_related("actor")
