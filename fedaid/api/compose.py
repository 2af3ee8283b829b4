"""Read a proposal out of a plain status: `#offre`/`#offer` or `#demande`/`#request` make it one.

The text's grammar (title, hours, place, expiry, hashtags) is `activitypub/hashtags.read_text_proposal`, which
also reads plain posts received from other servers. Here, the status's rules: the caller passes the categories
that exist; without a category hashtag, the words choose one (`domain.category_words`), else the general
category; hours default to the category's. Errors say what to change, in the language of the person typing
(`fedaid.i18n.current_language`), listing every choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from fedaid.activitypub.hashtags import PURPOSE_OF_TAG, end_of_day, read_text_proposal
from fedaid.clock import utcnow
from fedaid.domain.category_words import GENERAL, CategoryChoice, default_hours, guess_category
from fedaid.errors import InvalidInput
from fedaid.i18n import gettext as _
from fedaid.models import ProposalPurpose


class NotAProposal(InvalidInput):
    """The status asks to be a proposal but cannot be one; the message says what to change (a 422)."""

    status = 422


@dataclass(frozen=True)
class ProposalDraft:
    purpose: ProposalPurpose
    title: str
    category: str
    tags: tuple[str, ...]
    hours: Decimal
    place_name: str
    remote_ok: bool
    expires_at: datetime | None


def _one_purpose(purposes: frozenset[ProposalPurpose]) -> ProposalPurpose:
    """The purpose a status names; NotAProposal when it names both an offer and a request."""
    if len(purposes) > 1:
        raise NotAProposal(
            _(
                "A status cannot be both an offer (#offre, #offer) and a request (#demande, #request): "
                "keep one of these hashtags."
            )
        )
    (purpose,) = purposes
    return purpose


def names_a_proposal(text: str) -> bool:
    """Whether a status carries a purpose hashtag, so that `read_proposal` needs the categories."""
    return read_text_proposal(text) is not None


def read_proposal(text: str, categories: list[CategoryChoice], *, today: date | None = None) -> ProposalDraft | None:
    """The proposal a status describes, None when it has no purpose hashtag, NotAProposal when incomplete."""
    found = read_text_proposal(text)
    if found is None:
        return None
    purpose = _one_purpose(found.purposes)
    if not found.title:
        raise NotAProposal(_("A proposal needs a title: write it on the first line, before the hashtags."))
    category = _category(text, list(found.hashtags), categories)
    return ProposalDraft(
        purpose=purpose,
        title=found.title,
        category=category,
        tags=tuple(t for t in found.hashtags if t not in PURPOSE_OF_TAG and t != category),
        hours=_hours(found.hours, category),
        place_name=found.place_name,
        remote_ok=found.remote_ok,
        expires_at=_expiry(found.expiry_day, today or utcnow().date()),
    )


def _category(text: str, tags: list[str], categories: list[CategoryChoice]) -> str:
    """The category hashtag given, else the one the words name, else the general category."""
    if not categories:
        return ""
    slugs = [choice.slug for choice in categories]
    every = " ".join(f"#{slug}" for slug in slugs)
    chosen = [tag for tag in tags if tag in slugs]
    if len(chosen) > 1:
        raise NotAProposal(
            _(
                "Choose one category: %(chosen)s are all categories. Every category: %(every)s.",
                chosen=" ".join("#" + tag for tag in chosen),
                every=every,
            )
        )
    if chosen:
        return chosen[0]
    guessed = guess_category(text, categories)
    if guessed:
        return guessed
    if GENERAL in slugs:
        return GENERAL
    raise NotAProposal(_("Add the hashtag of a category, one of: %(every)s.", every=every))


def _hours(hours: Decimal | None, category: str) -> Decimal:
    if hours is None:
        return default_hours(category)
    if not Decimal("0.25") <= hours <= Decimal(1000):
        raise NotAProposal(_("The hours must be between 0.25 and 1000, e.g. 2 h."))
    return hours


def _expiry(written: str | None, today: date) -> datetime | None:
    if written is None:
        return None
    try:
        day = date.fromisoformat(written)
    except ValueError:
        raise NotAProposal(_("%(day)s is not a date: write it as 2026-05-01.", day=written)) from None
    if day < today:
        raise NotAProposal(_("The expiry date is already past."))
    return end_of_day(day)
