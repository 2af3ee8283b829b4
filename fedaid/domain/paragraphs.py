"""Plain text typed in a form, stored as escaped HTML paragraphs, and back for the edit form."""

from __future__ import annotations

import html
import re

from markupsafe import escape

BREAK = re.compile(r"<br\s*/?>")
PARAGRAPH_BOUNDARY = re.compile(r"</p>\s*<p>")
TAG = re.compile(r"<[^>]+>")
LINE_ENDING = re.compile(r"\r\n?")  # Windows and old Mac line endings; browsers send CRLF from a textarea
BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n\s*")


def normalise_lines(text: str) -> str:
    """`text` with every line ending as `\n`."""
    return LINE_ENDING.sub("\n", text or "")


def blocks(text: str) -> list[str]:
    """The paragraphs of plain text: separated by blank lines (or lines of spaces), whatever the line endings."""
    return [block.strip() for block in BLANK_LINE.split(normalise_lines(text)) if block.strip()]


def to_html(text: str) -> str:
    """Plain text as HTML paragraphs (blank lines between them), every character escaped."""
    return "".join(f"<p>{escape(block)}</p>".replace("\n", "<br>") for block in blocks(text))


def to_text(markup: str) -> str:
    """The reverse of `to_html`, for edit forms."""
    text = BREAK.sub("\n", markup or "")
    text = PARAGRAPH_BOUNDARY.sub("\n\n", text)
    return html.unescape(TAG.sub("", text)).strip()
