"""The hashtag grammar of proposals, one for the client API (a status typed in a Mastodon app), for the posts
we render and for the posts we receive: which hashtags name a purpose, and how a plain text carries the rest.

A Mastodon app has only a text box, so a proposal's text carries its fields:
```
Aide pour un déménagement samedi          ← first line: the title
2 h · 📍 Lyon · jusqu'au 2026-05-01        ← hours, place (or #adistance / #remote), expiry
#offre #bricolage                          ← purpose and category hashtags
```
`read_text_proposal` reads them the same way for a status posted here (`api/compose.py`) and for a plain post
received from another server (`activitypub/parse/proposals.py`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from fedaid.models import ProposalPurpose

# The hashtag a proposal carries for its purpose, per language; read back, any of them marks a proposal.
PURPOSE_TAGS = {
    "fr": {ProposalPurpose.OFFER: "offre", ProposalPurpose.REQUEST: "demande"},
    "en": {ProposalPurpose.OFFER: "offer", ProposalPurpose.REQUEST: "request"},
}
PURPOSE_OF_TAG = {tag: purpose for tags in PURPOSE_TAGS.values() for purpose, tag in tags.items()}
REMOTE_TAGS = frozenset({"adistance", "remote", "distanciel"})  # what a status says to mean "at a distance"
# Hashtags as Mastodon finds them: after a start, space or opening punctuation; letters, digits, "_".
HASHTAG = re.compile(r"(?:^|(?<=[\s(\[{\"'«]))#(\w{1,100})")
# An amount of hours in text: "2 h", "1,5 heures", "3hrs".
HOURS = re.compile(r"(?<![\w.,])(\d{1,4}(?:[.,]\d{1,2})?)\s?(?:h|hr|hrs|heures?|hours?)(?!\w)", re.IGNORECASE)
PLACE = re.compile(r"(?:📍|\b(?:lieu|place|à|in)\s*:)\s*([^\n#·|]{1,200})", re.IGNORECASE)
EXPIRY = re.compile(r"(?:jusqu'au|jusqu’au|until|expires?|expire le)\s+(\d{4}-\d{2}-\d{2})", re.IGNORECASE)
MAX_TITLE = 200


@dataclass(frozen=True)
class TextProposal:
    """What a plain text says about the proposal it makes."""

    purposes: frozenset[ProposalPurpose]  # named by its hashtags; a proposal names exactly one
    title: str  # the first line with words once hashtags are left out; "" when there is none
    hashtags: tuple[str, ...]  # every hashtag, lowercased, in order
    hours: Decimal | None  # None when the text states none
    place_name: str
    remote_ok: bool  # #adistance, #remote or #distanciel
    expiry_day: str | None  # the YYYY-MM-DD written after "jusqu'au", "until"...; whether it is a date is not checked


def read_text_proposal(text: str, hashtags: Sequence[str] | None = None) -> TextProposal | None:
    """The proposal a plain text makes, None when no hashtag names a purpose. `hashtags`: the post's own
    (AS2 `tag`, lowercased) when it has them, else those found in the text."""
    tags = tuple(hashtags) if hashtags is not None else tuple(hashtags_in(text))
    purposes = frozenset(purposes_of(tags))
    if not purposes:
        return None
    place, expiry = PLACE.search(text), EXPIRY.search(text)
    return TextProposal(
        purposes=purposes,
        title=title_in_text(text),
        hashtags=tags,
        hours=hours_in_text(text),
        place_name=place[1].strip(" .,") if place else "",
        remote_ok=bool(REMOTE_TAGS & set(tags)),
        expiry_day=expiry[1] if expiry else None,
    )


def hashtags_in(text: str) -> list[str]:
    """The hashtags of a plain text, lowercased, in order, once each."""
    return list(dict.fromkeys(name.lower() for name in HASHTAG.findall(html.unescape(text or ""))))


def purposes_of(hashtags: Sequence[str]) -> set[ProposalPurpose]:
    """The purposes the hashtags name (both, when a text says #offre and #demande)."""
    return {PURPOSE_OF_TAG[tag] for tag in hashtags if tag in PURPOSE_OF_TAG}


def title_in_text(text: str) -> str:
    """The first line with words once hashtags are left out, at most MAX_TITLE characters."""
    for line in text.splitlines():
        words = HASHTAG.sub("", line).strip(" \t·-—:")
        if words:
            return words[:MAX_TITLE]
    return ""


def hours_in_text(text: str) -> Decimal | None:
    """The first amount of hours a text states (hashtags left out), as a decimal; None when it states none."""
    match = HOURS.search(HASHTAG.sub("", text))
    if match is None:
        return None
    try:
        return Decimal(match[1].replace(",", "."))
    except InvalidOperation:
        return None


def end_of_day(day: date) -> datetime:
    """When a proposal open until `day` expires: 23:59 UTC that day."""
    return datetime.combine(day, time(23, 59), tzinfo=UTC)
