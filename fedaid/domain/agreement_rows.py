"""What the agreement rules share: creating an agreement row, moving its state conditionally, finding its
proposal, post and offerer, and notifying a party of a step."""

from __future__ import annotations

from decimal import Decimal

from fedaid.clock import utcnow
from fedaid.domain.notifications import notify
from fedaid.errors import Conflict
from fedaid.models import Actor, Agreement, AgreementState, NotificationKind, Post, Proposal, ProposalPurpose
from fedaid.models.ids import new_id


async def create_agreement(
    proposal: Proposal,
    post: Post,
    author: Actor,
    other: Actor,
    hours: Decimal,
    state: AgreementState,
    *,
    response: Post | None = None,
    offer_activity_id: str | None = None,
) -> Agreement:
    """A new agreement row: ids minted here for what this server owns."""
    agreement_id = new_id()
    provider, receiver = (author, other) if proposal.purpose == ProposalPurpose.OFFER else (other, author)
    if offer_activity_id is None and other.is_local:
        offer_activity_id = f"{other.ap_id}/offers/{agreement_id}"
    return await Agreement.create(
        id=agreement_id,
        ap_id=f"{post.ap_id}/agreements/{agreement_id}" if post.is_local else None,
        proposal=proposal,
        response=response,
        provider=provider,
        receiver=receiver,
        hours=hours,
        state=state,
        offer_activity_id=offer_activity_id,
    )


async def move_agreement(agreement: Agreement, old: AgreementState, new: AgreementState) -> bool:
    """A conditional state change: False when another change got there first."""
    changed = await Agreement.filter(id=agreement.id, state=old).update(state=new, updated_at=utcnow())
    if changed:
        agreement.state = new
    return bool(changed)


async def live_post_of(proposal: Proposal) -> Post:
    post = await Post.get(id=proposal.post_id).prefetch_related("author")
    if post.is_deleted:
        raise Conflict("This offer or request was deleted.")
    proposal.post = post
    return post


async def proposal_and_post(agreement: Agreement) -> tuple[Proposal, Post]:
    proposal = await Proposal.get(id=agreement.proposal_id)
    return proposal, await live_post_of(proposal)


async def offerer_of(agreement: Agreement, post: Post) -> Actor:
    """The party who is not the proposal's author."""
    other_id = agreement.receiver_id if agreement.provider_id == post.author_id else agreement.provider_id
    return await Actor.get(id=other_id)


async def notify_step(recipient: Actor, sender: Actor, post: Post, agreement: Agreement, action: str) -> None:
    """One notification of this step, saying what `sender` did (`notifications.notify` merges it with the
    response it came with)."""
    await notify(
        recipient, NotificationKind.AGREEMENT, from_actor=sender, post=post, agreement=agreement, action=action
    )
