"""Editing statuses: PUT /api/v1/statuses/:id federates Update(Note); source and history for the apps."""

from __future__ import annotations

import asyncio

import pytest
from federated import copy_of, follow_across

from fedaid.models import PostEdit

from testsupport import drain

mastodon = pytest.importorskip("mastodon")


async def test_an_edit_reaches_followers_elsewhere_and_keeps_its_history(make_api) -> None:
    from mastodon import Mastodon

    # Given ana on alpha, followed by bob on beta, and her status that bob received
    alpha, beta = await make_api("alpha"), await make_api("beta")
    await alpha.add_member("ana")
    await alpha.add_member("cy")
    await beta.add_member("bob")
    await follow_across(beta, "bob", alpha, "ana")
    posted = await alpha.post("/api/v1/statuses", as_="ana", data={"status": "Atelier vélo samedi"})
    await drain(alpha.instance, beta.instance)
    assert (await copy_of(beta, "bob", posted.body))["content"] == "<p>Atelier vélo samedi</p>"
    # When she edits it from her app, with a content warning
    app = await asyncio.to_thread(
        Mastodon,
        api_base_url=alpha.base_url,
        access_token=alpha.tokens["ana"],
        version_check_mode="created",
        request_timeout=20,
    )
    source = await asyncio.to_thread(app.status_source, posted.body["id"])
    assert source.text == "Atelier vélo samedi" and source.spoiler_text == ""
    edited = await asyncio.to_thread(
        app.status_update, posted.body["id"], "Atelier vélo dimanche", spoiler_text="changement"
    )
    # Then the status says so, and its history holds both versions, oldest first
    assert edited.content == "<p>Atelier vélo dimanche</p>" and edited.edited_at is not None
    assert edited.spoiler_text == "changement" and edited.sensitive
    shown = await alpha.get(f"/api/v1/statuses/{posted.body['id']}")
    assert shown.body["content"] == "<p>Atelier vélo dimanche</p>"
    history = await alpha.get(f"/api/v1/statuses/{posted.body['id']}/history")
    assert [v["content"] for v in history.body] == ["<p>Atelier vélo samedi</p>", "<p>Atelier vélo dimanche</p>"]
    assert history.body[1]["spoiler_text"] == "changement"
    # And bob's instance applies the Update(Note)
    await drain(alpha.instance, beta.instance)
    copy = await copy_of(beta, "bob", posted.body)
    assert copy["content"] == "<p>Atelier vélo dimanche</p>" and copy["edited_at"] is not None
    # When she deletes it, no earlier version is kept either
    with alpha.instance.db.active():
        assert await PostEdit.filter(post_id=int(posted.body["id"])).count() == 1
    assert (await alpha.call("DELETE", f"/api/v1/statuses/{posted.body['id']}", as_="ana")).status == 200
    with alpha.instance.db.active():
        assert await PostEdit.filter(post_id=int(posted.body["id"])).count() == 0


async def test_edits_are_refused_with_a_reason_and_change_nothing(api) -> None:
    await api.add_member("ana")
    await api.add_member("cy", scopes="read")
    await api.add_member("bea")
    posted = await api.post("/api/v1/statuses", as_="ana", data={"status": "Bonjour"})
    path = f"/api/v1/statuses/{posted.body['id']}"
    empty = await api.call("PUT", path, as_="ana", json={"status": "  "})
    assert empty.status == 422 and "some text" in empty.body["error"]
    assert (await api.call("PUT", path, as_="bea", json={"status": "pirate"})).status == 403
    assert (await api.call("PUT", path, as_="cy", json={"status": "no write scope"})).status == 403
    assert (await api.get(f"{path}/source", as_="bea")).status == 404
    assert (await api.call("PUT", path, as_="ana", data={"status": "x", "media_ids[]": "1"})).status == 422
    shown = await api.get(path)
    assert shown.body["content"] == "<p>Bonjour</p>" and shown.body["edited_at"] is None
    assert len((await api.get(f"{path}/history")).body) == 1


async def test_editing_an_offer_keeps_it_a_proposal(api) -> None:
    from fedaid.domain.categories import ensure_default_categories

    await api.add_member("ana")
    with api.instance.db.active():
        await ensure_default_categories()
    offer = await api.post(
        "/api/v1/statuses", as_="ana", data={"status": "Aide déménagement\n3 h · 📍 Lyon\n#offre #transport"}
    )
    assert offer.body["fedaid"]["purpose"] == "offer", offer.body
    edited = await api.call(
        "PUT", f"/api/v1/statuses/{offer.body['id']}", as_="ana", json={"status": "Aide déménagement, camion compris"}
    )
    assert edited.status == 200 and "camion compris" in edited.body["content"]
    assert edited.body["fedaid"]["purpose"] == "offer" and edited.body["edited_at"] is not None
