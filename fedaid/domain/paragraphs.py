"""Plain text typed in a form, stored as escaped HTML paragraphs, and back for the edit form."""

from __future__ import annotations

import html
import re

from markupsafe import escape

BREAK = re.compile(r"<br\s*/?>")
PARAGRAPH_BOUNDARY = re.compile(r"</p>\s*<p>")
TAG = re.compile(r"<[^>]+>")


def to_html(text: str) -> str:
    """Plain text as HTML paragraphs (blank lines between them), every character escaped."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]
    return "".join(f"<p>{escape(block)}</p>".replace("\n", "<br>") for block in blocks)


def to_text(markup: str) -> str:
    """The reverse of `to_html`, for edit forms."""
    text = BREAK.sub("\n", markup or "")
    text = PARAGRAPH_BOUNDARY.sub("\n\n", text)
    return html.unescape(TAG.sub("", text)).strip()
