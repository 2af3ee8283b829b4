"""POST /api/v1/reports: a member reports an account (and some of its statuses) to this instance's admins.

Mastodon's fields (account_id, status_ids, category, comment, forward) and its Report entity in the answer
(app/serializers/rest/report_serializer.rb). Bad input is a 422 with Mastodon's `error` and nothing is stored.
"""

from __future__ import annotations

from aiohttp import web

from fedaid.api.accounts import get_actor
from fedaid.api.auth import user_caller
from fedaid.api.entities import iso
from fedaid.api.params import read_params
from fedaid.api.views import presenter
from fedaid.appkeys import SETTINGS
from fedaid.domain.reports import file_report, report_post_ids
from fedaid.errors import InvalidInput


async def create(request: web.Request) -> web.Response:
    """File the report; 404 for an unknown account, 422 for an unknown category, a status that is not the
    account's or that the member cannot see, or a comment over Mastodon's limit."""
    caller = await user_caller(request, "write:reports")
    reporter = caller.actor
    assert reporter is not None  # user_caller answers 401 to app-only tokens
    params = await read_params(request)
    target = await get_actor(params.str("account_id") or "")
    raw_ids = [str(value) for value in params.list("status_ids")]
    bad = [text for text in raw_ids if not text.isdigit() or len(text) > 19]
    if bad:
        raise InvalidInput(f"Status {bad[0]!r} is not a status id.")
    report = await file_report(
        reporter,
        target,
        post_ids=[int(text) for text in raw_ids],
        comment=params.str("comment") or "",
        category=params.str("category") or "other",
        forward=params.bool("forward"),
        base_url=request.app[SETTINGS].base_url,
    )
    return web.json_response(
        {
            "id": str(report.id),
            "action_taken": False,
            "action_taken_at": None,
            "category": str(report.category),
            "comment": report.comment,
            "forwarded": report.forward,
            "created_at": iso(report.created_at),
            "status_ids": [str(post_id) for post_id in await report_post_ids(report)],
            "rule_ids": [],
            "target_account": await presenter(request, reporter).account(target),
        }
    )
