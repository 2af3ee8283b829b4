"""Every web address answers ActivityPub requests: a page redirects to the id of the object it shows, a pasted
offer URL resolves from a second instance's search, and hashtag links lead to tag pages (web and Atom)."""

from __future__ import annotations

import json

from fedaid.models import Proposal

AP = {"Accept": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'}


async def _get(api, path_or_url: str, *, headers=None, redirects: bool = True):
    url = path_or_url if path_or_url.startswith("http") else api.base_url + path_or_url
    async with api.session.get(url, headers=headers or {}, allow_redirects=redirects) as answer:
        return answer.status, answer.headers, await answer.text()


async def test_web_addresses_answer_activitypub_by_redirecting_to_the_id(make_api) -> None:
    # Given an offer posted on alpha
    alpha = await make_api("alpha")
    await alpha.add_member("ana")
    posted = await alpha.post("/api/v1/statuses", as_="ana", json={"status": "#offre Je prête ma perceuse #adistance"})
    assert posted.status == 200, posted.body
    with alpha.instance.db.active():
        proposal = await Proposal.get(post_id=int(posted.body["id"]))
    collective_id = f"{alpha.base_url}/c/alpha"
    # Then each page's address redirects an ActivityPub request to the object's id
    for path, target in (
        (f"/proposals/{proposal.id}", posted.body["uri"]),
        (f"/posts/{posted.body['id']}", posted.body["uri"]),
        ("/", collective_id),
        ("/about", collective_id),
    ):
        status, headers, _ = await _get(alpha, path, headers=AP, redirects=False)
        assert status == 302 and headers["Location"] == target, (path, status)
        assert "Accept" in headers.get("Vary", "")
    # And following it gives the Note, its content starting with the readable line, remote ok in our terms
    status, headers, body = await _get(alpha, f"/proposals/{proposal.id}", headers=AP)
    assert status == 200 and headers["Content-Type"].startswith("application/activity+json")
    note = json.loads(body)
    assert note["id"] == posted.body["uri"] and note["remoteOk"] is True
    assert note["content"].startswith("<p>OFFRE · Je prête ma perceuse · 1 h · à distance</p>")
    # And members and collectives answer with their actors, unknown numbers with 404, never 500
    for path, kind in (("/u/ana", "Person"), ("/c/alpha", "Group")):
        status, _, body = await _get(alpha, path, headers=AP)
        assert status == 200 and json.loads(body)["type"] == kind
    for path in ("/proposals/99999999", "/posts/99999999999999999999999", "/demands/4", "/sessions/5", "/circles/x"):
        status, _, _ = await _get(alpha, path, headers=AP, redirects=False)
        assert status == 404, path
    # And people still get the page
    status, _, page = await _get(alpha, f"/proposals/{proposal.id}")
    assert status == 200 and "Je prête ma perceuse" in page


async def test_a_pasted_offer_url_resolves_from_a_second_instance(make_api) -> None:
    # Given an offer on alpha, and bob on beta
    alpha, beta = await make_api("alpha"), await make_api("beta")
    await alpha.add_member("ana")
    await beta.add_member("bob")
    posted = await alpha.post("/api/v1/statuses", as_="ana", json={"status": "#offre Je prête ma perceuse #adistance"})
    with alpha.instance.db.active():
        proposal = await Proposal.get(post_id=int(posted.body["id"]))
    url = f"{alpha.base_url}/proposals/{proposal.id}"
    # When bob pastes its web address into search, resolving
    found = await beta.get("/api/v2/search", as_="bob", params={"q": url, "resolve": "true", "type": "statuses"})
    # Then he finds the offer, with its kind, category and remote ok, and the readable line once
    assert found.status == 200 and [s["uri"] for s in found.body["statuses"]] == [posted.body["uri"]]
    status = found.body["statuses"][0]
    assert status["fedaid"]["purpose"] == "offer" and status["fedaid"]["category"] == "pret"
    assert status["fedaid"]["remote_ok"] is True
    assert status["content"].count("OFFRE · Je prête ma perceuse") == 1
    # And without resolving, or anonymously, nothing is fetched; the id itself is found once known
    by_id = await beta.get("/api/v2/search", as_="bob", params={"q": posted.body["uri"], "type": "statuses"})
    assert [s["uri"] for s in by_id.body["statuses"]] == [posted.body["uri"]]
    # And beta's page of the received offer shows the readable line's fields once, in its own header
    with beta.instance.db.active():
        received = await Proposal.get(post__ap_id=posted.body["uri"])
    code, _, page = await _get(beta, f"/proposals/{received.id}")
    assert code == 200 and '<h1 id="proposal-title">Je prête ma perceuse</h1>' in page
    assert "OFFRE · Je prête" not in page  # the header shows kind, hours and place; the text follows alone


async def test_tag_pages_list_the_tagged_offers_on_the_web_and_in_atom(make_api) -> None:
    # Given two offers, one tagged #perceuse
    api = await make_api("alpha")
    await api.add_member("ana")
    tagged = await api.post("/api/v1/statuses", as_="ana", json={"status": "Je prête ma perceuse #offre #perceuse"})
    await api.post("/api/v1/statuses", as_="ana", json={"status": "Cours de yoga #offre"})
    assert [t["url"] for t in tagged.body["tags"] if t["name"] == "perceuse"] == [f"{api.base_url}/tags/perceuse"]
    # Then the tag page lists the tagged one only, and so does its Atom feed
    status, _, page = await _get(api, "/tags/perceuse")
    assert status == 200 and "Je prête ma perceuse" in page and "Cours de yoga" not in page
    assert 'href="/tags/perceuse.atom"' in page
    status, headers, feed = await _get(api, "/tags/Perceuse.atom")
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
    assert feed.count("<entry>") == 1 and tagged.body["uri"] in feed
    # And the category and purpose hashtags have their pages too; an unused one is an empty page
    status, _, page = await _get(api, "/tags/offre")
    assert status == 200 and "Je prête ma perceuse" in page and "Cours de yoga" in page
    status, _, page = await _get(api, "/tags/jamais")
    assert status == 200 and "Je prête" not in page
