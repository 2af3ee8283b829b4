"""Changes to local actors travel to their followers on other instances, over real HTTP on 127.0.0.1:
a profile edit as Update(Person), a collective's new name as Update(Group), a closed account as Delete."""

from __future__ import annotations

from fedaid.appkeys import REMOTE_ACTORS
from fedaid.domain import follows
from fedaid.domain.accounts import update_profile
from fedaid.domain.instance import get_collective, update_collective
from fedaid.domain.leaving import remove_member
from fedaid.domain.members import add_member
from fedaid.models import AccountRole, Actor, Follow

from testsupport import PASSWORD, drain


async def follow_from(follower_instance, username: str, followed_ap_id: str) -> None:
    """A member of `follower_instance` follows an actor of another instance."""
    with follower_instance.db.active():
        member = await add_member(
            follower_instance.base_url, username, email=f"{username}@example.org", password=PASSWORD
        )
        target = await follower_instance.app[REMOTE_ACTORS].get_actor(followed_ap_id)
        await follows.follow(member.actor, target)


async def copy_of(instance, ap_id: str) -> Actor:
    with instance.db.active():
        return await Actor.get(ap_id=ap_id)


async def test_a_profile_edit_reaches_a_follower_on_another_instance(make_instance):
    drivers = await make_instance("drivers")
    coworking = await make_instance("coworking")
    with drivers.db.active():
        ana = (await add_member(drivers.base_url, "ana", email="ana@example.org", password=PASSWORD)).actor
    await follow_from(coworking, "bob", ana.ap_id)
    await drain(drivers, coworking)
    assert (await copy_of(coworking, ana.ap_id)).name == "ana"

    # When Ana changes her profile on her own instance
    with drivers.db.active():
        await update_profile(ana, name="Ana Bernard", summary="Je conduis le mardi.", locked=True)
    await drain(drivers, coworking)

    # Then the copy her follower's instance keeps shows it
    copy = await copy_of(coworking, ana.ap_id)
    assert copy.name == "Ana Bernard"
    assert "Je conduis le mardi." in copy.summary
    assert copy.manually_approves_followers is True


async def test_a_collective_renamed_reaches_its_followers(make_instance):
    drivers = await make_instance("drivers")
    coworking = await make_instance("coworking")
    with drivers.db.active():
        collective = await get_collective("drivers")
    await follow_from(coworking, "bob", collective.ap_id)
    await drain(drivers, coworking)

    with drivers.db.active():
        await update_collective("drivers", name="Chauffeurs solidaires")
    await drain(drivers, coworking)

    assert (await copy_of(coworking, collective.ap_id)).name == "Chauffeurs solidaires"


async def test_a_closed_account_is_deleted_on_its_followers_instance(make_instance):
    drivers = await make_instance("drivers")
    coworking = await make_instance("coworking")
    with drivers.db.active():
        ana = (
            await add_member(
                drivers.base_url, "ana", email="ana@example.org", password=PASSWORD, role=AccountRole.MEMBER
            )
        ).actor
    await follow_from(coworking, "bob", ana.ap_id)
    await drain(drivers, coworking)
    with coworking.db.active():
        assert await Follow.filter(target__ap_id=ana.ap_id).exists()

    with drivers.db.active():
        await remove_member("ana")
    await drain(drivers, coworking)

    copy = await copy_of(coworking, ana.ap_id)
    assert copy.is_deleted
    with coworking.db.active():
        assert not await Follow.filter(target__ap_id=ana.ap_id).exists()
