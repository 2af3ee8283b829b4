"""Every HTML page's route, in one list that `create_app` adds."""

from __future__ import annotations

from aiohttp import web

from fedaid.web import auth, home, site


def routes() -> list[web.AbstractRouteDef]:
    return [
        *site.static_routes(),
        web.get("/", home.show_home),
        web.get("/feed.atom", home.home_feed),
        web.get("/categories/{slug}/feed.atom", home.category_feed),
        web.get("/u/{name}/feed.atom", home.member_feed),
        web.get("/signin", auth.show_sign_in),
        web.post("/signin", auth.sign_in_post),
        web.post("/signout", auth.sign_out_post),
        web.get("/signup", auth.show_sign_up),
        web.post("/signup", auth.sign_up_post),
        web.post("/language", auth.switch_language),
    ]
