"""What the pages members read most find their rows through indexes, never by reading a whole table that grows
with the instance's life (tests/query_plans.py reads the plans): timelines, notifications, an account's posts,
a status and its thread, with a picture and a mention among them; and the documents other servers fetch."""

from __future__ import annotations

import pytest
from pictures import photo, upload_form
from query_plans import traced, whole_table_reads


async def test_the_pages_members_read_most_read_no_growing_table_whole(api, backend) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL plans by its statistics; this watches SQLite's plans, which have none")
    # Given bob follows ana, who posts a picture mentioning him, and bob favourites it
    ana = await api.add_member("ana")
    await api.add_member("bob")
    assert (await api.post(f"/api/v1/accounts/{ana.actor.id}/follow", as_="bob")).status == 200
    picture = await api.post("/api/v1/media", as_="ana", data=upload_form(photo(640, 480), description="A drill"))
    assert picture.status == 200, picture.body
    json = {"status": "@bob Perceuse à prêter", "media_ids": [picture.body["id"]]}
    status = (await api.post("/api/v1/statuses", as_="ana", json=json)).body
    assert (await api.post(f"/api/v1/statuses/{status['id']}/favourite", as_="bob")).status == 200
    pages = [
        ("bob", "/api/v1/timelines/home"),
        (None, "/api/v1/timelines/public"),
        ("bob", "/api/v1/notifications"),
        ("ana", "/api/v1/notifications"),
        ("ana", "/api/v1/notifications/unread_count"),
        ("bob", f"/api/v1/accounts/{ana.actor.id}/statuses"),
        ("bob", f"/api/v1/statuses/{status['id']}"),
        ("bob", f"/api/v1/statuses/{status['id']}/context"),
    ]
    # And what other servers fetch: actors, their outboxes and followers, the post as a Note
    documents = ["/u/ana", "/u/ana/outbox", "/u/ana/followers", "/u/ana/following", "/c/collective/followers"]
    documents.append(status["uri"].removeprefix(api.base_url))

    async def read_pages() -> None:
        for member, path in pages:
            answer = await api.get(path, as_=member)
            assert answer.status == 200, (path, answer.body)
        for path in documents:
            answer = await api.get(path, headers={"Accept": "application/activity+json"}, check=False)
            assert answer.status == 200, (path, answer.body)

    # When they read those pages
    with api.instance.db.active():
        statements = await traced(read_pages)
        # Then every statement finds its rows through an index
        assert len(statements) > len(pages)
        assert await whole_table_reads(statements) == {}
