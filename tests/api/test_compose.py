"""Tests for fedaid/api/compose.py: reading a proposal out of a plain status. No database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fedaid import i18n
from fedaid.activitypub.hashtags import hashtags_in as hashtags
from fedaid.api.compose import NotAProposal, read_proposal
from fedaid.domain.categories import DEFAULT_CATEGORIES
from fedaid.domain.category_words import GENERAL, CategoryChoice
from fedaid.models import ProposalPurpose

CATEGORIES = [CategoryChoice("transport", "Transport", "Transport"), CategoryChoice("comptabilite", "Compta", "Books")]
EVERY = [CategoryChoice(slug, fr, en) for entries in DEFAULT_CATEGORIES.values() for slug, fr, en in entries]


@pytest.fixture(autouse=True)
def english():
    token = i18n.current_language.set("en")
    yield
    i18n.current_language.reset(token)


def test_a_status_without_purpose_hashtag_is_not_a_proposal() -> None:
    assert read_proposal("Bonjour #transport", CATEGORIES) is None
    assert hashtags("a #Offre, b #offre c&#39;#x http://e.org/#frag") == ["offre", "x"]


def test_an_offer_reads_title_hours_place_expiry_and_category() -> None:
    draft = read_proposal(
        "Aide pour un déménagement\n2,5 h · 📍 Lyon 7e · jusqu'au 2026-05-01\n#offre #Transport #velo",
        CATEGORIES,
        today=date(2026, 4, 1),
    )
    assert draft.purpose == ProposalPurpose.OFFER and draft.title == "Aide pour un déménagement"
    assert draft.hours == Decimal("2.5") and draft.place_name == "Lyon 7e" and draft.category == "transport"
    assert draft.tags == ("velo",) and draft.expires_at.date() == date(2026, 5, 1) and not draft.remote_ok


def test_a_request_in_english_at_a_distance() -> None:
    draft = read_proposal("Bookkeeping help, 3 hours #request #comptabilite #remote", CATEGORIES)
    assert draft.purpose == ProposalPurpose.REQUEST and draft.hours == 3 and draft.remote_ok
    assert draft.title == "Bookkeeping help, 3 hours"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("#offre #demande", "both an offer"),
        ("#offre #transport", "title"),
        ("Cours de yoga #offre", "one of: #transport #comptabilite"),
        ("Compta et transport #offre #transport #comptabilite", "one category"),
        ("Vélo 5000 h #offre #transport", "between 0.25 and 1000"),
        ("Vélo until 2020-01-01 #offer #transport", "already past"),
    ],
)
def test_an_incomplete_proposal_says_what_to_change(text: str, says: str) -> None:
    with pytest.raises(NotAProposal, match=says) as err:
        read_proposal(text, CATEGORIES, today=date(2026, 1, 1))
    assert err.value.status == 422


def test_without_categories_configured_none_is_needed() -> None:
    assert read_proposal("Un coup de main #demande", []).category == ""


@pytest.mark.parametrize(
    ("text", "category", "hours"),
    [
        ("#offre Je prête ma perceuse", "pret", Decimal(1)),
        ("I can lend my ladder #offer", "pret", Decimal(1)),
        ("Besoin d'un coup de main pour un déménagement #demande", "transport", Decimal(3)),
        ("Babysitting mercredi #offre", "gardedenfants", Decimal(3)),
        ("Aide pour mes factures et la TVA, 1,5 h #demande", "comptabilite", Decimal("1.5")),
        ("Un café ensemble ? #offre", GENERAL, Decimal(1)),
    ],
)
def test_without_a_category_hashtag_the_words_choose_it(text: str, category: str, hours: Decimal) -> None:
    draft = read_proposal(text, EVERY)
    assert draft is not None and draft.category == category and draft.hours == hours


def test_errors_are_in_the_members_language_and_list_every_choice() -> None:
    token = i18n.current_language.set("fr")
    try:
        with pytest.raises(NotAProposal) as err:
            read_proposal("Un café ensemble ? #offre", CATEGORIES)
        assert str(err.value) == "Ajoutez le hashtag d’une catégorie, parmi : #transport #comptabilite."
        with pytest.raises(NotAProposal, match="une seule catégorie"):
            read_proposal("Vélo #offre #transport #pret", EVERY)
    finally:
        i18n.current_language.reset(token)
    with pytest.raises(NotAProposal) as err:
        read_proposal("Bike #offer #transport #pret", EVERY)
    assert all(f"#{choice.slug}" in str(err.value) for choice in EVERY)
