"""Keep the gettext catalogs in step with the code: `python -m fedaid.web.catalogs update`.

Extracts every message of the pages and mails (Python in `fedaid/web/`, templates in `templates/`) and merges
it into `fedaid/locale/<lang>/LC_MESSAGES/messages.po`, keeping existing translations. No runtime use.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from fedaid.i18n import DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
# `fail` is Form.fail(field, message); error classes carry messages shown on error pages.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy": None,
    "fail": (2,),
    "InvalidInput": None,
    "Forbidden": None,
    "NotFound": None,
    "Conflict": None,
    "Unauthorized": None,
    "TooManyRequests": None,
}
SOURCES = [
    ("fedaid/web", [("**.py", "python")], {}),
    ("fedaid/api", [("compose.py", "python")], {}),
    ("templates", [("**.html", "jinja2"), ("**.txt", "jinja2")], {"extensions": "jinja2.ext.i18n"}),
]


def extract() -> Catalog:
    """Every message the pages use, with where it comes from."""
    catalog = Catalog(domain=DOMAIN, project="fedaid", charset="utf-8")
    for folder, method_map, options in SOURCES:
        options_map = {pattern: options for pattern, _ in method_map}
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder,
            method_map,
            options_map,
            keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",),
        ):
            catalog.add(message, None, [(f"{folder}/{filename}", lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as po_file:
        return read_po(po_file, locale=language)


def update() -> None:
    template = extract()
    for language in LANGUAGES:
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = read_catalog(language) if path.exists() else Catalog(locale=language, domain=DOMAIN, project="fedaid")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False
        catalog.obsolete.clear()
        with path.open("wb") as po_file:
            write_po(
                po_file,
                catalog,
                width=100,
                omit_header=False,
                include_previous=False,
                sort_output=True,
                ignore_obsolete=True,
            )
        missing = [m.id for m in catalog if m.id and not m.string and language != "en"]
        print(f"{path.relative_to(ROOT)}: {len(catalog)} messages, {len(missing)} untranslated")


if __name__ == "__main__":
    if sys.argv[1:] != ["update"]:
        sys.exit("usage: python -m fedaid.web.catalogs update")
    update()
