"""French and English for pages, mails and pushes: gettext catalogs, the reader's language, dates and numbers.

Catalogs live as `.po` files in `fedaid/locale/`; they are compiled in memory when first used, so a fresh
clone needs no build step. The language of the request being handled lives in a context variable.
"""

from __future__ import annotations

import contextvars
import io
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time, get_timezone
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
# Pages show times where most collectives live; a per-member time zone can come later.
DISPLAY_TIMEZONE = get_timezone("Europe/Paris")

current_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalog of `language`; English is the source language and may have no entries."""
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext(message: str, **variables: object) -> str:
    """`message` in the current language, with `%(name)s` placeholders filled from `variables`."""
    text = translations(current_language.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(current_language.get()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


_ = gettext


def lazy(message: str) -> str:
    """Mark a module-level string for extraction; translate it later with `gettext(message)`."""
    return message


def pick_language(*, member_setting: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The member's setting, else the switcher's cookie, else the browser's preference, else French."""
    for candidate in (member_setting, cookie):
        if candidate in LANGUAGES:
            return candidate
    for tag in _accepted_tags(accept_language or ""):
        primary = tag.split("-", 1)[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def _accepted_tags(header: str) -> list[str]:
    """Language tags of an Accept-Language header, most wanted first; q=0 ones are dropped."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


def _locale() -> Locale:
    try:
        return Locale.parse(current_language.get())
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LANGUAGE)


def format_when(value: datetime | None, style: str = "medium") -> str:
    """A date and time in the reader's language and the display time zone."""
    if value is None:
        return ""
    return format_datetime(value, format=style, tzinfo=DISPLAY_TIMEZONE, locale=_locale())


def format_moment_in(value: datetime | None, zone: str) -> str:
    """A day and a time as people say them where an event takes place: "mardi 8 décembre 2026, 16:00"."""
    if value is None:
        return ""
    try:
        tz = get_timezone(zone) if zone else DISPLAY_TIMEZONE
    except LookupError:
        tz = DISPLAY_TIMEZONE
    local = value.astimezone(tz)
    return (
        f"{format_date(local, format='full', locale=_locale())}, {format_time(local, format='short', locale=_locale())}"
    )


def format_day(value: datetime | None, style: str = "long") -> str:
    if value is None:
        return ""
    return format_date(value.astimezone(DISPLAY_TIMEZONE), format=style, locale=_locale())


def format_number(value: int | float | Decimal | None) -> str:
    """A number as the reader writes it (`1,5` in French); whole numbers without decimals."""
    if value is None:
        return ""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    return format_decimal(value, format="#,##0.##", locale=_locale())


def format_hours(value: int | float | Decimal | None) -> str:
    """`1,5 h` in French, `1.5 h` in English."""
    return gettext("%(hours)s h", hours=format_number(value or 0))
