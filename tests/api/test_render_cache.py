"""The render cache (fedaid/api/render_cache.py): requests that miss the same page at once render it once, and
lapsed entries are served while they are rendered again."""

from __future__ import annotations

import asyncio

from factories import make_post

from fedaid.api.render_cache import REFRESH_BATCH, RenderCache
from fedaid.api.views import Presenter
from fedaid.config import Settings
from fedaid.db import Database
from fedaid.domain import timelines
from fedaid.domain.members import add_member
from fedaid.domain.paging import Page
from fedaid.domain.reactions import favourite
from fedaid.domain.visibility import local_viewer

BASE = "http://aid.example"


async def test_concurrent_requests_missing_the_same_page_render_it_once(db: Database, tmp_path) -> None:
    ana = (await add_member(BASE, "ana", email="ana@example.org", password="a long passphrase")).actor
    for n in range(5):
        await make_post(ana, f"<p>Post {n}</p>")
    cache = RenderCache()
    settings = Settings(data_dir=tmp_path, base_url=BASE, secret_key="x" * 32)
    rendered: list[int] = []

    class CountingPresenter(Presenter):
        async def _render_statuses(self, posts):
            rendered.extend(post.id for post in posts)
            return await super()._render_statuses(posts)

    entries = await timelines.of_account(local_viewer(ana), ana, Page(limit=20))
    pages = await asyncio.gather(*(CountingPresenter(settings, cache=cache).status_page(entries) for _ in range(10)))
    assert len(rendered) == 5  # one rendering of the five statuses, not ten
    assert all(statuses == pages[0][0] for statuses, _ in pages) and len(pages[0][0]) == 5


async def test_a_lapsed_page_is_served_at_once_and_rendered_again_behind(db: Database, tmp_path) -> None:
    """After its TTL a status is still served (no request waits for its rendering) while one background task
    renders it again; after two TTLs it is rendered in the request."""
    ana = (await add_member(BASE, "ana", email="ana@example.org", password="a long passphrase")).actor
    bea = (await add_member(BASE, "bea", email="bea@example.org", password="a long passphrase")).actor
    post = await make_post(ana, "<p>Post</p>")
    now = [1000.0]
    cache = RenderCache(ttl=5, clock=lambda: now[0])
    settings = Settings(data_dir=tmp_path, base_url=BASE, secret_key="x" * 32)
    rendered: list[int] = []

    class CountingPresenter(Presenter):
        async def _render_statuses(self, posts):
            rendered.extend(p.id for p in posts)
            return await super()._render_statuses(posts)

    async def favourites_shown() -> int:
        entries = await timelines.of_account(local_viewer(ana), ana, Page(limit=20))
        (status,), _ = await CountingPresenter(settings, cache=cache).status_page(entries)
        return status["favourites_count"]

    assert await favourites_shown() == 0 and rendered == [post.id]
    await favourite(post, bea)
    now[0] += 4
    assert await favourites_shown() == 0 and cache._refreshing is None  # fresh: nothing to do
    now[0] += 2  # lapsed: served as it was, rendered again behind
    assert await favourites_shown() == 0
    assert cache._refreshing is not None
    await cache._refreshing
    assert rendered == [post.id, post.id]
    assert await favourites_shown() == 1 and len(rendered) == 2
    now[0] += 11  # lapsed for longer than one TTL: rendered in the request
    await favourite(post, ana)
    assert await favourites_shown() == 2 and len(rendered) == 3


async def test_many_lapsed_entries_are_rendered_again_a_batch_at_a_time() -> None:
    # Given more entries lapsed than one background rendering takes
    now = [1000.0]
    cache = RenderCache(ttl=5, clock=lambda: now[0])
    for key in range(REFRESH_BATCH * 2 + 10):
        cache.put(("status", key), {"id": key})
    now[0] += 6
    for key in range(REFRESH_BATCH * 2 + 10):
        assert cache.get(("status", key)) == {"id": key}  # lapsed: still served
    batches: list[int] = []

    async def render_again(keys: list) -> None:
        batches.append(len(keys))
        for key in keys:
            cache.put(key, {"id": key[1], "again": True})

    # When requests go on and each asks for the lapsed entries to be rendered again
    while cache._lapsed:
        cache.refresh_lapsed(render_again)
        await cache._refreshing
    # Then each background task rendered one batch, and every entry is fresh again
    assert batches == [REFRESH_BATCH, REFRESH_BATCH, 10]
    assert all(cache.get(("status", key))["again"] for key in range(REFRESH_BATCH * 2 + 10))


async def test_a_lapsed_account_is_served_while_it_is_rendered_again(db: Database, tmp_path) -> None:
    # Given ana's account rendered, then lapsed
    ana = (await add_member(BASE, "ana", email="ana@example.org", password="a long passphrase")).actor
    now = [1000.0]
    cache = RenderCache(ttl=5, clock=lambda: now[0])
    presenter = Presenter(Settings(data_dir=tmp_path, base_url=BASE, secret_key="x" * 32), cache=cache)
    (before,) = await presenter.accounts([ana])
    now[0] += 6
    assert cache.get(("account", ana.id)) == before
    # When it is rendered again behind the requests
    cache.refresh_lapsed(presenter._render_again)
    # Then a request meanwhile still finds it (taking it out first made every request wait for its counts)
    while not cache._refreshing.done():
        assert cache.get(("account", ana.id)) is not None
        await asyncio.sleep(0)
    assert cache.get(("account", ana.id)) == before and ("account", ana.id) not in cache._lapsed
