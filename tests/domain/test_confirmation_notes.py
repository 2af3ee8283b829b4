"""How a reply to a confirmation note reads: the words the note names, in French or English, any case or accent."""

from __future__ import annotations

import pytest

from fedaid.domain.confirmation_notes import Answer, read_answer

MENTION = (
    '<span class="h-card"><a href="https://drivers.example/u/ana" class="u-url mention">@<span>ana</span></a></span>'
)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Confirmé !", Answer.CONFIRMED),
        ("confirme", Answer.CONFIRMED),
        ("CONFIRMED, thanks", Answer.CONFIRMED),
        ("C’est d’accord", Answer.CONFIRMED),
        ("agreed", Answer.CONFIRMED),
        ("Contesté : rien reçu", Answer.DISPUTED),
        ("disputed", Answer.DISPUTED),
        ("Confirmé ? Non, contesté", Answer.DISPUTED),
        ("pas d'accord", None),
        ("not confirmed yet", None),
        ("Merci beaucoup !", None),
        ("", None),
    ],
)
def test_a_reply_reads_as_the_word_it_carries(text, answer):
    assert read_answer(f"<p>{MENTION} {text}</p>") == answer


def test_a_mention_named_like_a_word_is_not_an_answer():
    assert (
        read_answer(
            '<p><a href="https://x.example/@confirmed" class="u-url mention">@<span>confirmed</span></a> merci</p>'
        )
        is None
    )
