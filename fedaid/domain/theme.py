"""The collective's look, set by its admins: two colours (the header and buttons; the links) and a logo.

Colours are "#rrggbb" hex and must stay readable: links on the page's paper, and the header's text (white or
near-black, whichever reads better) on the accent, at WCAG 2.1's 4.5:1 for normal text
(https://www.w3.org/TR/WCAG21/#contrast-minimum, relative luminance as defined there). The logo is an uploaded
picture, processed like any other by the media code (EXIF gone, re-encoded, shrunk), and kept from pruning
while it is the logo. No HTTP here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fedaid.domain import audit
from fedaid.errors import InvalidInput
from fedaid.models import Actor, CollectivePage, MediaAttachment, MediaKind, MediaState

HEX_COLOUR = re.compile(r"#[0-9a-f]{6}")
PAPER = "#fdfdfb"  # the page background (fedaid.css --paper)
INKS = ("#ffffff", "#1b1b1f")  # the header's text: white, or fedaid.css --ink
MIN_CONTRAST = 4.5


@dataclass(frozen=True)
class Theme:
    """What the pages apply: empty colours keep fedaid's own; `logo_key` names the logo's file."""

    accent: str = ""
    link: str = ""
    logo_key: str | None = None

    @property
    def accent_ink(self) -> str:
        return best_ink(self.accent) if self.accent else ""

    @property
    def version(self) -> str:
        """Changes with the colours, so a page links the stylesheet it needs past any cache."""
        return hashlib.sha256(self.css().encode()).hexdigest()[:12]

    def css(self) -> str:
        """The custom properties fedaid.css reads, for the colours that are set (values checked on the way in)."""
        names = {"--accent": self.accent, "--accent-ink": self.accent_ink, "--offer": self.accent, "--link": self.link}
        declarations = "".join(f"{name}:{value};" for name, value in names.items() if value)
        return f":root{{{declarations}}}\n" if declarations else ""


def checked_colour(raw: str, *, on: str | None = None) -> str:
    """`raw` as "#rrggbb" (lowercase; empty stays empty); readable on `on`, or under white or ink when None."""
    value = raw.strip().lower()
    if not value:
        return ""
    if not HEX_COLOUR.fullmatch(value):
        raise InvalidInput("Write a colour as # and six hexadecimal digits, like #0a5c4a.")
    if contrast(value, on or best_ink(value)) < MIN_CONTRAST:
        raise InvalidInput("This colour is too pale or too bright to read; choose a darker or more vivid one.")
    return value


def best_ink(colour: str) -> str:
    """White or ink, whichever has more contrast on `colour`."""
    return max(INKS, key=lambda ink: contrast(colour, ink))


def contrast(first: str, second: str) -> float:
    """WCAG 2.1 contrast ratio of two "#rrggbb" colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


async def theme_of(collective: Actor) -> Theme:
    """The collective's colours and logo file, fedaid's own look when admins set none."""
    page = await CollectivePage.get_or_none(collective=collective).select_related("logo")
    if page is None:
        return Theme()
    logo = page.logo if page.logo_id is not None else None
    key = (logo.thumbnail_key or logo.file_key) if logo is not None and logo.state == MediaState.READY else None
    return Theme(accent=page.accent_color, link=page.link_color, logo_key=key)


async def set_colours(collective: Actor, *, accent: str, link: str, by: Actor | None) -> Theme:
    """Save the two colours (checked here: InvalidInput says which rule failed); empty ones go back to fedaid's."""
    accent, link = checked_colour(accent), checked_colour(link, on=PAPER)
    async with in_transaction():
        page, _ = await CollectivePage.get_or_create(collective=collective)
        if (page.accent_color, page.link_color) != (accent, link):
            page.accent_color, page.link_color = accent, link
            await page.save(update_fields=["accent_color", "link_color", "updated_at"])
            await audit.record("collective.colours", collective.ap_id, by=by, detail=f"{accent or '-'} {link or '-'}")
    return await theme_of(collective)


async def set_logo(collective: Actor, logo: MediaAttachment | None, *, by: Actor | None) -> None:
    """A processed picture becomes the logo (None removes it); the previous one is pruned like any unattached upload."""
    if logo is not None and (logo.kind != MediaKind.IMAGE or logo.state != MediaState.READY):
        raise InvalidInput("The logo must be a picture (JPEG, PNG, GIF or WebP).")
    async with in_transaction():
        page, _ = await CollectivePage.get_or_create(collective=collective)
        page.logo_id = logo.id if logo is not None else None
        await page.save(update_fields=["logo_id", "updated_at"])
        await audit.record("collective.logo", collective.ap_id, by=by, detail="set" if logo else "removed")


async def is_logo_file(key: str) -> bool:
    """Whether a stored file is (a version of) a collective's logo: shown to everyone."""
    ids = await logo_ids()
    return bool(ids) and await MediaAttachment.filter(Q(file_key=key) | Q(thumbnail_key=key), id__in=ids).exists()


async def logo_ids() -> list[int]:
    """The uploads in use as logos: kept by `media_cleanup.prune` although no post shows them."""
    return [int(row["logo_id"]) for row in await CollectivePage.filter(logo_id__isnull=False).values("logo_id")]
