"""Members post, edit, close, respond, agree and confirm through the forms; bad input is refused beside its field."""

from __future__ import annotations

import re

import pytest

from fedaid.domain.categories import ensure_default_categories
from fedaid.models import Agreement, AgreementState, AlertSubscription, Proposal, ProposalStatus
from tests.web.helpers import Visitor, make_member


@pytest.fixture
async def instance(make_instance):
    instance = await make_instance("drivers")
    with instance.db.active():
        await ensure_default_categories()
        await make_member(instance.base_url, "ana")
        await make_member(instance.base_url, "bea")
    return instance


@pytest.fixture
async def ana(instance):
    visitor = Visitor(instance.base_url)
    await visitor.sign_in("ana")
    yield visitor
    await visitor.close()


@pytest.fixture
async def bea(instance):
    visitor = Visitor(instance.base_url)
    await visitor.sign_in("bea")
    yield visitor
    await visitor.close()


OFFER = {
    "purpose": "offer",
    "title": "Relecture de devis",
    "text": "Je relis vos devis en anglais.",
    "category": "communication",
    "tags": "devis anglais",
    "hours": "1,5",
    "place_name": "Lyon",
    "remote_ok": "on",
    "visibility": "public",
}


def proposal_id(page) -> int:
    match = re.search(r"/proposals/(\d+)", page.url)
    assert match, page.url
    return int(match.group(1))


async def test_a_new_offer_with_bad_input_is_refused_beside_each_field_and_keeps_what_was_typed(ana):
    await ana.get("/proposals/new")
    page = await ana.post(
        "/proposals/new", {**OFFER, "title": "", "hours": "beaucoup", "tags": "a/b", "expires_on": "2001-01-01"}
    )
    assert page.status == 400
    for field in ("title", "hours", "tags", "expires_on"):
        assert f'id="{field}-error"' in page, field
    assert 'value="beaucoup"' in page and "Je relis vos devis en anglais." in page
    assert 'value="Lyon"' in page and "checked" in page
    assert "Remplissez ce champ." in page


async def test_post_edit_and_close_an_offer(instance, ana):
    await ana.get("/proposals/new")
    page = await ana.post("/proposals/new", OFFER)
    assert page.status == 200 and "Relecture de devis" in page and "1,5 h" in page
    pid = proposal_id(page)
    page = await ana.get(f"/proposals/{pid}/edit")
    assert 'value="Relecture de devis"' in page
    page = await ana.post(f"/proposals/{pid}/edit", {**OFFER, "title": "Relecture de devis et factures", "hours": "3"})
    assert page.status == 200 and "Relecture de devis et factures" in page and "3 h" in page
    page = await ana.post(f"/proposals/{pid}/close", {})
    assert "Fermée" in page
    with instance.db.active():
        assert (await Proposal.get(id=pid)).status == ProposalStatus.CLOSED


async def test_only_the_author_may_edit(ana, bea):
    await ana.get("/proposals/new")
    pid = proposal_id(await ana.post("/proposals/new", OFFER))
    assert (await bea.get(f"/proposals/{pid}/edit")).status == 403
    page = await bea.post(f"/proposals/{pid}/close", {}, from_page=f"/proposals/{pid}")
    assert page.status == 403


