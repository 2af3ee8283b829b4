"""Mentoring forms: asking or offering a coaching proposal as recurring meetings, and confirming a meeting."""

from __future__ import annotations

from aiohttp import web

from fedaid.domain import agreements, mentoring
from fedaid.errors import Forbidden, InvalidInput
from fedaid.models import Frequency
from fedaid.web.coaching import local_datetime
from fedaid.web.forms import Form
from fedaid.web.proposals import visible_proposal
from fedaid.web.sessions import require_viewer

TIMEZONE = "Europe/Paris"  # the collective's; a per-member time zone can come later (i18n.DISPLAY_TIMEZONE)


async def propose_post(request: web.Request) -> web.Response:
    """A member proposes mentoring on a coaching proposal: hours per meeting, how often, from when, until when."""
    viewer = await require_viewer(request)
    proposal = await visible_proposal(request, viewer)
    form = await Form.read(request)
    hours = form.hours("hours_per_meeting")
    frequency = form.choice("frequency", list(Frequency))
    if not form.is_valid or hours is None:
        raise InvalidInput(next(iter(form.errors.values()), "Check the form."))
    terms = mentoring.MentoringTerms(
        hours_per_meeting=hours,
        frequency=Frequency(frequency),
        first_meeting_at=local_datetime(form.get("first_meeting_at"), TIMEZONE),
        until=local_datetime(form.get("until"), TIMEZONE),
        timezone=TIMEZONE,
    )
    agreement = await mentoring.propose_mentoring(proposal, viewer.actor, terms)
    raise web.HTTPSeeOther(f"/proposals/{proposal.id}#agreement-{agreement.id}")


async def confirm_meeting_post(request: web.Request) -> web.Response:
    """The mentor or the mentee says a meeting took place."""
    viewer = await require_viewer(request)
    agreement = await agreements.get_agreement(int(request.match_info["id"]))
    if viewer.actor.id not in (agreement.provider_id, agreement.receiver_id):
        raise Forbidden("Only the mentor and the mentee confirm their meetings.")
    await mentoring.confirm_meeting(agreement, int(request.match_info["meeting_id"]), by=viewer.actor)
    raise web.HTTPSeeOther(f"/proposals/{agreement.proposal_id}#agreement-{agreement.id}")
