"""The plumbing every page shares: templates with i18n, sessions, language, CSRF checks and error pages.

`setup_site(app, settings)` is called once by `create_app`; it adds one middleware after the app's own
(so it sees the active database): aiohttp-session's, then `pages_middleware`, for every request but the
activities other servers POST to inboxes, the federation's hot path, which carry no cookie and show no page.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import AbstractStorage, session_middleware
from markupsafe import Markup

from fedaid import i18n
from fedaid.activitypub.headlines import without_headline
from fedaid.activitypub.sanitize import sanitize_html
from fedaid.appkeys import PAGE_ROUTES, SETTINGS
from fedaid.config import Settings
from fedaid.domain import paragraphs, theme
from fedaid.domain.instance import find_collective
from fedaid.domain.notifications import count_unread
from fedaid.errors import FedaidError, NotFound
from fedaid.middlewares import has_impossible_id
from fedaid.negotiation import wants_activity_json
from fedaid.web.sessions import (
    CSRF_FIELD,
    check_csrf,
    cookie_storage,
    csrf_token,
    current_viewer,
    needs_csrf_check,
)

log = logging.getLogger("fedaid.web")

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
LANGUAGE_COOKIE = "fedaid_lang"
# Paths answered to servers and API clients: their unmatched addresses get no HTML error page.
NON_PAGE_PREFIXES = ("/api/", "/oauth/token", "/oauth/revoke", "/.well-known/", "/nodeinfo", "/inbox", "/static/")
NON_PAGE_SUFFIXES = ("/inbox", "/outbox", "/followers", "/following")
SECURITY_HEADERS = {
    # No inline script anywhere: a script that slipped into a page still would not run.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' https: data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def setup_site(app: web.Application, settings: Settings, templates_dir: Path) -> jinja2.Environment:
    """Templates, sessions and the pages middleware for `app`."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    configure_environment(env)
    env.globals["site_name"] = settings.collective_name
    app.middlewares.append(browser_middleware(cookie_storage(settings)))
    return env


def configure_environment(env: jinja2.Environment) -> None:
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: i18n.translations(i18n.current_language.get()).gettext(message),
        lambda singular, plural, n: i18n.translations(i18n.current_language.get()).ngettext(singular, plural, n),
        newstyle=True,
    )
    env.filters.update(
        {
            "safe_html": lambda html: Markup(sanitize_html(html or "")),
            "without_headline": lambda html: without_headline(html or ""),
            "paragraphs": paragraphs.blocks,
            "when": i18n.format_when,
            "day": i18n.format_day,
            "number": i18n.format_number,
            "hours": i18n.format_hours,
            "moment_in": i18n.format_moment_in,
            "iso": lambda value: value.isoformat() if value else "",
        }
    )
    env.globals["CSRF_FIELD"] = CSRF_FIELD


def static_routes() -> list[web.AbstractRouteDef]:
    return [web.static("/static", STATIC_DIR, append_version=False)]


async def page_context(request: web.Request) -> dict[str, object]:
    """What every template may use: the viewer, the CSRF token, the language and the current path."""
    viewer = await current_viewer(request)
    settings = request.app[SETTINGS]
    collective = await find_collective(settings.collective_slug)
    return {
        "request": request,
        "theme": await theme.theme_of(collective) if collective else theme.Theme(),
        "site_name": collective.name if collective else settings.collective_name,  # admins may rename it
        "viewer": viewer,
        "unread_notifications": await count_unread(viewer.actor) if viewer else 0,
        "csrf_token": await csrf_token(request),
        "lang": i18n.current_language.get(),
        "languages": i18n.LANGUAGE_NAMES,
        "current_path": request.path_qs,
    }


