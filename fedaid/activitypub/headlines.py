"""The readable line a proposal's post starts with, in every client: kind · title · hours · place (or
"à distance"), in the post's language, and how to find it again in a received post.

Pure: functions take rows already loaded.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html import escape

from fedaid.models import Proposal, ProposalPurpose, ProposalStatus

_PURPOSE_LABELS = {
    "fr": {ProposalPurpose.OFFER: "OFFRE", ProposalPurpose.REQUEST: "DEMANDE"},
    "en": {ProposalPurpose.OFFER: "OFFER", ProposalPurpose.REQUEST: "REQUEST"},
}
# Both nouns are feminine in French, so one form of each adjective serves.
_STATUS_LABELS = {
    "fr": {
        ProposalStatus.AGREED: "conclue",
        ProposalStatus.FULFILLED: "réalisée",
        ProposalStatus.CLOSED: "close",
        ProposalStatus.EXPIRED: "expirée",
    },
    "en": {
        ProposalStatus.AGREED: "agreed",
        ProposalStatus.FULFILLED: "fulfilled",
        ProposalStatus.CLOSED: "closed",
        ProposalStatus.EXPIRED: "expired",
    },
}
_REMOTE_LABELS = {"fr": ("à distance", "ou"), "en": ("remote", "or")}


def format_hours(hours: Decimal, language: str = "fr") -> str:
    """`2 h`, `1.5 h` (`1,5 h` in French)."""
    text = number(hours)
    return f"{text.replace('.', ',') if language == 'fr' else text} h"


def number(value: Decimal) -> str:
    """A quantity as FEP-0837 writes it: a decimal string without trailing zeros ("2", "1.5")."""
    text = format(Decimal(value).normalize(), "f")
    return text if text not in ("-0", "") else "0"


def proposal_headline(proposal: Proposal, *, language: str = "fr") -> str:
    """The readable first line every client shows: kind · title · hours · place (or "à distance"), e.g.
    `OFFRE · Relire votre plan · 2 h · Lyon ou à distance`; the kind says when it is no longer open."""
    label = _PURPOSE_LABELS[language][ProposalPurpose(proposal.purpose)]
    status = _STATUS_LABELS[language].get(ProposalStatus(proposal.status))
    parts = [f"{label} ({status})" if status else label, proposal.title, format_hours(proposal.hours, language)]
    remote, joiner = _REMOTE_LABELS[language]
    if proposal.place_name and proposal.remote_ok:
        parts.append(f"{proposal.place_name} {joiner} {remote}")
    elif proposal.place_name or proposal.remote_ok:
        parts.append(proposal.place_name or remote)
    return " · ".join(part for part in parts if part)


_HEADLINE = re.compile(
    r"^\s*<p>(?:OFFRE|DEMANDE|OFFER|REQUEST)(?: \([^)<]*\))? · [^<]*</p>\s*(?:<p><strong>[^<]*</strong></p>)?"
)


def without_headline(content: str) -> str:
    """A received proposal's content without the readable line (and the bold title older fedaid versions put
    after it), for pages that show those fields in their own header."""
    return _HEADLINE.sub("", content, count=1)


def headline_html(proposal: Proposal, *, language: str) -> str:
    """The readable line as the first paragraph of a `content`."""
    return f"<p>{escape(proposal_headline(proposal, language=language), quote=False)}</p>"
