"""POST /api/v1/reports: a member reports an account (and some of its statuses) to this instance's admins."""

from __future__ import annotations

import secrets

from aiohttp import web

from fedaid.api.accounts import get_actor
from fedaid.api.auth import user_caller
from fedaid.api.entities import iso
from fedaid.api.params import read_params
from fedaid.api.views import presenter
from fedaid.appkeys import SETTINGS
from fedaid.domain.moderation import file_report, report_post_ids
from fedaid.errors import InvalidInput

MAX_COMMENT = 1000  # Mastodon's Report::COMMENT_SIZE_LIMIT (app/models/report.rb)
CATEGORIES = ("spam", "legal", "violation", "other")  # Mastodon's Report categories (app/models/report.rb)


async def create(request: web.Request) -> web.Response:
    """File the report; 404 for an unknown account, 422 for a comment over Mastodon's limit."""
    caller = await user_caller(request, "write:reports")
    reporter = caller.actor
    assert reporter is not None  # user_caller answers 401 to app-only tokens
    params = await read_params(request)
    target = await get_actor(params.str("account_id") or "")
    comment = params.str("comment") or ""
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"Validation failed: Comment is too long (maximum is {MAX_COMMENT} characters)")
    category = params.str("category") or "other"
    if category not in CATEGORIES:
        category = "other"
    post_ids = [int(text) for text in map(str, params.list("status_ids")) if text.isdigit() and len(text) < 19]
    ap_id = f"{request.app[SETTINGS].base_url}/reports/{secrets.token_hex(16)}"
    report = await file_report(reporter, target, post_ids, comment, ap_id)
    return web.json_response(
        {
            "id": str(report.id),
            "action_taken": False,
            "action_taken_at": None,
            "category": category,
            "comment": report.comment,
            "forwarded": False,
            "created_at": iso(report.created_at),
            "status_ids": [str(post_id) for post_id in await report_post_ids(report)],
            "rule_ids": [],
            "target_account": await presenter(request, reporter).account(target),
        }
    )
