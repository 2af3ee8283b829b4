"""The instance's counts (fedaid/domain/instance.py, `UsageCache`): counted again once `ttl` has passed, and not
before, since counting reads every post written here and every remote actor."""

from __future__ import annotations

from mutual_aid_factories import make_local, make_remote

from fedaid.db import Database
from fedaid.domain.instance import Usage, UsageCache
from fedaid.domain.posts import create_post, delete_post


async def test_the_counts_are_kept_for_their_time_then_counted_again(db: Database) -> None:
    # Given ana posted twice (one deleted since) and an actor of another server is known
    ana = await make_local("ana")
    await make_remote("bob", domain="masto.example")
    await create_post(ana, "Perceuse à prêter")
    await delete_post(await create_post(ana, "Effacée"), by=ana)
    now = [0.0]
    cache = UsageCache(ttl=60.0, clock=lambda: now[0])
    # When the counts are asked for, then again after ana posts once more, within the minute and after it
    first = await cache.usage()
    await create_post(ana, "Ponceuse à prêter")
    now[0] = 59.0
    within = await cache.usage()
    now[0] = 61.0
    after = await cache.usage()
    # Then the new post counts only once the minute has passed (members are accounts: ana has none here)
    assert first == within == Usage(members=0, local_posts=1, peer_domains=1)
    assert after == Usage(members=0, local_posts=2, peer_domains=1)
