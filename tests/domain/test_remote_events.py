"""fedaid/domain/remote_events.py: which Events published elsewhere are kept, and who may send them."""

from __future__ import annotations

import json

import pytest
from mutual_aid_factories import follow, make_local, make_remote

from fedaid.activitypub.parse.events import parse_event
from fedaid.db import Database
from fedaid.domain.remote_events import receive_event
from fedaid.errors import InvalidActivity
from fedaid.models import CoachingSession

from testsupport import FIXTURES

MOBILIZON = "rendezvous.nomagic.uk"


def mobilizon_event(**changes: str) -> dict:
    """Mobilizon's group event (fixture mobilizon/event.json): attributed to the group, `actor` its organiser."""
    doc = json.loads((FIXTURES / "mobilizon" / "event.json").read_text())
    doc.update(changes)
    return doc


async def test_a_group_event_sent_by_its_organiser_is_kept_when_followed_here(db: Database) -> None:
    organiser = await make_remote("emorrp1", MOBILIZON)
    doc = mobilizon_event(actor=organiser.ap_id, attributedTo=f"https://{MOBILIZON}/@devon_caledonian_society")
    # Nobody here follows the organiser: nothing is kept
    assert await receive_event(parse_event(doc), organiser) is None
    await follow(await make_local("ana"), organiser)
    session = await receive_event(parse_event(doc), organiser)
    assert session is not None and not session.is_local and session.organizer_id == organiser.id
    assert session.title == doc["name"]


async def test_an_event_claiming_another_sender_or_a_group_elsewhere_is_refused(db: Database) -> None:
    organiser = await make_remote("emorrp1", MOBILIZON)
    await follow(await make_local("ana"), organiser)
    # Attributed to someone else, with someone else as its actor
    other = mobilizon_event(actor=f"https://{MOBILIZON}/@someone", attributedTo=f"https://{MOBILIZON}/@someone")
    with pytest.raises(InvalidActivity, match="another actor"):
        await receive_event(parse_event(other), organiser)
    # Sent by its actor, but attributed to a group on another server
    elsewhere = mobilizon_event(actor=organiser.ap_id, attributedTo="https://mobilizon.example/@group")
    with pytest.raises(InvalidActivity, match="another server"):
        await receive_event(parse_event(elsewhere), organiser)
    assert await CoachingSession.all().count() == 0
