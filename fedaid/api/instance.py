"""The instance entities (v1 and v2), and the endpoints Mastodon answers with empty data when a feature is off."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from fedaid.api.auth import optional_caller, user_caller
from fedaid.api.entities import iso
from fedaid.api.instance_entities import render_instance_v1, render_instance_v2
from fedaid.api.views import presenter
from fedaid.appkeys import SETTINGS, USAGE, VAPID_PUBLIC_KEY
from fedaid.domain.instance import find_first_admin, peer_domains
from fedaid.domain.markers import unread_notifications
from fedaid.domain.registration import registration_mode

LANGUAGES = ["fr", "en"]


async def _contact(request: web.Request) -> tuple[str, dict[str, Any] | None]:
    """The contact address (configured, else the first admin's) and the first admin's account."""
    admin = await find_first_admin()
    settings = request.app[SETTINGS]
    email = settings.contact_email or (admin.email if admin else settings.mail_sender)
    return email, (await presenter(request).account(admin.actor) if admin else None)


async def instance_v2(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    return web.json_response(
        render_instance_v2(
            settings,
            registration_mode=await registration_mode(settings.collective_slug, settings.registration_mode),
            contact=await _contact(request),
            languages=LANGUAGES,
            member_count=(await request.app[USAGE].usage()).members,
            vapid_key=request.app[VAPID_PUBLIC_KEY],
        )
    )


async def instance_v1(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    usage = await request.app[USAGE].usage()
    stats = {"user_count": usage.members, "status_count": usage.local_posts, "domain_count": usage.peer_domains}
    return web.json_response(
        render_instance_v1(
            settings,
            registration_mode=await registration_mode(settings.collective_slug, settings.registration_mode),
            contact=await _contact(request),
            languages=LANGUAGES,
            stats=stats,
        )
    )


async def peers(request: web.Request) -> web.Response:
    return web.json_response(await peer_domains())


async def extended_description(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    return web.json_response({"updated_at": iso(None), "content": settings.collective_summary})


async def preferences(request: web.Request) -> web.Response:
    caller = await user_caller(request, "read:accounts")
    return web.json_response(
        {
            "posting:default:visibility": "public",
            "posting:default:sensitive": False,
            "posting:default:language": caller.account.locale or None,
            "reading:expand:media": "default",
            "reading:expand:spoilers": False,
        }
    )


async def unread_count(request: web.Request) -> web.Response:
    """GET /api/v1/notifications/unread_count: those newer than the notifications marker (all without one)."""
    caller = await user_caller(request, "read:notifications")
    return web.json_response({"count": await unread_notifications(caller.actor)})


async def empty_list(request: web.Request) -> web.Response:
    """Features fedaid does not have (lists, filters, blocks, trends...): Mastodon's answer when there is none."""
    await optional_caller(request)
    return web.json_response([])


async def empty_object(request: web.Request) -> web.Response:
    await optional_caller(request)
    return web.json_response({})


async def not_found(request: web.Request) -> web.Response:
    """Any other /api/ path: Mastodon's 404."""
    return web.json_response({"error": "Record not found"}, status=404)
