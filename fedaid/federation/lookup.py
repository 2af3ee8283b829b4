"""A post found by its address, as a search box finds it: an id or a web address on this server or another.

Another server's address is fetched as ActivityPub JSON; its web address answers with a redirect to the id
(fedaid's pages do, so do Mastodon's), and the document must carry the id it was finally served from
(`Fetcher.get_json`). Posts from blocked domains are not fetched.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from fedaid.activitypub.parse import parse_note, same_origin
from fedaid.activitypub.parse.inbound import attributed_to
from fedaid.appkeys import FETCHER, REMOTE_ACTORS, SETTINGS
from fedaid.domain import canonical, remote_posts
from fedaid.domain.policy import DomainPolicies
from fedaid.errors import FedaidError
from fedaid.hosts import host_of_url
from fedaid.models import Post

LOCAL_PAGES = {"proposals": canonical.proposal_ap_id, "posts": canonical.post_ap_id}
_policies = DomainPolicies()


async def find_post_by_url(app: web.Application, url: str, *, resolve: bool) -> Post | None:
    """The post `url` names, None when there is none; with `resolve`, fetched from its server when unknown."""
    settings = app[SETTINGS]
    ap_id = url
    if url.startswith(settings.base_url + "/"):
        parts = urlsplit(url).path.strip("/").split("/")
        if len(parts) == 2 and parts[0] in LOCAL_PAGES:
            try:
                ap_id = await LOCAL_PAGES[parts[0]](parts[1])
            except FedaidError:
                return None
    known = await remote_posts.find_shown_post(ap_id)
    if known is not None or not resolve or url.startswith(settings.base_url + "/"):
        return known
    if await _policies.is_blocked(host_of_url(url)):
        return None
    try:
        doc = await app[FETCHER].get_json(url)
        author = await app[REMOTE_ACTORS].get_actor(attributed_to(doc) or "")
        note = parse_note(doc, followers_url=author.followers_url)
        if not same_origin(note.ap_id, author.ap_id):
            return None
        await remote_posts.store_remote_note(
            note,
            author,
            visibility=await remote_posts.visibility_for(note),
            outside_proposals=settings.outside_proposals,
        )
    except FedaidError:
        return None  # not found, not ActivityPub, not a post: a search finds nothing
    return await remote_posts.find_shown_post(note.ap_id)
