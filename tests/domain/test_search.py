"""Tests for fedaid/domain/search.py: full text (SQLite FTS5, PostgreSQL tsvector) and the filters, on both backends."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from mutual_aid_factories import LYON, NOW, PARIS, VILLEURBANNE, make_local, make_proposal, make_remote

from fedaid.activitypub.parse import parse_note
from fedaid.db import Database
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.posts import create_post, delete_post
from fedaid.domain.proposals import close_proposal, store_remote_proposal
from fedaid.domain.search import SearchFilters, reindex_all, search
from fedaid.domain.search_tokens import bounding_box, distance_km, search_terms
from fedaid.models import Actor, Post, ProposalPurpose, ProposalStatus, Visibility
from fedaid.models.ids import new_id

NOWHERE = {"place_name": "", "latitude": None, "longitude": None, "remote_ok": False}


@pytest.fixture
async def ana(db: Database) -> Actor:
    await ensure_default_categories()
    return await make_local("ana")


def titles(hits: list) -> list[str]:
    return [hit.proposal.title if hit.proposal else hit.post.content for hit in hits]


async def test_words_match_without_accents_or_case_and_as_prefixes(ana: Actor) -> None:
    await make_proposal(ana, title="Aide à la comptabilité", text="Bilan et TVA", category="comptabilite", **NOWHERE)
    await make_proposal(ana, title="Réparer un vélo", text="Crevaison", category="reparation", **NOWHERE)
    assert titles(await search("COMPTABILITE")) == ["Aide à la comptabilité"]
    assert titles(await search("compta tva")) == ["Aide à la comptabilité"]  # every word, as a prefix
    assert titles(await search("réparateur")) == []  # no prefix of "réparer"
    assert titles(await search("repar")) == ["Réparer un vélo"]
    assert titles(await search("velo crevaison")) == ["Réparer un vélo"]


async def test_a_title_match_ranks_above_a_text_match_then_newest_first(ana: Actor) -> None:
    await make_proposal(ana, title="Traduire un devis", text="Du logo au site", **NOWHERE, now=NOW)
    await make_proposal(ana, title="Créer un logo", text="Pour une coopérative", **NOWHERE, now=NOW)
    await make_proposal(ana, title="Dessiner un logo", text="Vite", **NOWHERE, now=NOW + timedelta(hours=1))
    hits = await search("logo")
    assert titles(hits) == ["Dessiner un logo", "Créer un logo", "Traduire un devis"]
    assert hits[0].rank >= hits[1].rank > hits[2].rank > 0


async def test_tags_and_category_are_searched(ana: Actor) -> None:
    await make_proposal(
        ana, title="Un coup de main", text="Samedi", tags=["demenagement"], category="transport", **NOWHERE
    )
    assert titles(await search("demenagement")) == ["Un coup de main"]
    assert titles(await search("transport")) == ["Un coup de main"]


async def test_filters_purpose_category_tag_status_and_remote(ana: Actor) -> None:
    offer = await make_proposal(
        ana, title="Site web offert", category="informatique", tags=["wordpress"], **{**NOWHERE, "remote_ok": True}
    )
    await make_proposal(
        ana, purpose=ProposalPurpose.REQUEST, title="Site web demandé", category="informatique", **NOWHERE
    )
    closed = await make_proposal(ana, title="Site web ancien", category="design", **NOWHERE)
    await close_proposal(closed, by=ana)
    assert titles(await search("site", SearchFilters(purpose=ProposalPurpose.REQUEST))) == ["Site web demandé"]
    assert len(await search("site", SearchFilters(category="informatique"))) == 2
    assert titles(await search("", SearchFilters(tag="#WordPress"))) == ["Site web offert"]
    assert titles(await search("site", SearchFilters(status=ProposalStatus.CLOSED))) == ["Site web ancien"]
    assert titles(await search("site", SearchFilters(remote_ok=True))) == ["Site web offert"]
    combined = SearchFilters(purpose=ProposalPurpose.OFFER, category="informatique", status=ProposalStatus.OPEN)
    assert [hit.proposal.id for hit in await search("web", combined)] == [offer.id]


async def test_near_a_place_within_km_is_exact(ana: Actor) -> None:
    # Villeurbanne is 4.4 km from Lyon; a point 12.6 km north-east sits inside the 10 km box but outside the circle
    corner = (LYON[0] + 0.08, LYON[1] + 0.115)
    box = bounding_box(*LYON, 10)
    assert box is not None and box[0] < corner[0] < box[1] and box[2] < corner[1] < box[3]
    assert distance_km(*LYON, *corner) > 10
    for title, (lat, lon) in (("Lyon", LYON), ("Villeurbanne", VILLEURBANNE), ("Paris", PARIS), ("Coin", corner)):
        await make_proposal(
            ana, title=f"Transport {title}", place_name=title, latitude=lat, longitude=lon, remote_ok=False
        )
    await make_proposal(ana, title="Transport sans lieu", **NOWHERE)
    near = await search("transport", SearchFilters(near=LYON, within_km=10))
    assert sorted(titles(near)) == ["Transport Lyon", "Transport Villeurbanne"]
    assert len(await search("", SearchFilters(near=PARIS, within_km=500))) == 4
    assert bounding_box(89.99, 0, 10) is None


async def test_filter_by_collective_and_members_only_posts_stay_private(ana: Actor) -> None:
    await make_proposal(ana, title="Conseil juridique", category="soutienjuridique", **NOWHERE)
    await make_proposal(ana, title="Conseil entre membres", visibility=Visibility.FOLLOWERS, **NOWHERE)
    eve = await make_remote("eve", "cowork.example", mastodon=False)
    note = parse_note(
        {
            "id": f"{eve.ap_id}/posts/1",
            "type": "Note",
            "attributedTo": eve.ap_id,
            "purpose": "offer",
            "name": "Conseil en statuts",
            "content": "<p>SCOP, SCIC</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }
    )
    post = await Post.create(id=new_id(), ap_id=note.ap_id, author=eve, content=note.content, published_at=NOW)
    await store_remote_proposal(post, note)
    assert sorted(titles(await search("conseil"))) == ["Conseil en statuts", "Conseil juridique"]
    assert titles(await search("conseil", SearchFilters(domain="cowork.example"))) == ["Conseil en statuts"]
    members = SearchFilters(visibilities=(Visibility.PUBLIC, Visibility.FOLLOWERS))
    assert len(await search("conseil", members)) == 3


async def test_plain_posts_are_found_unless_only_proposals_are_wanted(ana: Actor) -> None:
    await create_post(ana, "Merci pour le covoiturage !", now=NOW)
    await make_proposal(ana, title="Covoiturage vers Grenoble", **NOWHERE)
    assert len(await search("covoiturage")) == 2
    hits = await search("covoiturage", SearchFilters(proposals_only=True))
    assert titles(hits) == ["Covoiturage vers Grenoble"] and hits[0].post.author.username == "ana"


async def test_deleted_posts_disappear_and_the_index_can_be_rebuilt(ana: Actor) -> None:
    post = await create_post(ana, "Atelier couture mardi", now=NOW)
    await make_proposal(ana, title="Couture de rideaux", **NOWHERE)
    await delete_post(post, by=ana)
    assert titles(await search("couture")) == ["Couture de rideaux"]
    assert await reindex_all() == 1
    assert titles(await search("couture")) == ["Couture de rideaux"]


async def test_query_syntax_cannot_leak_into_the_database(ana: Actor) -> None:
    await make_proposal(ana, title="Garde d'enfants", hours=Decimal(1), **NOWHERE)
    for text in ('"', "enfants OR *", "a:* & !b", "NEAR(x y)", "'; DROP TABLE post; --", "l'enfant"):
        await search(text)
    assert search_terms("L'enfant, c'est-à-dire") == ["enfant", "est", "dire"]
    assert titles(await search("enfants")) == ["Garde d'enfants"]


async def test_without_words_newest_first_with_paging(ana: Actor) -> None:
    for hour in range(5):
        await make_proposal(ana, title=f"Annonce {hour}", **NOWHERE, now=NOW + timedelta(hours=hour))
    assert titles(await search("", limit=2)) == ["Annonce 4", "Annonce 3"]
    assert titles(await search("", limit=2, offset=2)) == ["Annonce 2", "Annonce 1"]


async def test_words_in_a_post_cannot_pose_as_filters(ana: Actor) -> None:
    # facet tokens live in their own column (SQLite) or weight (PostgreSQL), out of the text's reach
    await make_proposal(ana, title="Piège fxcatdesign fxstatusclosed", category="comptabilite", **NOWHERE)
    assert await search("", SearchFilters(category="design")) == []
    assert await search("", SearchFilters(status=ProposalStatus.CLOSED)) == []
    assert titles(await search("fxcatdesign")) == ["Piège fxcatdesign fxstatusclosed"]


async def test_each_map_grid_serves_its_radius(ana: Actor) -> None:
    await make_proposal(
        ana, title="Transport Lyon", place_name="Lyon", latitude=LYON[0], longitude=LYON[1], remote_ok=False
    )
    for km in (5, 30, 100, 300):  # the fine, middle and coarse cells, then a plain box
        assert titles(await search("transport", SearchFilters(near=VILLEURBANNE, within_km=km))) == ["Transport Lyon"]
    assert await search("transport", SearchFilters(near=VILLEURBANNE, within_km=4)) == []


async def test_a_post_deleted_by_any_code_path_leaves_the_index(ana: Actor) -> None:
    proposal = await make_proposal(ana, title="Tondeuse à prêter", **NOWHERE)
    await Post.filter(id=proposal.post_id).update(deleted_at=NOW)  # e.g. a remote Delete applied elsewhere
    assert await search("tondeuse") == []
