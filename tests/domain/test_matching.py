"""Tests for fedaid/domain/matching.py: who hears of a new offer or request."""

from __future__ import annotations

from decimal import Decimal

import pytest
from mutual_aid_factories import LYON, PARIS, VILLEURBANNE, follow, make_local, make_proposal

from fedaid.db import Database
from fedaid.domain.alerts import AlertCriteria, add_alert
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.matching import notify_matches
from fedaid.errors import InvalidInput
from fedaid.models import (
    Actor,
    AlertSubscription,
    Notification,
    NotificationKind,
    ProposalPurpose,
    Visibility,
)

NOWHERE = {"place_name": "", "latitude": None, "longitude": None, "remote_ok": False}


@pytest.fixture
async def members(db: Database) -> dict[str, Actor]:
    await ensure_default_categories()
    return {name: await make_local(name) for name in ("ana", "bo", "cy", "di", "ed")}


async def matched(post_id: int) -> set[str]:
    rows = await Notification.filter(post_id=post_id, kind=NotificationKind.MATCH).prefetch_related("recipient")
    return {row.recipient.username for row in rows}


async def test_a_new_request_notifies_offers_sharing_category_tag_or_area(members: dict[str, Actor]) -> None:
    # Given open offers: same category (bo), a shared tag (cy), nearby (di), unrelated and far (ed)
    await make_proposal(members["bo"], category="comptabilite", **NOWHERE)
    await make_proposal(members["cy"], category="design", tags=["tva"], **NOWHERE)
    await make_proposal(
        members["di"],
        category="transport",
        place_name="Villeurbanne",
        latitude=VILLEURBANNE[0],
        longitude=VILLEURBANNE[1],
        remote_ok=False,
    )
    await make_proposal(
        members["ed"], category="transport", place_name="Paris", latitude=PARIS[0], longitude=PARIS[1], remote_ok=False
    )
    # and another request in the same category, which is no match for a request
    await make_proposal(members["ed"], purpose=ProposalPurpose.REQUEST, category="comptabilite", **NOWHERE)
    # When ana asks for accounting help with VAT in Lyon
    request = await make_proposal(
        members["ana"],
        purpose=ProposalPurpose.REQUEST,
        category="comptabilite",
        tags=["tva"],
        place_name="Lyon",
        latitude=LYON[0],
        longitude=LYON[1],
    )
    # Then bo, cy and di are notified, once each, and not ana herself
    assert await matched(request.post_id) == {"bo", "cy", "di"}
    assert await notify_matches(request) == 0  # running again notifies nobody twice


async def test_a_new_offer_notifies_open_requesters(members: dict[str, Actor]) -> None:
    await make_proposal(members["bo"], purpose=ProposalPurpose.REQUEST, category="traduction", **NOWHERE)
    offer = await make_proposal(members["ana"], category="traduction", **NOWHERE)
    assert await matched(offer.post_id) == {"bo"}


async def test_alert_subscriptions_need_every_criterion_they_set(members: dict[str, Actor]) -> None:
    # bo: any request in design; cy: tag "logo" near Lyon; di: offers only; ed: design but in Paris
    await AlertSubscription.create(actor=members["bo"], category="design")
    await AlertSubscription.create(actor=members["cy"], tag="logo", latitude=LYON[0], longitude=LYON[1], radius_km=10)
    await AlertSubscription.create(actor=members["di"], purpose=ProposalPurpose.OFFER, category="design")
    await AlertSubscription.create(actor=members["ed"], category="design", latitude=PARIS[0], longitude=PARIS[1])
    request = await make_proposal(
        members["ana"],
        purpose=ProposalPurpose.REQUEST,
        category="design",
        tags=["logo"],
        place_name="Villeurbanne",
        latitude=VILLEURBANNE[0],
        longitude=VILLEURBANNE[1],
        remote_ok=False,
    )
    assert await matched(request.post_id) == {"bo", "cy"}


async def test_an_alert_naming_a_place_without_coordinates_matches_proposals_in_that_place(
    members: dict[str, Actor],
) -> None:
    # bo and cy typed a town in the alert form (no coordinates); di wants design anywhere
    await add_alert(members["bo"], AlertCriteria(place_name="villeurbanne"))
    await add_alert(members["cy"], AlertCriteria(place_name="Paris"))
    await add_alert(members["di"], AlertCriteria(category="design"))
    request = await make_proposal(
        members["ana"],
        purpose=ProposalPurpose.REQUEST,
        category="design",
        place_name="Villeurbanne (Gratte-Ciel)",
        latitude=VILLEURBANNE[0],
        longitude=VILLEURBANNE[1],
        remote_ok=False,
    )
    assert await matched(request.post_id) == {"bo", "di"}


async def test_alerts_need_a_criterion_and_both_coordinates(members: dict[str, Actor]) -> None:
    with pytest.raises(InvalidInput, match="Choose a category"):
        await add_alert(members["bo"], AlertCriteria(tag="  #  "))
    with pytest.raises(InvalidInput, match="both latitude and longitude"):
        await add_alert(members["bo"], AlertCriteria(latitude=LYON[0]))
    alert = await add_alert(members["bo"], AlertCriteria(tag="#Vélo"))
    assert alert.tag == "vélo" and await AlertSubscription.filter(actor=members["bo"]).count() == 1


async def test_remote_friendly_proposals_reach_alerts_anywhere(members: dict[str, Actor]) -> None:
    await AlertSubscription.create(actor=members["ed"], category="design", latitude=PARIS[0], longitude=PARIS[1])
    request = await make_proposal(
        members["ana"], purpose=ProposalPurpose.REQUEST, category="design", hours=Decimal(1), remote_ok=True
    )
    assert await matched(request.post_id) == {"ed"}


async def test_direct_proposals_notify_nobody(members: dict[str, Actor]) -> None:
    await AlertSubscription.create(actor=members["bo"], category="design")
    request = await make_proposal(
        members["ana"], purpose=ProposalPurpose.REQUEST, category="design", visibility=Visibility.DIRECT
    )
    assert await matched(request.post_id) == set()


async def test_alerts_reach_only_members_who_may_see_the_proposal(members: dict[str, Actor]) -> None:
    # Given alerts by bo, who follows ana, and by cy, who does not
    await follow(members["bo"], members["ana"])
    for name in ("bo", "cy"):
        await AlertSubscription.create(actor=members[name], category="design")
    # When ana asks her followers only, then for members
    followers_only = await make_proposal(
        members["ana"], purpose=ProposalPurpose.REQUEST, category="design", visibility=Visibility.FOLLOWERS
    )
    for_members = await make_proposal(
        members["ana"], purpose=ProposalPurpose.REQUEST, category="design", visibility=Visibility.MEMBERS
    )
    # Then only her follower hears of the first, every member with an alert of the second
    assert await matched(followers_only.post_id) == {"bo"}
    assert await matched(for_members.post_id) == {"bo", "cy"}