def answers_with_page(request: web.Request) -> bool:
    """True when the answer is an HTML page: always on a page route, on a negotiated document when the
    client does not ask for AP JSON, and for addresses matching no route outside the API and federation
    paths (their 404 page). This picks a representation only; the checks follow the route (`PageRoutes`)."""
    routes = request.app[PAGE_ROUTES]
    route = request.match_info.route
    if route in routes.pages:
        return True
    if route in routes.documents:
        return not wants_activity_json(request)
    if request.match_info.http_exception is None:
        return False
    path = request.path
    if path.startswith(NON_PAGE_PREFIXES) or path.endswith(NON_PAGE_SUFFIXES) or path.endswith(".atom"):
        return False
    return not wants_activity_json(request)


async def request_language(request: web.Request) -> str:
    viewer = await current_viewer(request)
    return i18n.pick_language(
        member_setting=viewer.account.locale if viewer else None,
        cookie=request.cookies.get(LANGUAGE_COOKIE),
        accept_language=request.headers.get("Accept-Language"),
    )


def is_inbox_post(request: web.Request) -> bool:
    """An activity another server POSTs to one of our inboxes."""
    return request.method == "POST" and request.path.endswith("/inbox")


def browser_middleware(storage: AbstractStorage):
    """Sessions, then `pages_middleware`, around every request except inbox POSTs."""
    sessions = session_middleware(storage)

    @web.middleware
    async def middleware(request: web.Request, handler) -> web.StreamResponse:
        if is_inbox_post(request):
            return await handler(request)
        return await sessions(request, partial(pages_middleware, handler=handler))

    return middleware


@web.middleware
async def pages_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Set the language, check the CSRF token of every unsafe method to a page route, and show expected
    errors as translated pages. Only page routes take unsafe methods here, and they always answer a page."""
    if not answers_with_page(request):
        token = i18n.current_language.set(i18n.DEFAULT_LANGUAGE)
        try:
            _refuse_impossible_ids(request)
            return await handler(request)
        finally:
            i18n.current_language.reset(token)
    token = i18n.current_language.set(await request_language(request))
    try:
        request[aiohttp_jinja2.REQUEST_CONTEXT_KEY] = await page_context(request)
        try:
            _refuse_impossible_ids(request)
            if needs_csrf_check(request):
                await check_csrf(request)
            response = await handler(request)
        except FedaidError as err:
            log.info("page refused", extra={"status": err.status, "reason": str(err), "path": request.path})
            response = render_error(request, err.status, str(err))
            if err.retry_after is not None:
                response.headers["Retry-After"] = str(err.retry_after)
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed) as err:
            response = render_error(request, err.status, i18n.lazy("There is no page at this address."))
        add_page_headers(response)
        return response
    finally:
        i18n.current_language.reset(token)


def _refuse_impossible_ids(request: web.Request) -> None:
    """A number in the address beyond any id (64 bits) names no row: 404 before any query (each handler
    reads its own ids against their column with `path_ids.path_id`)."""
    if has_impossible_id(request.match_info):
        raise NotFound("There is no page at this address.")


def add_page_headers(response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Language", i18n.current_language.get())
    response.headers.setdefault("Cache-Control", "private, no-cache")  # pages carry a CSRF token and a name
    if "Vary" in response.headers:
        if "Cookie" not in response.headers["Vary"]:
            response.headers["Vary"] += ", Cookie, Accept-Language"
    else:
        response.headers["Vary"] = "Cookie, Accept-Language"


ERROR_TITLES = {
    400: i18n.lazy("This cannot be done as sent"),
    401: i18n.lazy("Sign in first"),
    403: i18n.lazy("Not allowed"),
    404: i18n.lazy("Page not found"),
    405: i18n.lazy("Page not found"),
    409: i18n.lazy("Already done"),
    410: i18n.lazy("Gone"),
    413: i18n.lazy("Too large"),
    429: i18n.lazy("Too many attempts"),
}


def render_error(request: web.Request, status: int, reason: str) -> web.Response:
    """The error page, in the reader's language (domain messages are catalog entries too)."""
    context = {
        "status": status,
        "title": i18n.gettext(ERROR_TITLES.get(status, i18n.lazy("Something went wrong"))),
        "reason": i18n.gettext(reason),
    }
    return aiohttp_jinja2.render_template("errors/error.html", request, context, status=status)
