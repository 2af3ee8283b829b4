"""How other servers find us: WebFinger (RFC 7033), host-meta (RFC 6415) and NodeInfo (jhass/nodeinfo)."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

import fedaid
from fedaid.appkeys import SETTINGS, USAGE
from fedaid.domain.actors import find_local_actor_named
from fedaid.domain.registration import registration_mode
from fedaid.errors import Gone, InvalidInput, NotFound
from fedaid.models import Actor

JRD_CONTENT_TYPE = "application/jrd+json"
NODEINFO_VERSIONS = ("2.0", "2.1")
_ACCT = re.compile(r"^acct:@?(?P<user>[^@\s/]+)@(?P<host>[^@\s/]+)$")
_CORS = {"Access-Control-Allow-Origin": "*"}


def render_webfinger(actor: Actor, subscribe_template: str) -> dict[str, Any]:
    """The JRD for a local actor: one `self` link equal to its id (mastodon/mastodon#18741), aliases, profile page."""
    return {
        "subject": f"acct:{actor.username}@{actor.domain}",
        "aliases": [actor.ap_id],
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": actor.ap_id},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor.url or actor.ap_id},
            {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": subscribe_template},
        ],
    }


def parse_resource(resource: str | None, base_url: str, domain: str) -> str:
    """The local username a WebFinger `resource` names: `acct:user@domain` or an actor URL."""
    if not resource:
        raise InvalidInput("WebFinger needs a resource parameter, e.g. ?resource=acct:name@" + domain)
    match = _ACCT.match(resource.strip())
    if match:
        if match["host"].lower() != domain.lower():
            raise NotFound(f"{match['host']} is not this instance ({domain}).")
        return match["user"]
    for prefix in ("/u/", "/c/"):
        if resource.startswith(base_url + prefix):
            return resource[len(base_url + prefix) :]
    if resource.rstrip("/") in (f"{base_url}/actor", base_url):
        return domain
    raise InvalidInput("The resource must look like acct:name@" + domain + " or be an actor URL of this instance.")


async def serve_webfinger(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    username = parse_resource(request.query.get("resource"), settings.base_url, settings.domain)
    actor = await find_local_actor_named(username)
    if actor is None:
        raise NotFound(f"No account {username!r} on this instance.")
    if actor.is_deleted:
        raise Gone(f"{username} has left this instance.")
    subscribe = f"{settings.base_url}/authorize_interaction?uri={{uri}}"
    return web.json_response(render_webfinger(actor, subscribe), content_type=JRD_CONTENT_TYPE, headers=_CORS)


async def serve_host_meta(request: web.Request) -> web.Response:
    base = request.app[SETTINGS].base_url
    xrd = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{base}/.well-known/webfinger?resource={{uri}}"/>\n'
        "</XRD>\n"
    )
    return web.Response(text=xrd, content_type="application/xrd+xml", headers=_CORS)


async def serve_nodeinfo_links(request: web.Request) -> web.Response:
    base = request.app[SETTINGS].base_url
    links = [
        {"rel": f"http://nodeinfo.diaspora.software/ns/schema/{v}", "href": f"{base}/nodeinfo/{v}"}
        for v in NODEINFO_VERSIONS
    ]
    return web.json_response({"links": links}, headers=_CORS)


def render_nodeinfo(
    version: str, *, users: int, posts: int, open_registrations: bool, node_name: str, node_description: str
) -> dict[str, Any]:
    """A NodeInfo 2.0 or 2.1 document (jhass/nodeinfo PROTOCOL.md and schemas/2.1); `software.name` is `fedaid`."""
    software: dict[str, str] = {"name": "fedaid", "version": fedaid.__version__}
    if version == "2.1":
        software["homepage"] = "https://fedaid.org"
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0"]},
        "openRegistrations": open_registrations,
        "usage": {"users": {"total": users}, "localPosts": posts},
        "metadata": {"nodeName": node_name, "nodeDescription": node_description},
    }


async def serve_nodeinfo(request: web.Request) -> web.Response:
    version = request.match_info["version"]
    if version not in NODEINFO_VERSIONS:
        raise NotFound(f"NodeInfo {version} is not served here; try 2.0 or 2.1.")
    settings = request.app[SETTINGS]
    usage = await request.app[USAGE].usage()
    doc = render_nodeinfo(
        version,
        users=usage.members,
        posts=usage.local_posts,
        open_registrations=await registration_mode(settings.collective_slug, settings.registration_mode) == "open",
        node_name=settings.collective_name,
        node_description=settings.collective_summary,
    )
    profile = f'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/{version}#"'
    return web.Response(text=json.dumps(doc), headers={**_CORS, "Content-Type": profile})


def routes() -> list[web.RouteDef]:
    return [
        web.get("/.well-known/webfinger", serve_webfinger),
        web.get("/.well-known/host-meta", serve_host_meta),
        web.get("/.well-known/nodeinfo", serve_nodeinfo_links),
        web.get("/nodeinfo/{version}", serve_nodeinfo),
    ]
