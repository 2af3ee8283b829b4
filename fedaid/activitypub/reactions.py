"""AS2 for a member's reactions to a post: Like (Mastodon's favourite) and Announce (a boost).

`notes.render_undo` takes either back.

Pure and synchronous: rows already loaded, ids stored on them, nothing read from settings.
"""

from __future__ import annotations

from fedaid.activitypub.notes import JSONDict, followers_of_actor, render_announce
from fedaid.activitypub.vocab import ACTIVITY_CONTEXT, PUBLIC, ActivityType
from fedaid.models import Actor, Favourite, Post, Reblog, Visibility


def render_like(favourite: Favourite, actor: Actor, post: Post) -> JSONDict:
    """Like of a post by its id, as Mastodon sends it (no addressing: it goes to the author's inbox only)."""
    return {
        "@context": list(ACTIVITY_CONTEXT),
        "id": favourite.ap_id,
        "type": ActivityType.LIKE.value,
        "actor": actor.ap_id,
        "object": post.ap_id,
    }


def render_boost(reblog: Reblog, actor: Actor, post: Post, author: Actor) -> JSONDict:
    """Announce of a post's id, addressed like Mastodon's reblogs: a boost of an unlisted post stays unlisted."""
    followers = followers_of_actor(actor)
    if post.visibility == Visibility.UNLISTED:
        to, cc = [followers], [PUBLIC, author.ap_id]
    else:
        to, cc = [PUBLIC], [followers, author.ap_id]
    return render_announce(
        actor,
        post.ap_id,
        announce_id=reblog.ap_id,
        published=reblog.created_at,
        to=to,
        cc=[address for address in cc if address != actor.ap_id],
    )
