"""Every display name is stored through one rule, local and remote alike: no control, bidi or invisible
format characters (issue 14, found item 8). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest

from fedaid.activitypub.parse import parse_actor
from fedaid.db import Database
from fedaid.domain.accounts import rename, update_profile
from fedaid.domain.actors import create_local_actor
from fedaid.domain.instance import ensure_instance, update_collective
from fedaid.errors import InvalidInput
from fedaid.models import Actor, ActorType

BASE = "https://aid.example"
SPOOF = "\u202eAna\u200b \u2066Admin\u2069\n\x1b"


async def test_a_local_member_is_created_renamed_and_edited_through_the_rule(db: Database) -> None:
    actor = await create_local_actor(BASE, type=ActorType.PERSON, username="ana", name=SPOOF)
    assert (await Actor.get(id=actor.id)).name == "Ana Admin"
    await rename(actor, "Bea\u202e\u200f")
    assert (await Actor.get(id=actor.id)).name == "Bea"
    await update_profile(actor, name="\u2067\u2069", summary="")  # nothing visible left: the username shows
    assert (await Actor.get(id=actor.id)).name == "ana"


async def test_the_collective_name_goes_through_the_rule(db: Database) -> None:
    await ensure_instance(BASE, collective_name="Les \u202echauffeurs", collective_slug="drivers")
    assert (await Actor.get(username="drivers")).name == "Les chauffeurs"
    await update_collective("drivers", name="\u200fCollectif\u2028B")
    assert (await Actor.get(username="drivers")).name == "Collectif B"
    with pytest.raises(InvalidInput):
        await update_collective("drivers", name="\u202e\u200b")
    assert (await Actor.get(username="drivers")).name == "Collectif B"


def test_a_remote_name_goes_through_the_same_rule() -> None:
    doc = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "https://remote.example/users/mallory",
        "type": "Person",
        "preferredUsername": "mallory",
        "name": "<p>" + SPOOF + "</p>",
        "inbox": "https://remote.example/users/mallory/inbox",
    }
    assert parse_actor(doc).name == "Ana Admin"


async def test_names_stored_before_the_rule_are_cleaned_on_upgrade(db: Database) -> None:
    # Given names stored with hidden characters, as earlier versions kept them
    ana = await create_local_actor(BASE, type=ActorType.PERSON, username="ana", name="Ana")
    bea = await create_local_actor(BASE, type=ActorType.PERSON, username="bea", name="Bea")
    await Actor.filter(id=ana.id).update(name=SPOOF)
    await Actor.filter(id=bea.id).update(name="\u202e\u200b")
    # When the upgrade step runs
    step = importlib.import_module("migrations.0014_clean_display_names")
    client = db.context.db()
    await step.clean_names(None, SimpleNamespace(collect_sql=False, client=client))
    # Then each reads as it looks, and a name with nothing visible becomes the username
    assert (await Actor.get(id=ana.id)).name == "Ana Admin"
    assert (await Actor.get(id=bea.id)).name == "bea"
