"""Uploads through the client API: POST /api/v2/media (202, processed in the background), GET/PUT
/api/v1/media/:id, media_ids on statuses; and every refusal leaves nothing on disk."""

from __future__ import annotations

import asyncio

import pytest
from pictures import exif_of, fifty_megapixels, pdf, photo, png, png_bomb, stored_files, upload_form

from fedaid.appkeys import MEDIA_FILES, MEDIA_WORKER
from fedaid.domain import media, work
from fedaid.models import Actor, MediaAttachment, MediaState, WorkKind


async def upload_ready_by_id(api, media_id: str, *, as_: str = "ana", timeout: float = 20.0) -> dict:
    """Wait for the background processing: 206 with no url meanwhile, then 200."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        got = await api.get(f"/api/v1/media/{media_id}", as_=as_)
        if got.status == 200:
            return got.body
        assert got.status == 206 and got.body["url"] is None, got.body
        assert asyncio.get_running_loop().time() < deadline, f"media {media_id} was not processed"
        await asyncio.sleep(0.02)


async def test_upload_is_processed_described_and_posted(api) -> None:
    # Given a member
    await api.add_member("ana")
    # When she uploads a photo through v2 with alt text and a focal point
    answer = await api.post(
        "/api/v2/media", as_="ana", data=upload_form(photo(2400, 1800), description="A red drill", focus="0.5,-0.25")
    )
    # Then it is accepted for processing, without a url yet
    assert answer.status == 202 and answer.body["url"] is None and answer.body["type"] == "image"
    processed = await upload_ready_by_id(api, answer.body["id"])
    # And once processed it is shrunk to 1920 px, has a small version, a blurhash and no EXIF
    assert processed["description"] == "A red drill"
    assert processed["meta"]["original"]["width"] == 1920 and processed["meta"]["original"]["height"] == 1440
    assert processed["meta"]["small"]["width"] == 800 and processed["blurhash"]
    assert processed["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    async with api.session.get(processed["url"], headers={"Authorization": f"Bearer {api.tokens['ana']}"}) as file:
        body = await file.read()
        assert file.status == 200 and file.headers["Content-Type"] == "image/jpeg"
    assert exif_of(body) == {}
    # When she changes the description and posts a status with it
    changed = await api.call(
        "PUT", f"/api/v1/media/{processed['id']}", as_="ana", json={"description": "A red cordless drill"}
    )
    assert changed.status == 200 and changed.body["description"] == "A red cordless drill"
    status = await api.post(
        "/api/v1/statuses", as_="ana", json={"status": "Perceuse à prêter", "media_ids": [processed["id"]]}
    )
    # Then the status carries it, and reads back with it
    assert status.status == 200, status.body
    [attached] = status.body["media_attachments"]
    assert attached["id"] == processed["id"] and attached["description"] == "A red cordless drill"
    again = await api.get(f"/api/v1/statuses/{status.body['id']}")
    assert [m["url"] for m in again.body["media_attachments"]] == [processed["url"]]
    # And its files are public with long caching
    async with api.session.get(processed["url"]) as file:
        assert "immutable" in file.headers["Cache-Control"] and "public" in file.headers["Cache-Control"]


async def test_pdf_and_png_uploads_keep_their_kind(api) -> None:
    await api.add_member("ana")
    document = await api.post(
        "/api/v1/media", as_="ana", data=upload_form(pdf(), filename="flyer.pdf", content_type="application/pdf")
    )
    assert document.status == 200 and document.body["type"] == "unknown" and document.body["url"].endswith(".pdf")
    picture = await api.post("/api/v1/media", as_="ana", data=upload_form(png(), filename="a.png"))
    assert picture.status == 200 and picture.body["url"].endswith(".png")
    assert picture.body["meta"]["original"]["width"] == 300


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("50 megapixels", fifty_megapixels, "megapixels"),
        ("PNG bomb", png_bomb, "megapixels"),
        ("text named .jpg", lambda: b"I am not a picture, only text.\n" * 10, "not a picture"),
        ("half a PDF", lambda: pdf()[:60], "not a complete PDF"),
    ],
)
async def test_refused_uploads_leave_nothing_on_disk(api, name, data, reason) -> None:
    await api.add_member("ana")
    answer = await api.post("/api/v2/media", as_="ana", data=upload_form(data(), filename="holiday.jpg"))
    assert answer.status == 422, (name, answer.body)
    assert reason in answer.body["error"]
    assert stored_files(api.instance.settings.data_dir) == []


async def test_a_file_over_the_size_limit_is_refused_and_leaves_nothing_on_disk(api) -> None:
    await api.add_member("ana")
    jpeg = photo()
    oversized = jpeg + b"\0" * (media.MAX_UPLOAD_BYTES + 1 - len(jpeg))
    answer = await api.post("/api/v2/media", as_="ana", data=upload_form(oversized))
    assert answer.status == 413 and "16 MiB" in answer.body["error"], answer.body
    assert stored_files(api.instance.settings.data_dir) == []
    with api.instance.db.active():
        assert not await MediaAttachment.exists()


async def test_a_fifth_attachment_is_refused_and_stores_nothing(api) -> None:
    await api.add_member("ana")
    uploaded = [
        (await api.post("/api/v1/media", as_="ana", data=upload_form(photo(100 + i, 100)))).body["id"] for i in range(5)
    ]
    before = stored_files(api.instance.settings.data_dir)
    answer = await api.post("/api/v1/statuses", as_="ana", json={"status": "Five pictures", "media_ids": uploaded})
    assert answer.status == 422 and "at most 4" in answer.body["error"]
    assert stored_files(api.instance.settings.data_dir) == before
    me = await api.get("/api/v1/accounts/verify_credentials", as_="ana")
    assert (await api.get(f"/api/v1/accounts/{me.body['id']}/statuses")).body == []


async def test_others_cannot_use_or_read_an_upload(api) -> None:
    await api.add_member("ana")
    await api.add_member("cy")
    mine = await api.post("/api/v1/media", as_="ana", data=upload_form(photo()))
    assert (await api.get(f"/api/v1/media/{mine.body['id']}", as_="cy")).status == 404
    stolen = await api.post("/api/v1/statuses", as_="cy", json={"status": "mine now", "media_ids": [mine.body["id"]]})
    assert stolen.status == 422
    # An upload on no post is its uploader's only
    async with api.session.get(mine.body["url"]) as anonymous:
        assert anonymous.status == 404
    async with api.session.get(mine.body["url"], headers={"Authorization": f"Bearer {api.tokens['ana']}"}) as own:
        assert own.status == 200 and own.headers["Cache-Control"].startswith("private")


async def test_files_of_a_private_post_are_for_those_who_see_it(api) -> None:
    await api.add_member("ana")
    await api.add_member("cy")
    media = await api.post("/api/v1/media", as_="ana", data=upload_form(photo()))
    status = await api.post(
        "/api/v1/statuses",
        as_="ana",
        json={"status": "only for @cy", "visibility": "direct", "media_ids": [media.body["id"]]},
    )
    assert status.status == 200
    url = status.body["media_attachments"][0]["url"]
    async with api.session.get(url) as anonymous:
        assert anonymous.status == 404
    async with api.session.get(url, headers={"Authorization": f"Bearer {api.tokens['cy']}"}) as mentioned:
        assert mentioned.status == 200 and mentioned.headers["Cache-Control"].startswith("private")


async def test_x_accel_redirect_hands_the_file_to_nginx(make_api) -> None:
    api = await make_api(media_accel_redirect="/_media/")
    await api.add_member("ana")
    media = await api.post("/api/v1/media", as_="ana", data=upload_form(photo()))
    await api.post("/api/v1/statuses", as_="ana", json={"status": "hello", "media_ids": [media.body["id"]]})
    async with api.session.get(media.body["url"]) as answer:
        key = media.body["url"].rsplit("/", 1)[1]
        assert answer.headers["X-Accel-Redirect"] == f"/_media/{key[:2]}/{key}"
        assert await answer.read() == b""


async def test_an_upload_a_worker_took_first_is_waited_for_not_processed_again(api) -> None:
    # Given two uploads waiting for processing, as a v2 upload's background pass finds them
    await api.add_member("ana")
    worker, store = api.instance.app[MEDIA_WORKER], api.instance.app[MEDIA_FILES]
    with api.instance.db.active():
        ana = await Actor.get(username="ana", is_local=True)
        done_first = await media.upload(ana, photo(), store)
        # When the worker processes one before the request that uploaded it asks for it at once
        assert await worker.run_once() == 1
        await worker.process_now(done_first)
        # Then the request finds it ready, its files kept (processing it again found its raw file gone)
        ready = await media.reread(done_first)
        assert ready.state == MediaState.READY and {ready.file_key, ready.thumbnail_key} <= set(store.keys())
        # When a worker has claimed the other but not yet processed it
        in_progress = await media.upload(ana, photo(900, 600), store)
        (claimed,) = await work.claim((WorkKind.PROCESS_UPLOAD,), 10)
        waiting = asyncio.create_task(worker.process_now(in_progress))
        await asyncio.sleep(0.3)
        # Then the request waits for that worker instead of processing the file beside it
        assert not waiting.done() and (await media.reread(in_progress)).state == MediaState.PROCESSING
        await media.process_upload(await media.reread(in_progress), store)
        await work.finish(claimed)
        await asyncio.wait_for(waiting, 5)
        assert (await media.reread(in_progress)).state == MediaState.READY
