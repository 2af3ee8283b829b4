"""Tests for fedaid/domain/theme.py: the collective's colours (hex, readable) and its logo (kept from pruning)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from mutual_aid_factories import make_local
from pictures import pdf, png

from fedaid.clock import utcnow
from fedaid.db import Database
from fedaid.domain import audit, media, media_cleanup, theme
from fedaid.errors import InvalidInput
from fedaid.filestore import LocalFileStore
from fedaid.models import Actor, MediaAttachment


@pytest.mark.parametrize(
    ("raw", "on", "expected"),
    [
        ("#0A5C4A", None, "#0a5c4a"),
        (" #1b1b1f ", None, "#1b1b1f"),
        ("", None, ""),
        ("#ffdd00", None, "#ffdd00"),
        ("#0b4f8a", theme.PAPER, "#0b4f8a"),
    ],
)
def test_readable_hex_colours_are_kept_lowercase(raw, on, expected):
    assert theme.checked_colour(raw, on=on) == expected


@pytest.mark.parametrize(
    "raw", ["red", "#12345", "#1234567", "0a5c4a", "#0a5c4g", "#0a5c4a;}body{display:none", "url(x)"]
)
def test_anything_but_six_hex_digits_is_refused(raw):
    with pytest.raises(InvalidInput, match="six hexadecimal digits"):
        theme.checked_colour(raw)


@pytest.mark.parametrize(("raw", "on"), [("#777777", None), ("#ffdd00", theme.PAPER), ("#f0f0f0", theme.PAPER)])
def test_colours_too_faint_to_read_are_refused(raw, on):
    with pytest.raises(InvalidInput, match="too pale"):
        theme.checked_colour(raw, on=on)


def test_contrast_follows_wcag():
    assert round(theme.contrast("#000000", "#ffffff"), 1) == 21.0
    assert theme.contrast("#0a5c4a", "#0a5c4a") == 1.0
    assert theme.best_ink("#ffdd00") == "#1b1b1f" and theme.best_ink("#0a5c4a") == "#ffffff"


@pytest.fixture
async def group(db: Database) -> Actor:
    return await make_local("drivers", group=True)


async def test_colours_are_saved_and_become_the_stylesheet(group):
    assert (await theme.theme_of(group)).css() == ""
    look = await theme.set_colours(group, accent="#7A1F5C", link="#0b4f8a", by=None)
    assert look.css() == ":root{--accent:#7a1f5c;--accent-ink:#ffffff;--offer:#7a1f5c;--link:#0b4f8a;}\n"
    # A bad colour changes nothing, the good one included
    with pytest.raises(InvalidInput):
        await theme.set_colours(group, accent="#000000", link="#fdfdfa", by=None)
    assert (await theme.theme_of(group)).accent == "#7a1f5c"
    # Empty goes back to fedaid's own
    assert (await theme.set_colours(group, accent="", link="", by=None)).css() == ""
    assert [a.action for a in await audit.recent_actions()] == ["collective.colours", "collective.colours"]


async def test_the_logo_is_a_processed_picture_kept_from_pruning_while_it_is_the_logo(group, tmp_path):
    store = LocalFileStore(tmp_path / "media")
    admin = await make_local("root")
    upload = await media.upload(admin, png(), store)
    await media.process_upload(upload, store)
    upload = await MediaAttachment.get(id=upload.id)
    await theme.set_logo(group, upload, by=admin)
    key = (await theme.theme_of(group)).logo_key
    assert key in (upload.thumbnail_key, upload.file_key) and await theme.is_logo_file(key)
    # A day later, pruning keeps it though no post shows it
    await media_cleanup.prune(store, now=utcnow() + timedelta(days=2))
    assert await MediaAttachment.exists(id=upload.id) and store.path_of(key) is not None
    # Removed as the logo, it is pruned like any unattached upload
    await theme.set_logo(group, None, by=admin)
    await media_cleanup.prune(store, now=utcnow() + timedelta(days=2))
    assert not await MediaAttachment.exists(id=upload.id) and not await theme.is_logo_file(key)
    # A PDF is no logo
    document = await media.upload(admin, pdf(), store)
    with pytest.raises(InvalidInput, match="picture"):
        await theme.set_logo(group, document, by=admin)
