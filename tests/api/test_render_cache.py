"""The render cache of fedaid/api/views.py: requests that miss the same page at once render it once."""

from __future__ import annotations

import asyncio

from factories import make_post

from fedaid.api.views import Presenter, RenderCache
from fedaid.config import Settings
from fedaid.db import Database
from fedaid.domain import timelines
from fedaid.domain.members import add_member
from fedaid.domain.paging import Page
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
