"""A real client: Mastodon.py (synchronous, run in threads) against live instances on loopback.

Every JSON answer Mastodon.py receives is also checked against Mastodon's OpenAPI schema, through a
`requests` response hook on the session it uses.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
import requests
from pictures import exif_of, photo

from fedaid.api.stream_hub import STREAM_HUB
from fedaid.domain.categories import ensure_default_categories

from testsupport import PASSWORD, drain, until

mastodon = pytest.importorskip("mastodon")
from mastodon import Mastodon, MastodonAPIError, StreamListener  # noqa: E402
from real_clients import checked_session, client_for, consent_in_browser  # noqa: E402

OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write", "follow", "push"]


class Collector(StreamListener):
    def __init__(self) -> None:
        self.updates: list = []
        self.arrived = threading.Event()

    def on_update(self, status) -> None:
        self.updates.append(status)
        self.arrived.set()


async def sign_in_with_code(api, session, client_id: str, client_secret: str, login: str) -> Mastodon:
    """The authorization-code flow: Mastodon.py builds the URL, the member consents on the web page
    (/oauth/authorize), Mastodon.py trades the code for a token."""
    app = await asyncio.to_thread(client_for, api, session, client_id=client_id, client_secret=client_secret)
    url = await asyncio.to_thread(app.auth_request_url, redirect_uris=OOB, scopes=SCOPES, state="s1", allow_http=True)
    assert url.startswith(f"{api.base_url}/oauth/authorize?")
    code = await consent_in_browser(url, login, PASSWORD)
    await asyncio.to_thread(app.log_in, code=code, redirect_uri=OOB, scopes=SCOPES, allow_http=True)
    return app


async def test_mastodon_py_signs_in_posts_reads_and_streams(make_api, mastodon_schema) -> None:
    # Given an instance with two members, and an app registered by Mastodon.py
    alpha = await make_api("alpha")
    ana = await alpha.add_member("ana")
    await alpha.add_member("cy")
    with alpha.instance.db.active():
        await ensure_default_categories()
    session = checked_session(mastodon_schema)
    client_id, client_secret = await asyncio.to_thread(
        Mastodon.create_app,
        "fedaid tests",
        scopes=SCOPES,
        redirect_uris=OOB,
        api_base_url=alpha.base_url,
        session=session,
    )

    # When ana signs in with her password, and cy with the authorization-code flow
    ana_app = await asyncio.to_thread(client_for, alpha, session, client_id=client_id, client_secret=client_secret)
    await asyncio.to_thread(
        ana_app.log_in, username="ana@example.org", password=PASSWORD, scopes=SCOPES, allow_http=True
    )
    cy_app = await sign_in_with_code(alpha, session, client_id, client_secret, "cy")

    # Then both verify their credentials
    me = await asyncio.to_thread(ana_app.account_verify_credentials)
    assert me.acct == "ana" and str(me.id) == str(ana.actor.id)
    assert (await asyncio.to_thread(cy_app.me)).acct == "cy"
    assert ana_app.verify_minimum_version("4.3.0", cached=True)

    # When ana listens on her user stream and posts a plain status and an offer
    # (a short heartbeat: Mastodon.py's close() waits for its reader thread, which wakes on the next event)
    alpha.instance.app[STREAM_HUB].heartbeat = 0.2
    collector = Collector()
    handle = await asyncio.to_thread(ana_app.stream_user, collector, run_async=True)
    try:
        hub = alpha.instance.app[STREAM_HUB]
        await until(lambda: len(hub.subscriptions) == 1, "Mastodon.py's user stream")
        plain = await asyncio.to_thread(ana_app.status_post, "Bonjour le collectif !")
        assert plain.content.startswith("<p>Bonjour") and plain.fedaid is None
        # Then the new status arrives on her stream
        assert await asyncio.to_thread(collector.arrived.wait, 10), "no update on the user stream"
        assert str(collector.updates[0].id) == str(plain.id)
    finally:
        await asyncio.to_thread(handle.close)  # it joins the reader thread: never block the loop

    # When ana posts an offer as a plain status
    offer = await asyncio.to_thread(ana_app.status_post, "Aide pour un déménagement\n3 h · 📍 Lyon\n#offre #transport")
    # Then it is a proposal: a status with its `fedaid` object, found among the proposals
    assert offer.fedaid.purpose == "offer" and offer.fedaid.category == "transport"
    assert offer.fedaid.hours == 3 and offer.fedaid.place.name == "Lyon" and offer.fedaid.status == "open"
    listed = await alpha.get("/api/fedaid/v1/proposals", params={"purpose": "offer"})
    assert [p["id"] for p in listed.body] == [str(offer.id)]
    # And an offer that cannot be one says why
    with pytest.raises(MastodonAPIError) as refused:
        await asyncio.to_thread(ana_app.status_post, "#offre #demande")
    assert "à la fois une offre" in str(refused.value)  # in her language (French by default)

    # And her timelines show her statuses: home, public and tag
    home = await asyncio.to_thread(ana_app.timeline_home)
    assert [str(s.id) for s in home] == [str(offer.id), str(plain.id)]
    public = await asyncio.to_thread(cy_app.timeline_public, local=True)
    assert {str(offer.id), str(plain.id)} <= {str(s.id) for s in public}
    tagged = await asyncio.to_thread(cy_app.timeline_hashtag, "offre")
    assert [str(s.id) for s in tagged] == [str(offer.id)]
    first_page = await asyncio.to_thread(ana_app.timeline_home, limit=1)
    older = await asyncio.to_thread(ana_app.fetch_next, first_page)  # follows the Link header
    assert [str(s.id) for s in older] == [str(plain.id)]

    # When cy responds to the offer
    response = await asyncio.to_thread(cy_app.status_post, "Je suis intéressé·e !", in_reply_to_id=offer.id)
    # Then ana gets the notification, with the response
    notifications = await asyncio.to_thread(ana_app.notifications)
    assert [(n.type, str(n.status.id)) for n in notifications] == [("mention", str(response.id))]
    assert notifications[0].fedaid.kind == "response" and notifications[0].account.acct == "cy"


async def test_mastodon_py_looks_up_and_follows_a_member_of_another_instance(make_api, mastodon_schema) -> None:
    # Given ana on alpha, signed in with Mastodon.py, and bob on beta
    alpha, beta = await make_api("alpha"), await make_api("beta")
    await alpha.add_member("ana")
    bob = await beta.add_member("bob")
    session = checked_session(mastodon_schema)
    ana_app = await asyncio.to_thread(client_for, alpha, session, access_token=alpha.tokens["ana"])
    bob_acct = f"bob@{beta.instance.settings.domain}"
    # When she searches bob's address with resolve, and follows him
    found = await asyncio.to_thread(ana_app.search_v2, bob_acct, resolve=True)
    assert [a.acct for a in found.accounts] == [bob_acct]
    remote_bob = found.accounts[0]
    relationship = await asyncio.to_thread(ana_app.account_follow, remote_bob.id)
    assert relationship.requested or relationship.following
    # Then once both instances delivered, she follows him and he has her as a follower
    await drain(alpha.instance, beta.instance)
    [after] = await asyncio.to_thread(ana_app.account_relationships, remote_bob.id)
    assert after.following and not after.requested
    assert (await asyncio.to_thread(ana_app.account_lookup, bob_acct)).id == remote_bob.id
    followers = await beta.get(f"/api/v1/accounts/{bob.actor.id}/followers")
    assert [a["acct"] for a in followers.body] == [f"ana@{alpha.instance.settings.domain}"]


async def test_mastodon_py_uploads_a_picture_with_a_description_posts_and_reads_it_back(
    make_api, mastodon_schema, tmp_path
) -> None:
    # Given ana, signed in with Mastodon.py, and a photo on her disk
    alpha = await make_api("alpha")
    await alpha.add_member("ana")
    ana_app = await asyncio.to_thread(
        client_for, alpha, checked_session(mastodon_schema), access_token=alpha.tokens["ana"]
    )
    photo_file = tmp_path / "perceuse.jpg"
    photo_file.write_bytes(photo(1600, 1200))
    # When she uploads it with a description and a focal point (v2: processed after the answer)
    uploaded = await asyncio.to_thread(
        ana_app.media_post, str(photo_file), description="A red drill", focus=(0.2, -0.3)
    )
    assert uploaded.url is None and uploaded.type == "image"
    processed = uploaded
    deadline = asyncio.get_running_loop().time() + 20
    while processed.url is None:
        assert asyncio.get_running_loop().time() < deadline, "the upload was not processed"
        await asyncio.sleep(0.05)
        processed = await asyncio.to_thread(ana_app.media, uploaded)
    # And posts a status with it
    status = await asyncio.to_thread(ana_app.status_post, "Perceuse à prêter", media_ids=[processed])
    # Then she reads it back with its picture, description, sizes and focal point
    again = await asyncio.to_thread(ana_app.status, status.id)
    [attached] = again.media_attachments
    assert (attached.id, attached.description, attached.type) == (processed.id, "A red drill", "image")
    assert (attached.meta.original.width, attached.meta.original.height) == (1600, 1200)
    assert (attached.meta.focus.x, attached.meta.focus.y) == (0.2, -0.3) and attached.blurhash
    picture = await asyncio.to_thread(requests.get, attached.url, timeout=10)
    assert picture.status_code == 200 and picture.headers["Content-Type"] == "image/jpeg"
    assert exif_of(picture.content) == {}
