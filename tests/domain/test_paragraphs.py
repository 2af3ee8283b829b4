"""Text typed in a form keeps its paragraphs whatever line endings the browser sends (CRLF from a textarea)."""

from __future__ import annotations

import pytest

from fedaid.domain.paragraphs import blocks, normalise_lines, to_html, to_text


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_paragraphs_are_found_with_any_line_ending(ending: str) -> None:
    text = f"Respect mutuel.{ending}Pas de pub.{ending}{ending}Les heures comptent{ending} {ending}Fin."
    assert blocks(text) == ["Respect mutuel.\nPas de pub.", "Les heures comptent", "Fin."]
    assert to_html(text) == "<p>Respect mutuel.<br>Pas de pub.</p><p>Les heures comptent</p><p>Fin.</p>"
    assert to_text(to_html(text)) == "Respect mutuel.\nPas de pub.\n\nLes heures comptent\n\nFin."
    assert "\r" not in normalise_lines(text)


def test_nothing_but_blank_lines_has_no_paragraph() -> None:
    assert blocks("\r\n \r\n\t") == [] and to_html("") == ""
