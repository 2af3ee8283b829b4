"""Which category a free-text offer or request belongs to, read from its words, and the hours it suggests.

A Mastodon app has only a text box: "#offre Je prête ma perceuse" names no category hashtag, yet "prête" and
"perceuse" say lending. Each category is recognised by its slug, the words of its French and English names,
and the synonyms below (accents and case ignored; a word matches a synonym it starts with, when the synonym
has four letters or more). The category with the most matches wins; none, or a tie, files the proposal under
the general category, which admins re-sort.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

GENERAL = "divers"  # the category of proposals whose words name none (French and English names in categories.py)
MIN_STEM = 4

SYNONYMS: dict[str, tuple[str, ...]] = {
    "etudedemarche": ("clientele", "concurrent", "competitor", "sondage", "survey", "persona", "cible"),
    "marketing": ("publicite", "advertis", "promotion", "referencement", "seo", "prospection", "vente", "sales"),
    "communication": (
        "reseaux",
        "social",
        "newsletter",
        "instagram",
        "linkedin",
        "mastodon",
        "redaction",
        "copywriting",
    ),
    "administratif": ("statut", "contrat", "contract", "urssaf", "impot", "paperwork", "siret", "demarche", "dossier"),
    "comptabilite": ("compta", "facture", "facturation", "invoice", "accounting", "bookkeeping", "bilan", "tva", "vat"),
    "outils": ("logiciel", "software", "tableur", "spreadsheet", "agenda", "planning"),
    "reparation": ("repar", "repair", "fix", "bricol", "plomberie", "plumbing", "couture", "sewing", "velo", "bike"),
    "transport": (
        "demenag",
        "moving",
        "voiture",
        "camion",
        "van",
        "livraison",
        "delivery",
        "trajet",
        "covoitur",
        "ride",
    ),
    "design": ("graphisme", "graphi", "logo", "illustration", "maquette", "affiche", "poster", "charte"),
    "informatique": ("ordinateur", "computer", "website", "wordpress", "developp", "code", "serveur", "server", "pc"),
    "traduction": ("tradu", "translat", "relecture", "proofread", "interprete", "interpret"),
    "gardedenfants": ("enfant", "garde", "babysit", "childcare", "child", "kids", "nounou", "bebe", "baby"),
    "pret": (
        "prete",
        "preter",
        "pretes",
        "prets",
        "emprunt",
        "lend",
        "borrow",
        "loan",
        "perceuse",
        "drill",
        "escabeau",
        "ladder",
        "echelle",
        "materiel",
        "equipment",
        "outillage",
        "scie",
        "saw",
        "tondeuse",
        "remorque",
        "trailer",
    ),
    "reunions": ("reunion", "meeting", "assemblee", "rencontre", "animation", "facilitat"),
    "soutienjuridique": ("avocat", "lawyer", "prudhom", "litige", "contentieux", "requalification", "tribunal"),
    "revendications": ("revendi", "greve", "strike", "petition", "mobilis", "syndic", "union"),
}

# Hours a proposal of the category usually takes, when the text gives none (the author sees and edits them).
DEFAULT_HOURS: dict[str, Decimal] = {
    "etudedemarche": Decimal(2),
    "marketing": Decimal(2),
    "communication": Decimal(2),
    "administratif": Decimal(1),
    "comptabilite": Decimal(2),
    "outils": Decimal(1),
    "reparation": Decimal(2),
    "transport": Decimal(3),
    "design": Decimal(3),
    "informatique": Decimal(2),
    "traduction": Decimal(2),
    "gardedenfants": Decimal(3),
    "pret": Decimal(1),
    "reunions": Decimal(2),
    "soutienjuridique": Decimal(2),
    "revendications": Decimal(2),
}


@dataclass(frozen=True)
class CategoryChoice:
    """A category as the composer sees it: its hashtag and names."""

    slug: str
    name_fr: str
    name_en: str


def plain_words(text: str) -> list[str]:
    """Lowercase words without accents: "Je prête ma perceuse" → ["je", "prete", "ma", "perceuse"]."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return re.findall(r"[a-z0-9]+", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _matches(word: str, stem: str) -> bool:
    return word == stem or (len(stem) >= MIN_STEM and word.startswith(stem))


def _signals(choice: CategoryChoice) -> set[str]:
    named = {word for word in plain_words(f"{choice.name_fr} {choice.name_en}") if len(word) >= MIN_STEM}
    return {choice.slug, *named, *SYNONYMS.get(choice.slug, ())}


def guess_category(text: str, choices: Sequence[CategoryChoice]) -> str | None:
    """The slug of the one category the words of `text` point to most, None when none or several tie."""
    words = plain_words(text)
    scores: dict[str, int] = {}
    for choice in choices:
        if choice.slug == GENERAL:
            continue
        signals = _signals(choice)
        score = sum(1 for word in words if any(_matches(word, stem) for stem in signals))
        if score:
            scores[choice.slug] = score
    if not scores:
        return None
    best = max(scores.values())
    leaders = [slug for slug, score in scores.items() if score == best]
    return leaders[0] if len(leaders) == 1 else None


def default_hours(slug: str) -> Decimal:
    """The hours a proposal of this category suggests when its text names none."""
    return DEFAULT_HOURS.get(slug, Decimal(1))
