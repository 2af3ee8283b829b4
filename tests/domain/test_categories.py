"""Tests for fedaid/domain/categories.py: the default categories and admins' edits."""

from __future__ import annotations

import pytest

from fedaid.db import Database
from fedaid.domain.categories import (
    DEFAULT_CATEGORIES,
    SLUG_PATTERN,
    add_category,
    edit_category,
    ensure_default_categories,
    list_categories,
    retire_category,
)
from fedaid.errors import Conflict, InvalidInput
from fedaid.models import Category, CategoryFamily


async def test_defaults_cover_the_three_forms_of_solidarity_once(db: Database) -> None:
    # When the defaults are ensured twice
    created = await ensure_default_categories()
    again = await ensure_default_categories()
    # Then each default exists once, in both languages, in its family
    assert created == sum(len(entries) for entries in DEFAULT_CATEGORIES.values()) and again == 0
    families = {category.family for category in await Category.all()}
    assert families == {CategoryFamily.COACHING, CategoryFamily.SERVICES, CategoryFamily.COLLECTIVE}
    accounting = await Category.get(slug="comptabilite")
    assert (accounting.name_fr, accounting.name_en, accounting.family) == (
        "Comptabilité",
        "Accounting",
        CategoryFamily.COACHING,
    )
    assert all(SLUG_PATTERN.fullmatch(category.slug) for category in await Category.all())


async def test_listing_follows_family_then_position(db: Database) -> None:
    await ensure_default_categories()
    slugs = [category.slug for category in await list_categories()]
    assert slugs[:2] == ["etudedemarche", "marketing"]
    assert slugs.index("reparation") < slugs.index("reunions")


async def test_admins_rename_reorder_and_retire_but_never_change_a_slug(db: Database) -> None:
    await ensure_default_categories()
    renamed = await edit_category("outils", name_fr="Outils numériques", position=0)
    assert (renamed.slug, renamed.name_fr, renamed.name_en) == ("outils", "Outils numériques", "Tools")
    await retire_category("pret")
    assert "pret" not in [category.slug for category in await list_categories()]
    assert "pret" in [category.slug for category in await list_categories(include_retired=True)]


async def test_new_category_needs_a_hashtag_slug_and_two_names(db: Database) -> None:
    added = await add_category("photo", name_fr="Photographie", name_en="Photography", family=CategoryFamily.SERVICES)
    assert added.position == 0
    with pytest.raises(Conflict):
        await add_category("photo", name_fr="Photo", name_en="Photo", family=CategoryFamily.SERVICES)
    with pytest.raises(InvalidInput):
        await add_category("mise-en-page", name_fr="Mise en page", name_en="Layout", family=CategoryFamily.SERVICES)
    with pytest.raises(InvalidInput):
        await add_category("layout", name_fr="", name_en="Layout", family=CategoryFamily.SERVICES)
