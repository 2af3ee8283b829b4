"""Read a proposal out of a plain status: `#offre`/`#offer` or `#demande`/`#request` make it one.

A Mastodon app has only a text box, so the text carries the fields:
```
Aide pour un déménagement samedi          ← first line: the title
2 h · 📍 Lyon · jusqu'au 2026-05-01        ← hours, place (or #adistance / #remote), expiry
#offre #bricolage                          ← purpose and category hashtags
```
Pure: the caller passes the categories that exist. Without a category hashtag, the words choose one
(`domain.category_words`), else the general category; hours default to the category's. Errors say what to
change, in the language of the person typing (`fedaid.i18n.current_language`), listing every choice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from fedaid.activitypub.hashtags import HASHTAG, PURPOSE_OF_TAG, hashtags_in, hours_in_text, purposes_of
from fedaid.activitypub.parse.proposals import REMOTE_TAGS
from fedaid.clock import utcnow
from fedaid.domain.category_words import GENERAL, CategoryChoice, default_hours, guess_category
from fedaid.errors import InvalidInput
from fedaid.i18n import gettext as _
from fedaid.models import ProposalPurpose

PLACE = re.compile(r"(?:📍|\b(?:lieu|place|à|in)\s*:)\s*([^\n#·|]{1,200})", re.IGNORECASE)
EXPIRY = re.compile(r"(?:jusqu'au|jusqu’au|until|expires?|expire le)\s+(\d{4}-\d{2}-\d{2})", re.IGNORECASE)
MAX_TITLE = 200


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


def purpose_of(tags: list[str]) -> ProposalPurpose | None:
    """OFFER or REQUEST when the tags say so; NotAProposal when they say both."""
    purposes = purposes_of(tags)
    if len(purposes) > 1:
        raise NotAProposal(
            _(
                "A status cannot be both an offer (#offre, #offer) and a request (#demande, #request): "
                "keep one of these hashtags."
            )
        )
    return purposes.pop() if purposes else None


def read_proposal(text: str, categories: list[CategoryChoice], *, today: date | None = None) -> ProposalDraft | None:
    """The proposal a status describes, None when it has no purpose hashtag, NotAProposal when incomplete."""
    tags = hashtags_in(text)
    purpose = purpose_of(tags)
    if purpose is None:
        return None
    title = _title(text)
    if not title:
        raise NotAProposal(_("A proposal needs a title: write it on the first line, before the hashtags."))
    category = _category(text, tags, categories)
    return ProposalDraft(
        purpose=purpose,
        title=title,
        category=category,
        tags=tuple(t for t in tags if t not in PURPOSE_OF_TAG and t != category),
        hours=_hours(text, category),
        place_name=_place(text),
        remote_ok=bool(REMOTE_TAGS & set(tags)),
        expires_at=_expiry(text, today or utcnow().date()),
    )


def _title(text: str) -> str:
    for line in text.splitlines():
        words = HASHTAG.sub("", line).strip(" \t·-—:")
        if words:
            return words[:MAX_TITLE]
    return ""


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


def _hours(text: str, category: str) -> Decimal:
    hours = hours_in_text(text)
    if hours is None:
        return default_hours(category)
    if not Decimal("0.25") <= hours <= Decimal(1000):
        raise NotAProposal(_("The hours must be between 0.25 and 1000, e.g. 2 h."))
    return hours


def _place(text: str) -> str:
    match = PLACE.search(text)
    return match[1].strip(" .,") if match else ""


def _expiry(text: str, today: date) -> datetime | None:
    match = EXPIRY.search(text)
    if match is None:
        return None
    try:
        day = date.fromisoformat(match[1])
    except ValueError:
        raise NotAProposal(_("%(day)s is not a date: write it as 2026-05-01.", day=match[1])) from None
    if day < today:
        raise NotAProposal(_("The expiry date is already past."))
    return datetime.combine(day, time(23, 59), tzinfo=UTC)
