"""Silenced domains: their posts are kept and reach followers' home timelines, never the public ones."""

from __future__ import annotations

from factories import make_post
from streams import read_events, subscribed

from fedaid.domain.policy import set_domain_policy
from fedaid.models import Actor, ActorType, Follow, FollowState, PolicyKind


async def remote_actor(username: str, domain: str) -> Actor:
    ap_id = f"https://{domain}/users/{username}"
    return await Actor.create(
        ap_id=ap_id,
        type=ActorType.PERSON,
        username=username,
        domain=domain,
        is_local=False,
        inbox=f"{ap_id}/inbox",
        followers_url=f"{ap_id}/followers",
    )


async def test_public_timelines_leave_out_silenced_domains_but_followers_see_them_at_home(api) -> None:
    # Given a post from a silenced domain's member whom ana follows, and one from elsewhere
    ana = await api.add_member("ana")
    with api.instance.db.active():
        quiet = await remote_actor("cy", "eu.quiet.example")
        loud = await remote_actor("bob", "masto.example")
        await set_domain_policy("quiet.example", PolicyKind.SILENCE)
        await Follow.create(follower=ana.actor, target=quiet, state=FollowState.ACCEPTED)
        hushed = await make_post(quiet, "<p>#entraide from a silenced domain</p>", tags=("entraide",))
        heard = await make_post(loud, "<p>#entraide from elsewhere</p>", tags=("entraide",))
    # When anyone reads the public and tag timelines
    public = await api.get("/api/v1/timelines/public")
    remote = await api.get("/api/v1/timelines/public", params={"remote": "true"})
    tagged = await api.get("/api/v1/timelines/tag/entraide")
    # Then the silenced domain's post is not there, though it is stored and shown to its follower at home
    assert [s["id"] for s in public.body] == [str(heard.id)]
    assert [s["id"] for s in remote.body] == [str(heard.id)]
    assert [s["id"] for s in tagged.body] == [str(heard.id)]
    home = await api.get("/api/v1/timelines/home", as_="ana")
    assert [s["id"] for s in home.body] == [str(hushed.id)]
    assert (await api.get(f"/api/v1/statuses/{hushed.id}")).status == 200


async def test_public_stream_leaves_out_silenced_domains(api) -> None:
    with api.instance.db.active():
        quiet = await remote_actor("cy", "quiet.example")
        loud = await remote_actor("bob", "masto.example")
        await set_domain_policy("quiet.example", PolicyKind.SILENCE)
    async with api.session.get(f"{api.base_url}/api/v1/streaming/public") as public:
        await subscribed(api, 1)
        with api.instance.db.active():
            await make_post(quiet, "<p>silenced</p>")
            heard = await make_post(loud, "<p>heard</p>")
        events = await read_events(public, 1)  # the silenced post came first: it was passed over
    assert [event[1]["id"] for event in events] == [str(heard.id)]
