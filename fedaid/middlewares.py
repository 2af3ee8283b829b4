"""The request middleware: request ids, the active database, and one place that turns errors into answers."""

from __future__ import annotations

import logging
import random

from aiohttp import web

from fedaid.appkeys import DATABASE, PAGE_ROUTES
from fedaid.errors import FedaidError, InvalidInput, NotFound, Unavailable
from fedaid.logs import request_id
from fedaid.models.ids import possible_id
from fedaid.negotiation import wants_activity_json
from fedaid.storage.availability import is_unavailable

log = logging.getLogger("fedaid.http")

API_PREFIXES = ("/api/", "/oauth/")  # the client APIs: their values go to the database as they come
DATABASE_RETRY_AFTER = 5  # seconds: a locked SQLite file or a restarting PostgreSQL is usually back by then


def new_request_id() -> str:
    """16 hex digits: an id to find a request's log lines, not a secret (os.urandom costs a system call)."""
    return f"{random.getrandbits(64):016x}"


@web.middleware
async def request_middleware(request: web.Request, handler) -> web.StreamResponse:
    """What every request gets, in one layer (each layer costs every request, the inbox's included):

    - an id on each of its log lines, handed back in `X-Request-Id`;
    - this instance's database for its queries;
    - a FedaidError turned into its status with a readable reason (and `Retry-After` when it has one), a locked
      or unreachable database into 503, anything else into a logged 500.
    """
    incoming = request.headers.get("X-Request-Id", "")
    rid = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else new_request_id()
    token = request_id.set(rid)
    try:
        if has_impossible_id(request.match_info) and not reads_session(request):
            raise NotFound("Record not found")  # pages and documents answer it as a page (web.site)
        if request.path.startswith(API_PREFIXES) and "\x00" in request.path + request.query_string:
            raise InvalidInput("The address holds a NUL character, which no value may contain.")
        with request.app[DATABASE].active():
            response = await handler(request)
    except web.HTTPException as err:
        err.headers["X-Request-Id"] = rid
        raise
    except Exception as err:  # noqa: BLE001 - every other error is answered, and answer_error logs it
        response = answer_error(request, err)
    finally:
        request_id.reset(token)
    response.headers["X-Request-Id"] = rid
    return response


def has_impossible_id(match_info: web.UrlMappingMatchInfo) -> bool:
    """A number in the path too large for any row's id (64-bit): no row can have it, so 404, not a database
    error (`/api/v1/statuses/99999999999999999999`)."""
    return any(value.isdigit() and possible_id(value) is None for value in match_info.values())


def reads_session(request: web.Request) -> bool:
    """A page or a negotiated document: their errors are pages in the reader's language (web.site)."""
    routes = request.app.get(PAGE_ROUTES)
    return routes is not None and routes.reads_session(request)


def answer_error(request: web.Request, err: Exception) -> web.Response:
    """A FedaidError → its status and reason (logged at info); a database that is locked or unreachable for now
    → 503 with `Retry-After`; anything else → 500, logged with its traceback."""
    if not isinstance(err, FedaidError) and is_unavailable(err):
        log.warning("database unavailable: %s", err, extra={"path": request.path, "method": request.method})
        err = Unavailable("The service is busy for a moment; try again shortly.", retry_after=DATABASE_RETRY_AFTER)
    if isinstance(err, FedaidError):
        log.info(
            "refused", extra={"status": err.status, "reason": str(err), "path": request.path, "method": request.method}
        )
        response = error_response(request, err.status, str(err))
        if err.retry_after is not None:
            response.headers["Retry-After"] = str(err.retry_after)
        return response
    log.exception("internal error", extra={"path": request.path, "method": request.method})
    return error_response(request, 500, "Something went wrong on our side; the error has been logged.")


def error_response(request: web.Request, status: int, reason: str) -> web.Response:
    """JSON for APIs and servers, plain text for people (the web pages render their own errors)."""
    if (
        wants_activity_json(request)
        or request.path.startswith(("/api/", "/oauth/", "/.well-known/", "/inbox", "/nodeinfo"))
        or request.method == "POST"
    ):
        return web.json_response({"error": reason}, status=status)
    return web.Response(text=f"{status}: {reason}\n", status=status)
