"""Tests for fedaid/api/compose.py: reading a proposal out of a plain status. No database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fedaid.activitypub.hashtags import hashtags_in as hashtags
from fedaid.api.compose import NotAProposal, read_proposal
from fedaid.models import ProposalPurpose

CATEGORIES = ["transport", "comptabilite"]


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
        ("Cours de vélo #offre", "category"),
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
