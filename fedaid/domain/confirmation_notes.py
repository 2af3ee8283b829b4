"""The confirmation note: how a member asks a party who can only post (a Mastodon user, say) to confirm an
exchange, and how their answer reads. No HTTP here.

Mastodon cannot send FEP-0837's confirmation; what its users can send is a favourite, which Mastodon federates
as a bare Like of the status (mastodon/mastodon app/lib/activitypub/activity/like.rb and
app/serializers/activitypub/like_serializer.rb), and a reply, a Create(Note) with inReplyTo
(app/lib/activitypub/activity/create.rb). The note names both ways, and the words it names are the ones
`read_answer` looks for, in French and in English whatever the note's language.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum

from fedaid.activitypub.headlines import format_hours
from fedaid.activitypub.notes import language_of
from fedaid.activitypub.sanitize import plain_text
from fedaid.domain import posts
from fedaid.models import Actor, Agreement, Post, Proposal, Visibility

# Accents and case are folded before comparing, so "Confirmé", "confirme" and "CONFIRMED" all match.
CONFIRM_WORDS = frozenset(
    {"confirme", "confirmee", "confirmes", "confirmees", "confirmed", "confirm", "d'accord", "agreed", "agree"}
)
DISPUTE_WORDS = frozenset({"conteste", "contestee", "contestes", "contestees", "disputed", "dispute"})
# A confirmation word right after one of these ("pas d'accord", "not confirmed") confirms nothing.
NEGATIONS = frozenset({"pas", "non", "jamais", "not", "no", "never", "isn't", "wasn't", "don't", "didn't"})
_WORD = re.compile(r"[\w']+")
_MENTION = re.compile(r"(?<!\w)@[\w.-]+(?:@[\w.:-]+)?")


class Answer(StrEnum):
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


def read_answer(html: str) -> Answer | None:
    """What a reply to a confirmation note says: a dispute word wins, then an unnegated confirmation word."""
    words = _words(html)
    if any(word in DISPUTE_WORDS for word in words):
        return Answer.DISPUTED
    for index, word in enumerate(words):
        if word in CONFIRM_WORDS and not NEGATIONS.intersection(words[max(0, index - 2) : index]):
            return Answer.CONFIRMED
    return None


def _words(html: str) -> list[str]:
    text = _MENTION.sub(" ", plain_text(html)).replace("\u2019", "'").casefold()
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _WORD.findall(folded)


async def ask_to_confirm(agreement: Agreement, *, confirmer: Actor, other: Actor, now: datetime | None = None) -> Post:
    """A direct note from `confirmer` to `other`: the help was given, like this or answer with a word."""
    proposal = await Proposal.get(id=agreement.proposal_id).prefetch_related("post")
    response = await Post.get_or_none(id=agreement.response_id) if agreement.response_id else None
    if response is not None:
        response.author = other
    return await posts.create_post(
        confirmer,
        note_text(agreement, proposal, other, language=language_of(proposal.post)),
        visibility=Visibility.DIRECT,
        in_reply_to=response,
        mentions=[other],
        language=proposal.post.language,
        now=now,
    )


def note_text(agreement: Agreement, proposal: Proposal, other: Actor, *, language: str) -> str:
    """The note's words, in the proposal's language; it names the Like and the words `read_answer` knows."""
    link = proposal.post.url or proposal.post.ap_id
    if language == "en":
        return (
            f"@{other.acct} I confirm our exchange: {format_hours(agreement.hours, 'en')} for “{proposal.title}”. "
            "To confirm it on your side, like this message or reply “confirmed”; "
            f"if something is wrong, reply “disputed”. {link}"
        )
    return (
        f"@{other.acct} Je confirme notre échange : {format_hours(agreement.hours, 'fr')} pour "
        f"« {proposal.title} ». Pour le confirmer de votre côté, aimez ce message ou répondez « confirmé » ; "
        f"en cas d'erreur, répondez « contesté ». {link}"
    )
