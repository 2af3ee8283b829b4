"""One hashtag-proposal grammar (fedaid/activitypub/hashtags.py): a status typed in a Mastodon app here
(api/compose.py) and the same text received as a Mastodon Note from another server
(activitypub/parse/proposals.py) read as the same proposal. No database."""

from __future__ import annotations

from datetime import date

import pytest

from fedaid import i18n
from fedaid.activitypub.notes import text_to_html
from fedaid.activitypub.parse import parse_note
from fedaid.api.compose import NotAProposal, read_proposal
from fedaid.domain.category_words import CategoryChoice, default_hours

CATEGORIES = [CategoryChoice("transport", "Transport", "Transport"), CategoryChoice("bricolage", "Bricolage", "DIY")]
AUTHOR = "https://masto.example/users/ana"
TEXTS = [
    "Aide pour un déménagement samedi\n2 h · 📍 Lyon 7e · jusqu'au 2026-05-01\n#offre #bricolage #velo",
    "#demande Qui peut m'aider 1,5 heures pour un trajet ? #transport #adistance",
    "Covoiturage vers Grenoble #offer #transport\nuntil 2026-06-30 · place: Gare Part-Dieu",
    "Réparer un vélo #request #bricolage",  # no hours: the category's default
]


@pytest.fixture(autouse=True)
def english():
    token = i18n.current_language.set("en")
    yield
    i18n.current_language.reset(token)


def received(text: str) -> object:
    """The text as a Mastodon Note: its HTML, and its hashtags in `tag`."""
    content, hashtags = text_to_html(text, base_url="https://masto.example", mentions=[])
    doc = {
        "id": f"{AUTHOR}/statuses/1",
        "type": "Note",
        "attributedTo": AUTHOR,
        "content": content,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "tag": [{"type": "Hashtag", "name": f"#{name}"} for name in hashtags],
    }
    return parse_note(doc).proposal


@pytest.mark.parametrize("text", TEXTS)
def test_a_status_here_and_the_same_text_received_read_alike(text: str) -> None:
    draft = read_proposal(text, CATEGORIES, today=date(2026, 4, 1))
    proposal = received(text)
    assert draft is not None and proposal is not None and proposal.is_from_hashtags
    assert (proposal.purpose, proposal.title, proposal.remote_ok) == (draft.purpose, draft.title, draft.remote_ok)
    assert (proposal.place.name if proposal.place else "") == draft.place_name
    assert proposal.expires_at == draft.expires_at
    # The category is the first hashtag naming one (domain/proposals.py for received posts); the rest are tags.
    assert draft.category in proposal.tags
    assert tuple(tag for tag in proposal.tags if tag != draft.category) == draft.tags
    hours = default_hours(draft.category) if proposal.hours_from_category else proposal.hours
    assert hours == draft.hours


def test_a_text_naming_both_purposes_is_refused_here_and_no_proposal_when_received() -> None:
    text = "Échange de services #offre #demande"
    with pytest.raises(NotAProposal):
        read_proposal(text, CATEGORIES)
    assert received(text) is None


def test_a_text_without_purpose_hashtag_is_no_proposal_either_way() -> None:
    assert read_proposal("Bonjour #transport", CATEGORIES) is None and received("Bonjour #transport") is None
    assert read_proposal("Bonjour", CATEGORIES) is None and received("Bonjour") is None
