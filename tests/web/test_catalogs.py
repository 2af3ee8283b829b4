"""The French catalog covers every message the pages use; placeholders survive translation."""

from __future__ import annotations

import re

from fedaid import i18n
from fedaid.web.catalogs import extract, read_catalog

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_message_of_the_pages_has_a_french_translation():
    catalog = read_catalog("fr")
    missing = []
    for message in extract():
        if not message.id:
            continue
        translated = catalog.get(message.id)
        strings = translated.string if translated else None
        if isinstance(strings, tuple):
            ok = all(strings)
        else:
            ok = bool(strings)
        if not ok:
            missing.append(message.id)
    assert not missing, (
        "Missing French translations (run `python -m fedaid.web.catalogs update` and "
        f"translate fedaid/locale/fr/LC_MESSAGES/messages.po): {missing}"
    )


def test_translations_keep_the_same_placeholders():
    for message in read_catalog("fr"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) - {"num"}
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) - {"num"} == wanted, message.id


def test_language_comes_from_setting_then_cookie_then_accept_language_then_french():
    assert i18n.pick_language(member_setting="en", cookie="fr", accept_language="fr") == "en"
    assert i18n.pick_language(member_setting=None, cookie="en", accept_language="fr") == "en"
    assert i18n.pick_language(member_setting=None, cookie=None, accept_language="de, en;q=0.8, fr;q=0.5") == "en"
    assert i18n.pick_language(member_setting=None, cookie=None, accept_language="en;q=0, de") == "fr"
    assert i18n.pick_language(member_setting=None, cookie=None, accept_language=None) == "fr"


def test_numbers_and_dates_follow_the_language():
    from datetime import UTC, datetime
    from decimal import Decimal

    token = i18n.current_language.set("fr")
    try:
        assert i18n.format_hours(Decimal("1.50")) == "1,5 h"
        assert i18n.format_number(1234) == "1\u202f234"
        assert "janvier" in i18n.format_day(datetime(2026, 1, 5, tzinfo=UTC))
        assert i18n.gettext("Sign in") == "Se connecter"
    finally:
        i18n.current_language.reset(token)
    token = i18n.current_language.set("en")
    try:
        assert i18n.format_hours(Decimal("1.50")) == "1.5 h"
        assert "January" in i18n.format_day(datetime(2026, 1, 5, tzinfo=UTC))
        assert i18n.gettext("Sign in") == "Sign in"
    finally:
        i18n.current_language.reset(token)
