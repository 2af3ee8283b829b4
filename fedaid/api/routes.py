"""Every route of the client API and of OAuth (a trailing slash is accepted by `fedaid.slashes`).

Unknown /api/ paths answer
Mastodon's JSON 404; features fedaid lacks answer with the empty data Mastodon gives when they are off.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from fedaid.api import (
    accounts,
    edits,
    fedaid_demands,
    fedaid_v1,
    instance,
    markers,
    media,
    notifications,
    oauth,
    polls,
    push,
    reactions,
    reports,
    search,
    statuses,
    streaming,
    timelines,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# GET endpoints of features fedaid does not have: Mastodon's answer when there is nothing to show.
EMPTY_LISTS = (
    "/api/v1/custom_emojis",
    "/api/v1/filters",
    "/api/v2/filters",
    "/api/v1/lists",
    "/api/v1/blocks",
    "/api/v1/mutes",
    "/api/v1/domain_blocks",
    "/api/v1/bookmarks",
    "/api/v1/conversations",
    "/api/v1/endorsements",
    "/api/v1/featured_tags",
    "/api/v1/featured_tags/suggestions",
    "/api/v1/followed_tags",
    "/api/v1/scheduled_statuses",
    "/api/v1/announcements",
    "/api/v1/suggestions",
    "/api/v2/suggestions",
    "/api/v1/trends",
    "/api/v1/trends/tags",
    "/api/v1/trends/statuses",
    "/api/v1/trends/links",
    "/api/v1/instance/activity",
    "/api/v1/instance/rules",
    "/api/v1/instance/domain_blocks",
    "/api/v1/accounts/familiar_followers",
    "/api/v1/notifications/requests",
    "/api/v1/timelines/direct",
    "/api/v1/accounts/{id}/featured_tags",
    "/api/v1/accounts/{id}/lists",
    "/api/v1/accounts/{id}/identity_proofs",
    "/api/v1/accounts/{id}/endorsements",
    "/api/v1/statuses/{id}/quotes",
    "/api/v1/directory",
    "/api/v1/admin/accounts",
    "/api/v2/admin/accounts",
)
EMPTY_OBJECTS = ("/api/v1/instance/translation_languages",)


def routes() -> list[web.RouteDef]:
    table: list[tuple[str, str, Handler]] = [
        # OAuth (the /oauth/authorize page belongs to fedaid/web)
        ("POST", "/api/v1/apps", oauth.create_app),
        ("GET", "/api/v1/apps/verify_credentials", oauth.verify_app),
        ("POST", "/oauth/token", oauth.issue_token),
        ("POST", "/oauth/revoke", oauth.revoke_token),
        ("GET", "/oauth/userinfo", oauth.userinfo),
        ("POST", "/oauth/userinfo", oauth.userinfo),
        ("GET", "/.well-known/oauth-authorization-server", oauth.server_metadata),
        # instance
        ("GET", "/api/v1/instance", instance.instance_v1),
        ("GET", "/api/v2/instance", instance.instance_v2),
        ("GET", "/api/v1/instance/peers", instance.peers),
        ("GET", "/api/v1/instance/extended_description", instance.extended_description),
        ("GET", "/api/v1/preferences", instance.preferences),
        ("GET", "/api/v1/markers", markers.index),
        ("POST", "/api/v1/markers", markers.save),
        # accounts
        ("GET", "/api/v1/accounts/verify_credentials", accounts.verify_credentials),
        ("PATCH", "/api/v1/accounts/update_credentials", accounts.update_credentials),
        ("GET", "/api/v1/accounts/lookup", accounts.lookup),
        ("GET", "/api/v1/accounts/relationships", accounts.relationships),
        ("GET", "/api/v1/accounts/search", accounts.search),
        ("GET", r"/api/v1/accounts/{id:\d+}", accounts.show),
        ("GET", r"/api/v1/accounts/{id:\d+}/statuses", accounts.statuses),
        ("GET", r"/api/v1/accounts/{id:\d+}/followers", accounts.followers),
        ("GET", r"/api/v1/accounts/{id:\d+}/following", accounts.following),
        ("POST", r"/api/v1/accounts/{id:\d+}/follow", accounts.follow),
        ("POST", r"/api/v1/accounts/{id:\d+}/unfollow", accounts.unfollow),
        # statuses
        ("POST", "/api/v1/statuses", statuses.create),
        ("GET", r"/api/v1/statuses/{id:\d+}", statuses.show),
        ("DELETE", r"/api/v1/statuses/{id:\d+}", statuses.delete),
        ("PUT", r"/api/v1/statuses/{id:\d+}", edits.update),
        ("GET", r"/api/v1/statuses/{id:\d+}/source", edits.source),
        ("GET", r"/api/v1/statuses/{id:\d+}/history", edits.history),
        ("GET", r"/api/v1/statuses/{id:\d+}/context", statuses.context),
        ("GET", r"/api/v1/statuses/{id:\d+}/favourited_by", reactions.favourited_by),
        ("POST", r"/api/v1/statuses/{id:\d+}/favourite", reactions.favourite),
        ("POST", r"/api/v1/statuses/{id:\d+}/unfavourite", reactions.unfavourite),
        ("POST", r"/api/v1/statuses/{id:\d+}/reblog", reactions.reblog),
        ("POST", r"/api/v1/statuses/{id:\d+}/unreblog", reactions.unreblog),
        ("GET", r"/api/v1/statuses/{id:\d+}/reblogged_by", reactions.reblogged_by),
        ("GET", "/api/v1/favourites", reactions.favourites),
        # polls (a demand is a status with a poll)
        ("GET", r"/api/v1/polls/{id:\d+}", polls.show),
        ("POST", r"/api/v1/polls/{id:\d+}/votes", polls.vote),
        # media
        ("POST", "/api/v2/media", media.upload_v2),
        ("POST", "/api/v1/media", media.upload_v1),
        ("GET", r"/api/v1/media/{id:\d+}", media.show),
        ("PUT", r"/api/v1/media/{id:\d+}", media.update),
        ("DELETE", r"/api/v1/media/{id:\d+}", media.delete),
        # timelines
        ("GET", "/api/v1/timelines/home", timelines.home),
        ("GET", "/api/v1/timelines/public", timelines.public),
        ("GET", "/api/v1/timelines/tag/{name}", timelines.tag),
        # notifications and follow requests
        ("GET", "/api/v1/notifications", notifications.index),
        ("POST", "/api/v1/notifications/clear", notifications.clear),
        ("GET", "/api/v1/notifications/unread_count", instance.unread_count),
        ("GET", r"/api/v1/notifications/{id:\d+}", notifications.show),
        ("POST", r"/api/v1/notifications/{id:\d+}/dismiss", notifications.dismiss),
        ("GET", "/api/v1/follow_requests", accounts.follow_requests),
        ("POST", r"/api/v1/follow_requests/{id:\d+}/authorize", accounts.authorize_follow),
        ("POST", r"/api/v1/follow_requests/{id:\d+}/reject", accounts.reject_follow),
        # reports to the admins
        ("POST", "/api/v1/reports", reports.create),
        # Web Push
        ("POST", "/api/v1/push/subscription", push.create),
        ("GET", "/api/v1/push/subscription", push.show),
        ("PUT", "/api/v1/push/subscription", push.update),
        ("DELETE", "/api/v1/push/subscription", push.delete),
        # search
        ("GET", "/api/v2/search", search.search_v2),
        # streaming
        ("GET", "/api/v1/streaming/health", streaming.health),
        ("GET", "/api/v1/streaming", streaming.websocket),
        (
            "GET",
            "/api/v1/streaming/{stream:user|public|hashtag|user/notification|public/local|public/remote|hashtag/local}",
            streaming.server_sent_events,
        ),
    ]
    table += [("GET", path, instance.empty_list) for path in EMPTY_LISTS]
    table += [("GET", path, instance.empty_object) for path in EMPTY_OBJECTS]
    table += fedaid_v1.table()
    table += fedaid_demands.table()
    defs = [web.route(method, path, handler) for method, path, handler in table]
    defs.append(web.route("*", "/api/{tail:.*}", instance.not_found))
    return defs
