"""An exchange with a Mastodon user counts: ana's confirmation reaches them as a signed direct note naming a
Like and the words to reply; their Like of it, or a reply carrying a word, is their side of the exchange, and
a reply with "contesté" marks it disputed. The fake Mastodon signs its Like and replies as Mastodon does
(shapes from tests/fixtures/real/mastodon/undo_like_page.json and create_direct_message.json)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from fedaid.domain import agreements, exchanges, responses
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.ledger import ledger_of
from fedaid.domain.members import add_member
from fedaid.domain.proposals import ProposalTerms, create_proposal
from fedaid.domain.visibility import local_viewer
from fedaid.models import (
    Actor,
    Agreement,
    AgreementState,
    ConfirmationWay,
    Exchange,
    Notification,
    NotificationKind,
    ProposalPurpose,
)
from tests.web.helpers import Visitor

from fakes.remote_instance import start_fake_remote
from testsupport import FIXTURES, PASSWORD, drain

AS = "https://www.w3.org/ns/activitystreams"
MASTODON = FIXTURES / "mastodon"


def mastodon_reply(fake, number: int, text: str, *, to: str, in_reply_to: str) -> dict[str, Any]:
    """A direct reply as Mastodon sends it (create_direct_message.json), by alice, wrapped in its Create."""
    note = json.loads((MASTODON / "create_direct_message.json").read_text())
    actor = fake.actor_id("alice")
    note.pop("@context")
    note.update(
        id=fake.url(f"/users/alice/statuses/{number}"),
        url=fake.url(f"/@alice/{number}"),
        attributedTo=actor,
        inReplyTo=in_reply_to,
        to=[to],
        content=f'<p><span class="h-card"><a href="{to}" class="u-url mention">@<span>ana</span></a></span> {text}</p>',
        tag=[{"type": "Mention", "href": to, "name": "@ana"}],
    )
    for key in ("contentMap", "atomUri", "inReplyToAtomUri", "conversation", "replies"):
        note.pop(key)
    return {
        "@context": AS,
        "id": f"{note['id']}/activity",
        "type": "Create",
        "actor": actor,
        "to": [to],
        "object": note,
    }


def mastodon_like(fake, user: str, number: int, object_id: str) -> dict[str, Any]:
    """A favourite as Mastodon federates it: the Like inside undo_like_page.json."""
    like = json.loads((MASTODON / "undo_like_page.json").read_text())["object"]
    actor = fake.actor_id(user)
    return {"@context": AS, **like, "id": f"{actor}#likes/{number}", "actor": actor, "object": object_id}


@pytest.fixture
async def agreed(make_instance, aiohttp_server):
    """alice (Mastodon) answered ana's request by a reply, ana made it an agreement and confirmed the help was
    given: (instance, fake, agreement, ana, the direct note alice received)."""
    drivers = await make_instance("drivers")
    fake = await start_fake_remote(aiohttp_server, usernames=("alice", "bob"))
    with drivers.db.active():
        await ensure_default_categories()
        ana = (await add_member(drivers.base_url, "ana", email="ana@example.org", password=PASSWORD)).actor
        request = await create_proposal(
            ana,
            ProposalTerms(
                purpose=ProposalPurpose.REQUEST,
                title="Relire nos statuts",
                text="Une heure de relecture juridique.",
                category="administratif",
                hours=Decimal(1),
            ),
            language="fr",
        )
    reply = mastodon_reply(fake, 7, "Je suis juriste, je peux relire.", to=ana.ap_id, in_reply_to=request.post.ap_id)
    status, _ = await fake.post_signed(f"{drivers.base_url}/inbox", reply)
    assert status == 202
    await drain(drivers)
    with drivers.db.active():
        [response] = await responses.list_responses(request, local_viewer(ana))
        agreement = await agreements.agree_to_response(response, by=ana)
        await exchanges.confirm_exchange(agreement, by=ana)
    await drain(drivers)
    # Two direct notes reach alice, in either order: "C'est d'accord" when the agreement was made, then this one
    [asking] = [
        seen
        for seen in fake.received
        if seen.activity["type"] == "Create" and "aimez ce message" in seen.activity["object"]["content"]
    ]
    assert asking.verified and asking.key_id.startswith(ana.ap_id)
    return drivers, fake, agreement, ana, asking.activity["object"]


async def exchange_of(instance, agreement: Agreement) -> tuple[Exchange, AgreementState]:
    with instance.db.active():
        exchange = await Exchange.get(agreement_id=agreement.id)
        return exchange, (await Agreement.get(id=agreement.id)).state


async def hours_of(instance, username: str) -> tuple[Decimal, Decimal]:
    with instance.db.active():
        ledger = await ledger_of(await Actor.get(username=username, is_local=True))
        return ledger.given, ledger.received


async def send(instance, fake, activity: dict[str, Any], user: str = "alice") -> None:
    status, text = await fake.post_signed(f"{instance.base_url}/inbox", activity, as_user=user)
    assert status == 202, text
    await drain(instance)


async def test_the_direct_note_names_the_like_and_the_words(agreed):
    _, fake, _, ana, note = agreed
    assert note["to"] == [fake.actor_id("alice")] and note["cc"] == []
    assert {"type": "Mention", "href": fake.actor_id("alice"), "name": f"@alice@{fake.domain}"} in note["tag"]
    for words in ("Je confirme notre échange : 1 h", "aimez ce message", "« confirmé »", "« contesté »"):
        assert words in note["content"], words


async def test_a_like_of_the_note_by_the_mastodon_user_confirms_and_the_ledger_counts_it(agreed):
    drivers, fake, agreement, ana, note = agreed
    # Given a like by someone else: it confirms nothing
    await send(drivers, fake, mastodon_like(fake, "bob", 1, note["id"]), user="bob")
    exchange, _ = await exchange_of(drivers, agreement)
    assert exchange.provider_confirmed_at is None
    # When alice likes the note
    await send(drivers, fake, mastodon_like(fake, "alice", 2, note["id"]))
    # Then her side is confirmed by a like, the agreement is fulfilled and ana's ledger counts the hour
    exchange, state = await exchange_of(drivers, agreement)
    assert exchange.provider_confirmed_via == ConfirmationWay.LIKE
    assert exchange.receiver_confirmed_via == ConfirmationWay.HERE
    assert exchange.is_confirmed and state == AgreementState.FULFILLED
    assert await hours_of(drivers, "ana") == (Decimal(0), Decimal(1))
    with drivers.db.active():
        assert await Notification.filter(recipient=ana, kind=NotificationKind.EXCHANGE, action="").exists()
    # And the same like again changes nothing
    await send(drivers, fake, mastodon_like(fake, "alice", 2, note["id"]))
    assert await hours_of(drivers, "ana") == (Decimal(0), Decimal(1))
    # And ana's agreements page says which way alice confirmed
    visitor = Visitor(drivers.base_url)
    try:
        await visitor.sign_in("ana")
        page = await visitor.get("/agreements")
        assert "Confirmé par Alice" in page and "en aimant le message de confirmation" in page, page.text
    finally:
        await visitor.close()


@pytest.mark.parametrize("text", ["Confirmé, merci !", "Agreed, thanks", "C'est d’accord 👍"])
async def test_a_reply_with_a_confirmation_word_confirms(agreed, text):
    drivers, fake, agreement, ana, note = agreed
    await send(drivers, fake, mastodon_reply(fake, 8, text, to=ana.ap_id, in_reply_to=note["id"]))
    exchange, state = await exchange_of(drivers, agreement)
    assert exchange.provider_confirmed_via == ConfirmationWay.REPLY
    assert exchange.provider_confirmation_ap_id == fake.url("/users/alice/statuses/8")
    assert state == AgreementState.FULFILLED and await hours_of(drivers, "ana") == (Decimal(0), Decimal(1))


async def test_a_reply_with_a_dispute_word_marks_it_disputed_and_it_never_counts(agreed):
    drivers, fake, agreement, ana, note = agreed
    # A reply that negates the word confirms nothing
    await send(
        drivers, fake, mastodon_reply(fake, 8, "Pas d'accord, je n'ai rien reçu", to=ana.ap_id, in_reply_to=note["id"])
    )
    exchange, _ = await exchange_of(drivers, agreement)
    assert exchange.provider_confirmed_at is None and exchange.disputed_at is None
    # When alice replies "contesté"
    await send(
        drivers,
        fake,
        mastodon_reply(fake, 9, "Contesté : la relecture n'a pas eu lieu.", to=ana.ap_id, in_reply_to=note["id"]),
    )
    # Then the exchange is disputed, ana is told, and nothing counts
    exchange, state = await exchange_of(drivers, agreement)
    assert exchange.disputed_at is not None and exchange.dispute_ap_id == fake.url("/users/alice/statuses/9")
    assert not exchange.is_confirmed and state == AgreementState.ACCEPTED
    with drivers.db.active():
        assert await Notification.filter(recipient=ana, kind=NotificationKind.EXCHANGE, action="disputed").exists()
    # And a like afterwards does not turn it into a confirmation
    await send(drivers, fake, mastodon_like(fake, "alice", 3, note["id"]))
    exchange, _ = await exchange_of(drivers, agreement)
    assert exchange.provider_confirmed_at is None
    assert await hours_of(drivers, "ana") == (Decimal(0), Decimal(0))
