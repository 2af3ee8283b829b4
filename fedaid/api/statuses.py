"""Statuses: create (an #offre/#demande becomes a proposal), show, delete and context."""

from __future__ import annotations

import re

from aiohttp import web

from fedaid import i18n
from fedaid.activitypub.sanitize import plain_text
from fedaid.api.accounts import resolve_acct
from fedaid.api.auth import user_caller, viewer_of
from fedaid.api.compose import names_a_proposal, read_proposal
from fedaid.api.params import Params, read_params
from fedaid.api.reactions import take_back_own_boost
from fedaid.api.views import presenter
from fedaid.api.visibility import get_visible_post
from fedaid.domain import media, posts, proposals, responses, timelines
from fedaid.domain.categories import composer_choices
from fedaid.domain.proposals import ProposalTerms
from fedaid.domain.visibility import local_viewer
from fedaid.errors import InvalidInput, NotFound
from fedaid.models import Actor, Post, ProposalStatus, Visibility

VISIBILITIES = {
    "public": Visibility.PUBLIC,
    "unlisted": Visibility.UNLISTED,
    "private": Visibility.FOLLOWERS,
    "direct": Visibility.DIRECT,
}
MENTION = re.compile(r"(?<![\w/@])@([a-zA-Z0-9_.]+(?:@[a-zA-Z0-9.-]+(?::\d+)?)?)")


def unprocessable(message: str) -> web.Response:
    """Mastodon's 422, with the `details` its ValidationError entity carries."""
    return web.json_response(
        {
            "error": f"Validation failed: {message}",
            "details": {"status": [{"error": "ERR_INVALID", "description": message}]},
        },
        status=422,
    )


async def create(request: web.Request) -> web.Response:
    """POST /api/v1/statuses: a post; with #offre/#offer or #demande/#request, a proposal (422 if it cannot be)."""
    caller = await user_caller(request, "write:statuses")
    params = await read_params(request)
    language = caller.account.locale if caller.account else None
    token = i18n.current_language.set(language if language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE)
    try:  # errors in the member's language
        post = await _create(request, caller.actor, params)
    except InvalidInput as err:  # Mastodon answers validation failures with 422
        return unprocessable(str(err))
    finally:
        i18n.current_language.reset(token)
    return web.json_response(await presenter(request, caller.actor).status(post, is_new=True))  # author loaded


async def _create(request: web.Request, actor: Actor, params: Params) -> Post:
    text = params.str("status") or ""
    attached = await media.check_attachable(actor, params.list("media_ids"))
    if params.dict("poll") or params.list("poll[options]"):
        raise InvalidInput("Polls are not available on fedaid.")
    visibility = VISIBILITIES.get(params.str("visibility") or "public")
    if visibility is None:
        raise InvalidInput("Visibility must be public, unlisted, private or direct.")
    in_reply_to = None
    if params.str("in_reply_to_id"):
        try:
            in_reply_to = await get_visible_post(params.str("in_reply_to_id"), actor)
        except NotFound:
            raise InvalidInput("The status it replies to does not exist or is not visible.") from None
    mentions = await mentioned(request, text)
    language = params.str("language") or None
    draft = read_proposal(text, await composer_choices()) if names_a_proposal(text) else None
    if draft is not None:
        if in_reply_to is not None:
            raise InvalidInput("A reply cannot be an offer or a request: post it on its own.")
        terms = ProposalTerms(
            purpose=draft.purpose,
            title=draft.title,
            text=text,
            category=draft.category,
            tags=draft.tags,
            hours=draft.hours,
            place_name=draft.place_name,
            remote_ok=draft.remote_ok,
            expires_at=draft.expires_at,
        )
        proposal = await proposals.create_proposal(
            actor, terms, visibility=visibility, mentions=mentions, language=language, media=attached
        )
        return proposal.post
    answered = await proposals.find_proposal_of_post(in_reply_to.id) if in_reply_to is not None else None
    if answered is not None and answered.status == ProposalStatus.OPEN and in_reply_to.author_id != actor.id:
        # A reply to an open offer or request is a response: its author is told as such.
        return await responses.respond(answered, actor, text, visibility=visibility, language=language, media=attached)
    return await posts.create_post(
        actor,
        text,
        visibility=visibility,
        in_reply_to=in_reply_to,
        mentions=mentions,
        summary=params.str("spoiler_text") or "",
        sensitive=params.bool("sensitive"),
        language=language,
        media=attached,
    )


async def mentioned(request: web.Request, text: str) -> list[Actor]:
    """The actors `@name` and `@name@host` in the text name, resolved by WebFinger when unknown."""
    found: dict[int, Actor] = {}
    for acct in dict.fromkeys(MENTION.findall(text)):
        actor = await resolve_acct(request, acct)
        if actor is not None:
            found[actor.id] = actor
    return list(found.values())


async def show(request: web.Request) -> web.Response:
    viewer = await viewer_of(request, "read:statuses")
    post = await get_visible_post(request.match_info["id"], viewer)
    return web.json_response(await presenter(request, viewer).status(post))


async def delete(request: web.Request) -> web.Response:
    """DELETE /api/v1/statuses/:id: the status as it was, with its `text` for "delete and redraft"."""
    caller = await user_caller(request, "write:statuses")
    status_id = request.match_info["id"]
    if (boost := await take_back_own_boost(request, status_id, caller.actor)) is not None:
        return web.json_response(boost)
    post = await get_visible_post(status_id, caller.actor)
    if post.author_id != caller.actor.id or post.id != int(status_id):  # another's boost never deletes its post
        raise NotFound("Record not found")
    rendered = await presenter(request, caller.actor).status(post)
    rendered["text"] = plain_text(post.content)
    proposal = await proposals.find_proposal_of_post(post.id)
    if proposal is not None:
        await proposals.delete_proposal(proposal, by=caller.actor)
    else:
        await posts.delete_post(post, by=caller.actor)
    return web.json_response(rendered)


async def context(request: web.Request) -> web.Response:
    """Ancestors (oldest first) and descendants (depth first, in order) that the viewer may see."""
    viewer = await viewer_of(request, "read:statuses")
    post = await get_visible_post(request.match_info["id"], viewer)
    ancestors, descendants = await timelines.thread_of(post, local_viewer(viewer))
    view = presenter(request, viewer)
    return web.json_response(
        {"ancestors": await view.statuses(ancestors), "descendants": await view.statuses(descendants)}
    )
