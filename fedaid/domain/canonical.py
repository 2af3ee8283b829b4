"""The ActivityPub id behind each web address: a proposal's page is its post's Note, a demand's page its
Question, a session's page its Event, a circle's page its Group, the home and about pages the collective.

Only objects everyone may see are named (public or unlisted posts); for the others the answer is None, so a
web address never reveals what its id would not show.
"""

from __future__ import annotations

from fedaid.domain.visibility import EVERYONE
from fedaid.errors import NotFound
from fedaid.models import Actor, ActorType, CoachingSession, Demand, Post, Proposal
from fedaid.models.ids import possible_id


def _number(text: str) -> int:
    number = possible_id(text)
    if number is None:
        raise NotFound("There is nothing here with that number.")
    return number


def _shown(post: Post | None) -> str:
    if post is None or post.visibility not in EVERYONE:
        raise NotFound("There is nothing here with that number.")
    return post.ap_id


async def proposal_ap_id(text: str) -> str:
    """The id of the Note of proposal number `text` (local or received)."""
    proposal = await Proposal.filter(id=_number(text)).select_related("post").first()
    return _shown(proposal.post if proposal else None)


async def post_ap_id(text: str) -> str:
    """The id of post number `text`."""
    return _shown(await Post.get_or_none(id=_number(text)))


async def demand_ap_id(text: str) -> str:
    """The id of the Question of demand number `text` (published demands only)."""
    demand = await Demand.filter(id=_number(text)).select_related("post").first()
    post = demand.post if demand else None
    if demand is not None and demand.ap_id and post is not None and post.visibility in EVERYONE:
        return demand.ap_id
    raise NotFound("There is no such demand.")


async def session_ap_id(text: str) -> str:
    """The id of the Event of session number `text`."""
    session = await CoachingSession.get_or_none(id=_number(text))
    if session is None:
        raise NotFound("There is no such session.")
    return session.ap_id


async def local_group_ap_id(username: str) -> str:
    """The id of a local Group (the collective, or a circle) by its name."""
    group = await Actor.get_or_none(username=username, is_local=True, type=ActorType.GROUP, deleted_at__isnull=True)
    if group is None:
        raise NotFound("There is no such group here.")
    return group.ap_id
