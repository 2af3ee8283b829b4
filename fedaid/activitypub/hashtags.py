"""The hashtag grammar of proposals, one for the client API (a status typed in a Mastodon app), for the posts
we render and for the posts we receive: which hashtags name a purpose, how hashtags and hours are found in text.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal, InvalidOperation

from fedaid.models import ProposalPurpose

# The hashtag a proposal carries for its purpose, per language; read back, any of them marks a proposal.
PURPOSE_TAGS = {
    "fr": {ProposalPurpose.OFFER: "offre", ProposalPurpose.REQUEST: "demande"},
    "en": {ProposalPurpose.OFFER: "offer", ProposalPurpose.REQUEST: "request"},
}
PURPOSE_OF_TAG = {tag: purpose for tags in PURPOSE_TAGS.values() for purpose, tag in tags.items()}
# Hashtags as Mastodon finds them: after a start, space or opening punctuation; letters, digits, "_".
HASHTAG = re.compile(r"(?:^|(?<=[\s(\[{\"'«]))#(\w{1,100})")
# An amount of hours in text: "2 h", "1,5 heures", "3hrs".
HOURS = re.compile(r"(?<![\w.,])(\d{1,4}(?:[.,]\d{1,2})?)\s?(?:h|hr|hrs|heures?|hours?)(?!\w)", re.IGNORECASE)


def hashtags_in(text: str) -> list[str]:
    """The hashtags of a plain text, lowercased, in order, once each."""
    return list(dict.fromkeys(name.lower() for name in HASHTAG.findall(html.unescape(text or ""))))


def purposes_of(hashtags: list[str] | tuple[str, ...]) -> set[ProposalPurpose]:
    """The purposes the hashtags name (both, when a text says #offre and #demande)."""
    return {PURPOSE_OF_TAG[tag] for tag in hashtags if tag in PURPOSE_OF_TAG}


def purpose_of_hashtags(hashtags: list[str] | tuple[str, ...]) -> ProposalPurpose | None:
    """The purpose the first purpose hashtag names, if any."""
    return next((PURPOSE_OF_TAG[tag] for tag in hashtags if tag in PURPOSE_OF_TAG), None)


def hours_in_text(text: str) -> Decimal | None:
    """The first amount of hours a text states (hashtags left out), as a decimal; None when it states none."""
    match = HOURS.search(HASHTAG.sub("", text))
    if match is None:
        return None
    try:
        return Decimal(match[1].replace(",", "."))
    except InvalidOperation:
        return None
