"""Responding to a proposal and the agreement steps: offer, accept, decline, cancel, confirm."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from fedaid import i18n
from fedaid.domain import agreements as rules
from fedaid.domain import mentoring
from fedaid.domain.exchanges import confirm_exchange, find_exchange
from fedaid.domain.responses import get_response, respond
from fedaid.errors import Conflict, Forbidden, InvalidInput
from fedaid.models import Agreement, AgreementState, Post
from fedaid.path_ids import path_id
from fedaid.web.forms import Form
from fedaid.web.proposals import MAX_TEXT, agreement_actions, proposal_context, visible_proposal
from fedaid.web.sessions import require_viewer


async def respond_post(request: web.Request) -> web.Response:
    """A member answers a proposal; with hours, the answer also offers an agreement to its author."""
    viewer = await require_viewer(request)
    proposal = await visible_proposal(request, viewer)
    form = await Form.read(request)
    text = form.text("text", required=True, max_length=MAX_TEXT)
    wants_agreement = form.checkbox("offer_agreement")
    hours = form.hours("hours") if wants_agreement else None
    if hours is not None and hours > proposal.available_hours:
        form.fail("hours", "At most %(hours)s are still available.", hours=i18n.format_hours(proposal.available_hours))
    if form.is_valid:
        try:
            reply = await respond(proposal, viewer.actor, text, language=i18n.current_language.get())
            if wants_agreement:
                await rules.offer_agreement(proposal, viewer.actor, hours=hours, response=reply)
        except (Conflict, Forbidden, InvalidInput) as err:
            form.fail("text", str(err))
        else:
            raise web.HTTPSeeOther(f"/proposals/{proposal.id}#response-{reply.id}")
    context = await proposal_context(proposal, viewer)
    context["respond_form"] = form
    return aiohttp_jinja2.render_template("proposals/show.html", request, context, status=400)


async def agree_to_response_post(request: web.Request) -> web.Response:
    """The author turns a response into an accepted agreement (the responder offered nothing yet)."""
    viewer = await require_viewer(request)
    proposal = await visible_proposal(request, viewer)
    response = await get_response(proposal, path_id(request, Post, "response_id"))
    form = await Form.read(request)
    hours = form.hours("hours")
    if not form.is_valid:
        raise InvalidInput(next(iter(form.errors.values())))
    if proposal.post.author_id != viewer.actor.id:
        raise Forbidden("Only its author can agree to a response.")
    await rules.agree_to_response(response, by=viewer.actor, hours=hours)
    raise web.HTTPSeeOther(f"/proposals/{proposal.id}#agreements")


async def _party_agreement(request: web.Request) -> tuple[Agreement, object]:
    viewer = await require_viewer(request)
    agreement = await rules.get_agreement(path_id(request, Agreement))
    if viewer.actor.id not in (agreement.provider_id, agreement.receiver_id):
        raise Forbidden("Only the two parties of an agreement can act on it.")
    return agreement, viewer


def _back(request: web.Request, agreement: Agreement) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"/proposals/{agreement.proposal_id}#agreement-{agreement.id}")


async def accept_post(request: web.Request) -> web.Response:
    agreement, viewer = await _party_agreement(request)
    await rules.accept_agreement(agreement, by=viewer.actor)
    raise _back(request, agreement)


async def reject_post(request: web.Request) -> web.Response:
    agreement, viewer = await _party_agreement(request)
    form = await Form.read(request)
    await rules.reject_agreement(agreement, by=viewer.actor, reason=form.text("reason", max_length=500))
    raise _back(request, agreement)


async def cancel_post(request: web.Request) -> web.Response:
    agreement, viewer = await _party_agreement(request)
    await rules.cancel_agreement(agreement, by=viewer.actor)
    raise _back(request, agreement)


async def confirm_post(request: web.Request) -> web.Response:
    agreement, viewer = await _party_agreement(request)
    if agreement.state not in (AgreementState.ACCEPTED, AgreementState.FULFILLED):
        raise Conflict("Only an accepted agreement can be confirmed.")
    await confirm_exchange(agreement, by=viewer.actor)
    raise _back(request, agreement)


async def list_mine(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    rows = []
    mine = await rules.list_agreements(viewer.actor)
    meetings = await mentoring.meetings_by_agreement([agreement.id for agreement in mine])
    for agreement in mine:
        post = agreement.proposal.post
        rows.append(
            {
                "agreement": agreement,
                "proposal": agreement.proposal,
                "post": post,
                "exchange": await find_exchange(agreement),
                "meetings": meetings.get(agreement.id, []),
                "actions": agreement_actions(agreement, viewer, post.author_id),
            }
        )
    return aiohttp_jinja2.render_template("agreements/list.html", request, {"rows": rows})
