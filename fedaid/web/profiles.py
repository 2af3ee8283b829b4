"""HTML profile pages of local actors, served at the same URL as their AP documents."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid.federation.actor_routes import actor_from_path
from fedaid.models import ActorType, Follow, FollowState, Post, Visibility


async def serve_profile_html(request: web.Request) -> web.Response:
    actor = await actor_from_path(request)
    if actor.is_deleted:
        return aiohttp_jinja2.render_template("profiles/gone.html", request, {"actor": actor}, status=410)
    posts = await Post.filter(author=actor, visibility=Visibility.PUBLIC, deleted_at__isnull=True,
                              ).order_by("-id").limit(20)
    context = {
        "actor": actor,
        "is_group": actor.type == ActorType.GROUP,
        "followers": await Follow.filter(target=actor, state=FollowState.ACCEPTED).count(),
        "following": await Follow.filter(follower=actor, state=FollowState.ACCEPTED).count(),
        "posts": posts,
    }
    return aiohttp_jinja2.render_template("profiles/actor.html", request, context)
