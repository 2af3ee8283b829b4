"""Search v2 for statuses: the full-text index (words as prefixes, accents folded), only what the reader may see."""

from __future__ import annotations

from factories import make_post

from fedaid.domain.posts import create_post
from fedaid.models import Actor, ActorType, Visibility


async def test_search_finds_statuses_by_words_through_the_full_text_index(api) -> None:
    # Given posts made the usual way (indexed in their transaction), and a remote members-only post
    ana, bea = await api.add_member("ana"), await api.add_member("bea")
    with api.instance.db.active():
        bike = await create_post(ana.actor, "Atelier de réparation de vélos samedi #entraide")
        await create_post(ana.actor, "Réparation de machines à laver")
        members = await create_post(bea.actor, "Vélo cargo à prêter", visibility=Visibility.MEMBERS)
        stranger = await Actor.create(
            ap_id="https://far.example/users/dan",
            type=ActorType.PERSON,
            username="dan",
            domain="far.example",
            inbox="https://far.example/users/dan/inbox",
        )
        await make_post(stranger, "<p>vélo réservé à mes abonnés</p>", visibility=Visibility.FOLLOWERS)
    # When ana searches words without accents, one of them a prefix
    found = await api.get("/api/v2/search", as_="ana", params={"q": "reparation velo", "type": "statuses"})
    # Then every word must match, whatever its accents
    assert [s["id"] for s in found.body["statuses"]] == [str(bike.id)]
    # And members-only posts show only to those who may read them
    velo = await api.get("/api/v2/search", as_="ana", params={"q": "vél", "type": "statuses"})
    assert {s["id"] for s in velo.body["statuses"]} == {str(bike.id), str(members.id)}
    # And anonymous readers get no full-text results, as on Mastodon
    anonymous = await api.get("/api/v2/search", params={"q": "velo", "type": "statuses"})
    assert anonymous.status == 200 and anonymous.body["statuses"] == []
    by_url = await api.get("/api/v2/search", params={"q": bike.ap_id})
    assert [s["id"] for s in by_url.body["statuses"]] == [str(bike.id)]
