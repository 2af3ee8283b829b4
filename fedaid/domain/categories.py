"""Categories of help: the defaults drawn from the three forms of solidarity, and admins' edits.

A proposal stores its category's slug, which is also the hashtag it carries on the wire, so a slug
never changes once created; admins rename, reorder or retire a category instead.
"""

from __future__ import annotations

import re

from tortoise.exceptions import IntegrityError

from fedaid.domain.category_words import GENERAL, CategoryChoice
from fedaid.errors import Conflict, InvalidInput, NotFound
from fedaid.models import Category, CategoryFamily

# (slug, French name, English name) per family, in display order.
DEFAULT_CATEGORIES: dict[CategoryFamily, tuple[tuple[str, str, str], ...]] = {
    CategoryFamily.COACHING: (
        ("etudedemarche", "Étude de marché", "Market research"),
        ("marketing", "Marketing", "Marketing"),
        ("communication", "Communication", "Communication strategy"),
        ("administratif", "Administratif et juridique", "Administration and law"),
        ("comptabilite", "Comptabilité", "Accounting"),
        ("outils", "Outils", "Tools"),
    ),
    CategoryFamily.SERVICES: (
        ("reparation", "Réparation", "Repairs"),
        ("transport", "Transport", "Transport"),
        ("design", "Design", "Design"),
        ("informatique", "Informatique", "IT"),
        ("traduction", "Traduction", "Translation"),
        ("gardedenfants", "Garde d'enfants", "Childcare"),
        ("pret", "Prêt de matériel", "Lending"),
        (GENERAL, "Divers (à trier)", "General (to sort)"),
    ),
    CategoryFamily.COLLECTIVE: (
        ("reunions", "Réunions", "Meetings"),
        ("soutienjuridique", "Soutien juridique", "Legal support"),
        ("revendications", "Revendications communes", "Shared demands"),
    ),
}

# A slug is a hashtag Mastodon recognises: letters and digits, starting with a letter.
SLUG_PATTERN = re.compile(r"[a-z][a-z0-9]{1,63}")


async def ensure_default_categories() -> int:
    """Create the default categories that do not exist yet (by slug); returns how many were created."""
    existing = set(await Category.all().values_list("slug", flat=True))
    rows = [
        Category(slug=slug, name_fr=name_fr, name_en=name_en, family=family, position=position)
        for family, entries in DEFAULT_CATEGORIES.items()
        for position, (slug, name_fr, name_en) in enumerate(entries)
        if slug not in existing
    ]
    if rows:
        await Category.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


async def list_categories(*, include_retired: bool = False) -> list[Category]:
    """Categories in display order: coaching, services, collective action; then by position."""
    query = Category.all() if include_retired else Category.filter(is_active=True)
    families = list(DEFAULT_CATEGORIES)
    return sorted(await query, key=lambda category: (families.index(category.family), category.position, category.id))


async def composer_choices() -> list[CategoryChoice]:
    """The active categories a status may be filed under; the general one is added to instances made before
    it existed (admins who retire it get the list of every category instead)."""
    every = await list_categories(include_retired=True)
    if not any(category.slug == GENERAL for category in every):
        family, position = CategoryFamily.SERVICES, len(DEFAULT_CATEGORIES[CategoryFamily.SERVICES]) - 1
        await Category.get_or_create(
            slug=GENERAL,
            defaults={
                "name_fr": "Divers (à trier)",
                "name_en": "General (to sort)",
                "family": family,
                "position": position,
            },
        )
        every = await list_categories(include_retired=True)
    return [CategoryChoice(c.slug, c.name_fr, c.name_en) for c in every if c.is_active]


async def get_category(slug: str) -> Category:
    category = await Category.get_or_none(slug=slug)
    if category is None:
        raise NotFound(f"There is no category {slug!r}.")
    return category


async def find_category(slug: str) -> Category | None:
    return await Category.get_or_none(slug=slug) if slug else None


async def add_category(
    slug: str, *, name_fr: str, name_en: str, family: CategoryFamily, position: int | None = None
) -> Category:
    """A new category (admins); the slug must be a valid hashtag and unused."""
    if not SLUG_PATTERN.fullmatch(slug):
        raise InvalidInput("A category slug is 2 to 64 lowercase letters or digits, starting with a letter.")
    _check_names(name_fr, name_en)
    if position is None:
        position = await Category.filter(family=family).count()
    try:
        return await Category.create(
            slug=slug, name_fr=name_fr.strip(), name_en=name_en.strip(), family=family, position=position
        )
    except IntegrityError as err:
        raise Conflict(f"The category {slug!r} already exists.") from err


async def edit_category(
    slug: str,
    *,
    name_fr: str | None = None,
    name_en: str | None = None,
    family: CategoryFamily | None = None,
    position: int | None = None,
    is_active: bool | None = None,
) -> Category:
    """Rename, move or retire a category (admins); its slug stays, since proposals refer to it."""
    category = await get_category(slug)
    _check_names(
        name_fr if name_fr is not None else category.name_fr, name_en if name_en is not None else category.name_en
    )
    changes = {
        "name_fr": name_fr and name_fr.strip(),
        "name_en": name_en and name_en.strip(),
        "family": family,
        "position": position,
        "is_active": is_active,
    }
    for name, value in changes.items():
        if value is not None:
            setattr(category, name, value)
    await category.save()
    return category


async def retire_category(slug: str) -> Category:
    """Hide a category from new proposals; existing ones keep it."""
    return await edit_category(slug, is_active=False)


def _check_names(name_fr: str, name_en: str) -> None:
    for name in (name_fr, name_en):
        if not name or not name.strip() or len(name) > 100:
            raise InvalidInput("A category needs a French and an English name of at most 100 characters.")
