"""A proposal's page with its responses, and the forms to post, edit and close offers and requests."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp_jinja2
from aiohttp import web

from fedaid import i18n
from fedaid.clock import utcnow
from fedaid.domain import mentoring, paragraphs
from fedaid.domain import proposals as proposal_rules
from fedaid.domain.agreement_lists import all_agreements_on
from fedaid.domain.exchanges import find_exchange
from fedaid.domain.listings import cards_for, category_choices
from fedaid.domain.media import media_of_posts
from fedaid.domain.post_pages import find_live_post, find_local_post
from fedaid.domain.responses import list_responses
from fedaid.domain.threads import conversation
from fedaid.domain.visibility import can_see
from fedaid.errors import Conflict, Forbidden, InvalidInput
from fedaid.models import Agreement, AgreementState, Post, Proposal, ProposalPurpose, ProposalStatus, Visibility
from fedaid.path_ids import path_id
from fedaid.web import uploads
from fedaid.web.forms import Form
from fedaid.web.listings import seen_by
from fedaid.web.sessions import Viewer, current_viewer, require_viewer

MAX_TEXT = 5000
VISIBILITY_CHOICES = (Visibility.PUBLIC.value, Visibility.MEMBERS.value)


def proposal_id(request: web.Request) -> int:
    return path_id(request, Proposal)


async def visible_proposal(request: web.Request, viewer: Viewer | None) -> Proposal:
    """The proposal this URL names, if this visitor may see it."""
    proposal = await proposal_rules.get_proposal(proposal_id(request))
    if not await can_see(proposal.post, seen_by(viewer)):
        if viewer is None:
            raise web.HTTPSeeOther(f"/signin?next=/proposals/{proposal.id}")
        raise Forbidden("This offer or request is not shown to you.")
    return proposal


async def show_proposal(request: web.Request) -> web.Response:
    viewer = await current_viewer(request)
    proposal = await visible_proposal(request, viewer)
    context = await proposal_context(proposal, viewer)
    context["respond_form"] = Form()
    return aiohttp_jinja2.render_template("proposals/show.html", request, context)


async def proposal_context(proposal: Proposal, viewer: Viewer | None) -> dict[str, object]:
    (card,) = await cards_for([proposal], seen_by(viewer))
    responses = await list_responses(proposal, seen_by(viewer))
    agreements = await all_agreements_on(proposal)
    by_response = {a.response_id: a for a in agreements if a.response_id}
    live = (AgreementState.OFFERED, AgreementState.ACCEPTED, AgreementState.FULFILLED)
    # An Offer from elsewhere may not name the reply it came with: link it by its author instead.
    for response in responses:
        if response.id not in by_response:
            unlinked = [
                a
                for a in agreements
                if a.state in live and response.author_id in (a.provider_id, a.receiver_id) and a.response_id is None
            ]
            if unlinked:
                by_response[response.id] = unlinked[-1]
    is_author = viewer is not None and viewer.actor.id == proposal.post.author_id
    mine = [a for a in agreements if viewer and viewer.actor.id in (a.provider_id, a.receiver_id)]
    exchanges = {a.id: await find_exchange(a) for a in mine}
    return {
        "meetings": await mentoring.meetings_by_agreement([a.id for a in agreements]),
        "mentoring_form": await mentoring.is_mentoring_topic(proposal),
        "media": await media_of_posts([proposal.post.id, *(response.id for response in responses)]),
        "card": card,
        "proposal": proposal,
        "post": proposal.post,
        "author": proposal.post.author,
        "responses": responses,
        "by_response": by_response,
        "agreements": agreements if is_author else mine,
        "exchanges": exchanges,
        "is_author": is_author,
        "actions": {a.id: agreement_actions(a, viewer, proposal.post.author_id) for a in agreements},
        "can_respond": viewer is not None and not is_author and proposal.status == ProposalStatus.OPEN,
        "is_open": proposal.status == ProposalStatus.OPEN,
    }


# ---------------------------------------------------------------- new, edit, close


async def new_proposal_form(request: web.Request) -> web.Response:
    await require_viewer(request)
    purpose = request.query.get("purpose", "offer")
    form = Form.of(
        purpose=purpose if purpose in ("offer", "request") else "offer", hours="1", visibility=Visibility.PUBLIC.value
    )
    return await _render_editor(request, form, proposal=None)


async def new_proposal_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    form = await Form.read(request)
    terms = await _read_terms(form, purpose=form.get("purpose"))
    visibility = form.choice("visibility", VISIBILITY_CHOICES)
    attached = await uploads.attachments_from(request, form, viewer.actor) if form.is_valid else []
    if form.is_valid and terms is not None:
        try:
            proposal = await proposal_rules.create_proposal(
                viewer.actor,
                terms,
                visibility=Visibility(visibility),
                language=i18n.current_language.get(),
                media=attached,
            )
        except InvalidInput as err:
            form.fail(_field_of(str(err)), str(err))
        else:
            raise web.HTTPSeeOther(f"/proposals/{proposal.id}")
    return await _render_editor(request, form, proposal=None, status=400)


async def edit_proposal_form(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    proposal = await _own_proposal(request, viewer)
    form = Form.of(
        purpose=proposal.purpose.value,
        title=proposal.title,
        text=paragraphs.to_text(proposal.post.content),
        category=proposal.category,
        tags=" ".join(proposal.tags or []),
        hours=i18n.format_number(proposal.hours),
        place_name=proposal.place_name,
        remote_ok="on" if proposal.remote_ok else "",
        expires_on=proposal.expires_at.date().isoformat() if proposal.expires_at else "",
    )
    return await _render_editor(request, form, proposal=proposal)


async def edit_proposal_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    proposal = await _own_proposal(request, viewer)
    form = await Form.read(request)
    terms = await _read_terms(form, purpose=proposal.purpose.value)
    if form.is_valid and terms is not None:
        try:
            await proposal_rules.edit_proposal(
                proposal,
                by=viewer.actor,
                text=terms.text,
                title=terms.title,
                category=terms.category,
                tags=list(terms.tags),
                hours=terms.hours,
                place_name=terms.place_name,
                remote_ok=terms.remote_ok,
                expires_at=terms.expires_at,
            )
        except (InvalidInput, Conflict) as err:
            form.fail(_field_of(str(err)), str(err))
        else:
            raise web.HTTPSeeOther(f"/proposals/{proposal.id}")
    return await _render_editor(request, form, proposal=proposal, status=400)


async def close_proposal_post(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    proposal = await _own_proposal(request, viewer)
    await proposal_rules.close_proposal(proposal, by=viewer.actor)
    raise web.HTTPSeeOther(f"/proposals/{proposal.id}")


async def _own_proposal(request: web.Request, viewer: Viewer) -> Proposal:
    proposal = await proposal_rules.get_proposal(proposal_id(request))
    if proposal.post.author_id != viewer.actor.id:
        raise Forbidden("Only its author can change this offer or request.")
    return proposal


async def _render_editor(
    request: web.Request, form: Form, *, proposal: Proposal | None, status: int = 200
) -> web.Response:
    context = {"form": form, "proposal": proposal, "categories": await category_choices(i18n.current_language.get())}
    return aiohttp_jinja2.render_template("proposals/edit.html", request, context, status=status)


async def _read_terms(form: Form, *, purpose: str) -> proposal_rules.ProposalTerms | None:
    """The proposal typed in `form`; each problem is recorded beside its field."""
    purpose = form.choice("purpose", ("offer", "request")) if "purpose" in form.values else purpose
    title = form.text("title", required=True, max_length=proposal_rules.MAX_TITLE, min_length=3)
    text = form.text("text", required=True, max_length=MAX_TEXT)
    category = form.choice("category", [slug for slug, _ in await category_choices("fr")], required=False)
    tags = form.tags("tags", limit=proposal_rules.MAX_TAGS)
    hours = form.hours("hours")
    place_name = form.text("place_name", max_length=200)
    remote_ok = form.checkbox("remote_ok")
    expires_at = _read_day(form, "expires_on")
    if not form.is_valid or hours is None:
        return None
    return proposal_rules.ProposalTerms(
        purpose=ProposalPurpose(purpose or "offer"),
        title=title,
        text=text,
        category=category,
        tags=tags,
        hours=hours,
        place_name=place_name,
        remote_ok=remote_ok,
        expires_at=expires_at,
    )


def _read_day(form: Form, name: str) -> datetime | None:
    raw = form.get(name).strip()
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").replace(hour=23, minute=59, tzinfo=i18n.DISPLAY_TIMEZONE)
    except ValueError:
        form.fail(name, "Write a date like 2026-05-31.")
        return None
    if day <= utcnow():
        form.fail(name, "Choose a date in the future.")
        return None
    return day.astimezone(UTC)


def _field_of(message: str) -> str:
    """The form field a domain message is about, to show it in the right place."""
    lowered = message.lower()
    for needle, field in (
        ("title", "title"),
        ("hour", "hours"),
        ("categor", "category"),
        ("tag", "tags"),
        ("expir", "expires_on"),
        ("text", "text"),
        ("place", "place_name"),
    ):
        if needle in lowered:
            return field
    return "title"


# ---------------------------------------------------------------- agreements shown with their proposal


def agreement_actions(agreement: Agreement, viewer: Viewer | None, author_id: int) -> list[str]:
    """What `viewer` may do with `agreement` now: accept, reject, cancel, confirm."""
    if viewer is None or viewer.actor.id not in (agreement.provider_id, agreement.receiver_id):
        return []
    actions = []
    if agreement.state == AgreementState.OFFERED and viewer.actor.id == author_id:
        actions += ["accept", "reject"]
    if agreement.state in (AgreementState.OFFERED, AgreementState.ACCEPTED):
        actions.append("cancel")
    if agreement.state == AgreementState.ACCEPTED:
        actions.append("confirm")
    return actions


async def serve_post_html(request: web.Request) -> web.Response:
    """People who open a local post's own URL (`/u/<name>/posts/<id>`) land on its page."""
    post_id, name = path_id(request, Post, "post_id"), request.match_info["name"]
    post = await find_local_post(post_id, name)
    if post is None:
        raise web.HTTPNotFound()
    return await _go_to(request, post)


async def go_to_post(request: web.Request) -> web.Response:
    """A post's place on a page: its proposal, or the proposal it answers (links from notifications)."""
    post = await find_live_post(path_id(request, Post))
    if post is None:
        raise web.HTTPNotFound()
    return await _go_to(request, post)


async def _go_to(request: web.Request, post: Post) -> web.Response:
    shown = seen_by(await current_viewer(request))
    if not await can_see(post, shown):
        raise web.HTTPNotFound()  # before any redirect, which would tell where an unseen post belongs
    proposal = await proposal_rules.find_proposal_of_post(post.id)
    if proposal is not None:
        raise web.HTTPSeeOther(f"/proposals/{proposal.id}")
    if post.in_reply_to_id is not None:
        parent = await proposal_rules.find_proposal_of_post(post.in_reply_to_id)
        if parent is not None:
            raise web.HTTPSeeOther(f"/proposals/{parent.id}#response-{post.id}")
    ancestors, replies = await conversation(post, shown)
    media = await media_of_posts([post.id, *(other.id for other in (*ancestors, *replies))])
    context = {"post": post, "ancestors": ancestors, "replies": replies, "media": media}
    return aiohttp_jinja2.render_template("proposals/post.html", request, context)