async def test_respond_offer_an_agreement_accept_and_both_confirm(instance, ana, bea):
    # Given ana's offer
    await ana.get("/proposals/new")
    pid = proposal_id(await ana.post("/proposals/new", OFFER))
    # When bea responds and proposes an agreement for more hours than there are, she is told so
    await bea.get(f"/proposals/{pid}")
    page = await bea.post(f"/proposals/{pid}/responses", {"text": "Oui !", "offer_agreement": "on", "hours": "9"})
    assert page.status == 400 and 'id="hours-error"' in page and "Oui !" in page
    page = await bea.post(
        f"/proposals/{pid}/responses", {"text": "Oui, merci !", "offer_agreement": "on", "hours": "1"}
    )
    assert page.status == 200 and "Oui, merci !" in page
    # Then ana sees it, accepts, and both confirm
    page = await ana.get(f"/proposals/{pid}")
    match = re.search(r'action="/agreements/(\d+)/accept"', page.text)
    assert match, "ana should see an Accept button"
    agreement_id = match.group(1)
    page = await ana.post(f"/agreements/{agreement_id}/accept", {})
    assert "Accepté" in page
    page = await ana.post(f"/agreements/{agreement_id}/confirm", {})
    assert "Confirmé par Ana" in page
    page = await bea.post(f"/agreements/{agreement_id}/confirm", {}, from_page="/agreements")
    assert page.status == 200
    with instance.db.active():
        agreement = await Agreement.get(id=int(agreement_id))
    assert agreement.state in (AgreementState.ACCEPTED, AgreementState.FULFILLED)
    # And the profiles count the hour
    assert "1 h" in (await ana.get("/u/ana")).text
    assert "1 h" in (await bea.get("/u/bea")).text
    page = await bea.get("/notifications")
    assert page.status == 200


async def test_the_author_agrees_to_a_plain_response(instance, ana, bea):
    await ana.get("/proposals/new")
    pid = proposal_id(await ana.post("/proposals/new", OFFER))
    await bea.post(f"/proposals/{pid}/responses", {"text": "Je veux bien."}, from_page=f"/proposals/{pid}")
    page = await ana.get(f"/proposals/{pid}")
    match = re.search(r'action="(/proposals/\d+/responses/\d+/agree)"', page.text)
    assert match
    page = await ana.post(match.group(1), {"hours": "1,5"})
    assert page.status == 200 and "Accepté" in page


async def test_settings_change_profile_language_and_alerts(instance, ana):
    page = await ana.get("/settings")
    page = await ana.post("/settings/profile", {"name": "", "summary": "x", "language": "fr"})
    assert page.status == 400 and 'id="name-error"' in page
    page = await ana.post(
        "/settings/profile",
        {"name": "Ana Lopez", "summary": "Je traduis.\n\nEt je relis.", "language": "en"},
        from_page="/settings",
    )
    assert page.status == 200 and '<html lang="en">' in page and "Saved." in page
    page = await ana.get("/u/ana")
    assert "Ana Lopez" in page and "<p>Je traduis.</p>" in page
    page = await ana.post(
        "/settings/alerts", {"purpose": "", "category": "", "tag": "", "place_name": ""}, from_page="/settings"
    )
    assert page.status == 400 and "Choose a category, a tag or a place." in page
    page = await ana.post(
        "/settings/alerts",
        {"purpose": "request", "category": "communication", "tag": "devis", "place_name": "Lyon"},
        from_page="/settings",
    )
    assert page.status == 200 and "#devis" in page
    with instance.db.active():
        alert = await AlertSubscription.get(tag="devis")
    page = await ana.post(f"/settings/alerts/{alert.id}/delete", {}, from_page="/settings")
    assert "#devis" not in page


async def test_signed_out_visitors_are_sent_to_sign_in(instance):
    visitor = Visitor(instance.base_url)
    try:
        for path in ("/proposals/new", "/agreements", "/notifications", "/settings"):
            page = await visitor.get(path, allow_redirects=False)
            assert page.status == 303 and page.headers["Location"].startswith("/signin?next="), path
    finally:
        await visitor.close()


async def test_a_post_url_leads_people_to_its_page(instance, ana):
    await ana.get("/proposals/new")
    page = await ana.post("/proposals/new", OFFER)
    pid = proposal_id(page)
    with instance.db.active():
        proposal = await Proposal.get(id=pid)
    page = await ana.get(f"/u/ana/posts/{proposal.post_id}")
    assert page.status == 200 and page.url.endswith(f"/proposals/{pid}")
    page = await ana.get(f"/posts/{proposal.post_id}")
    assert page.url.endswith(f"/proposals/{pid}")
    assert (await ana.get("/u/ana/posts/123")).status == 404
