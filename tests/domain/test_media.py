"""Tests for fedaid/domain/media.py and remote_media.py: attaching, files counted by the rows naming them,
pruning (which keeps what a session or a draft demand shows), and the Note that carries attachments."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from circle_factories import make_circle, session_terms
from mutual_aid_factories import NOW, make_local, make_remote
from pictures import pdf, photo

from fedaid.activitypub.attachments import parse_attachments
from fedaid.db import Database
from fedaid.domain import demands, media, media_cleanup, remote_media
from fedaid.domain.post_federation import note_of
from fedaid.domain.posts import create_post, delete_post
from fedaid.domain.sessions import schedule_session
from fedaid.filestore import LocalFileStore
from fedaid.models import Actor, MediaAttachment, MediaState, Post, WorkItem, WorkKind
from fedaid.models.ids import new_id


@pytest.fixture
async def ana(db: Database) -> Actor:
    return await make_local("ana")


@pytest.fixture
def store(tmp_path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "media")


async def ready_upload(ana: Actor, data: bytes, store: LocalFileStore, alt: str = "") -> MediaAttachment:
    upload = await media.upload(ana, data, store, description=alt)
    await media.process_upload(upload, store)
    return await MediaAttachment.get(id=upload.id)


async def test_an_upload_is_processed_and_its_raw_file_released(ana: Actor, store: LocalFileStore) -> None:
    upload = await media.upload(ana, photo(2500, 1000), store, description="A van")
    raw = upload.file_key
    assert upload.state == MediaState.PROCESSING and store.keys() == [raw]
    assert await WorkItem.filter(kind=WorkKind.PROCESS_UPLOAD, target=str(upload.id)).exists()
    await media.process_upload(upload, store)
    done = await MediaAttachment.get(id=upload.id)
    assert done.state == MediaState.READY and (done.width, done.height) == (1920, 768)
    assert raw not in store.keys() and sorted(store.keys()) == sorted([done.file_key, done.thumbnail_key])


async def test_a_note_carries_its_attachments_and_deleting_the_post_frees_its_files(
    ana: Actor, store: LocalFileStore
) -> None:
    picture = await ready_upload(ana, photo(), store, "A drill")
    flyer = await ready_upload(ana, pdf(), store, "Flyer")
    post = await create_post(ana, "Perceuse et flyer", media=await media.check_attachable(ana, [picture.id, flyer.id]))
    note = await note_of(post)
    assert [(a["type"], a["name"]) for a in note["attachment"]] == [("Image", "A drill"), ("Document", "Flyer")]
    await delete_post(post, by=ana)
    await media_cleanup.forget_media_of_deleted_posts(store)
    assert store.keys() == [] and not await MediaAttachment.all().exists()


async def test_a_sweep_since_a_moment_frees_the_files_of_posts_deleted_since_then_only(
    ana: Actor, store: LocalFileStore
) -> None:
    # Given a post deleted an hour ago and one deleted now, each with its own picture
    old_picture, new_picture = (
        await ready_upload(ana, photo(300, 200), store),
        await ready_upload(ana, photo(200, 300), store),
    )
    old = await create_post(ana, "Perceuse", media=await media.check_attachable(ana, [old_picture.id]))
    new = await create_post(ana, "Ponceuse", media=await media.check_attachable(ana, [new_picture.id]))
    await delete_post(old, by=ana, now=datetime.now(UTC) - timedelta(hours=1))
    await delete_post(new, by=ana)
    # When the worker's sweep looks at the posts deleted in the last ten minutes
    await media_cleanup.forget_media_of_deleted_posts(store, deleted_since=datetime.now(UTC) - timedelta(minutes=10))
    # Then the newly deleted post's picture is gone and the other one is left for a whole sweep
    assert [row.post_id for row in await MediaAttachment.all()] == [old.id]
    await media_cleanup.forget_media_of_deleted_posts(store)
    assert store.keys() == [] and not await MediaAttachment.all().exists()


async def test_a_file_shared_by_two_uploads_stays_while_one_refers_to_it(ana: Actor, store: LocalFileStore) -> None:
    first = await ready_upload(ana, photo(), store)
    second = await ready_upload(ana, photo(), store)
    assert first.file_key == second.file_key
    await media_cleanup.delete_unattached(first, store)
    assert second.file_key in store.keys()
    await media_cleanup.delete_unattached(second, store)
    assert store.keys() == []


async def test_an_upload_of_the_same_picture_during_the_first_ones_processing_keeps_its_file(
    ana: Actor, store: LocalFileStore
) -> None:
    first = await media.upload(ana, photo(), store)
    raw = first.file_key

    async def second_upload_arrives() -> bool:  # the release's second look, as another request commits
        await media.upload(ana, photo(), store)
        return await MediaAttachment.filter(file_key=raw).exists()

    assert await store.remove_unless(raw, second_upload_arrives) is False
    assert store.path_of(raw) is not None
    await media.process_upload(await MediaAttachment.get(id=first.id), store)
    second = await MediaAttachment.get(file_key=raw)
    await media.process_upload(second, store)
    assert (await MediaAttachment.get(id=second.id)).state == MediaState.READY


async def test_a_file_no_row_names_is_removed_and_its_key_can_be_stored_again(store: LocalFileStore) -> None:
    key = store.put(pdf(), "application/pdf")

    async def unused() -> bool:
        assert store.path_of(key) is None  # out of reach while the rows are asked
        return False

    assert await store.remove_unless(key, unused) is True
    assert store.keys() == [] and list(store.root.glob("??/.*")) == []
    assert store.put(pdf(), "application/pdf") == key and store.path_of(key) is not None


async def test_attaching_refuses_more_than_four_and_uploads_of_others(ana: Actor, store: LocalFileStore) -> None:
    cy = await make_local("cy")
    mine = [await ready_upload(ana, photo(100 + n, 80), store) for n in range(5)]
    with pytest.raises(media.NotAttachable, match="at most 4"):
        await media.check_attachable(ana, [m.id for m in mine])
    with pytest.raises(media.NotAttachable, match="not one of your uploads"):
        await media.check_attachable(cy, [mine[0].id])


async def test_prune_removes_old_orphans_stray_files_and_old_remote_copies(ana: Actor, store: LocalFileStore) -> None:
    # Given an upload never attached, two days old; an attached one; a stray file; a remote copy fetched long ago
    orphan = await ready_upload(ana, photo(900, 600), store)
    await MediaAttachment.filter(id=orphan.id).update(created_at=datetime.now(UTC) - timedelta(days=2))
    kept = await ready_upload(ana, photo(200, 300), store)
    await create_post(ana, "avec image", media=[kept])
    stray = store.put(pdf() + b"%stray\n%%EOF", "application/pdf")
    remote = await make_remote("bo", "masto.example")
    post = await Post.create(
        id=new_id(), ap_id="https://masto.example/users/bo/statuses/1", author=remote, published_at=datetime.now(UTC)
    )
    [row] = await remote_media.record_attachments(
        post, parse_attachments({"type": "Document", "mediaType": "image/jpeg", "url": "https://masto.example/1.jpg"})
    )
    await remote_media.store_fetched(row, photo(1000, 800), store)
    await MediaAttachment.filter(id=row.id).update(fetched_at=datetime.now(UTC) - timedelta(days=40))
    # When the prune runs, dropping remote copies older than 30 days
    done = await media_cleanup.prune(store, remote_older_than=timedelta(days=30))
    # Then only the attached upload's files are left; the remote row stays, as a link
    assert done == {"attachments_removed": 1, "remote_uncached": 1, "files_deleted": 5, "interrupted_files": 0}
    assert sorted(store.keys()) == sorted({kept.file_key, kept.thumbnail_key}) and stray not in store.keys()
    link = await MediaAttachment.get(id=row.id)
    assert link.file_key is None and link.remote_url == "https://masto.example/1.jpg"


async def test_prune_keeps_files_only_a_session_or_a_draft_demand_shows(ana: Actor, store: LocalFileStore) -> None:
    # Given two-day-old uploads: a picture on ana's draft demand (which has no post), a flyer on a session (which
    # has none either), and a picture on a session deleted since
    picture = await ready_upload(ana, photo(640, 480), store, "The rally")
    flyer = await ready_upload(ana, pdf(), store, "Flyer")
    leftover = await ready_upload(ana, photo(300, 200), store)
    group = await make_local("chauffeurs", group=True)
    draft = await demands.draft_demand(
        ana, demands.DemandTerms(title="Un tarif minimum"), collective=group, attachments=[picture]
    )
    circle = await make_circle(facilitator=ana)
    session = await schedule_session(circle, ana, session_terms(), media=[flyer], now=NOW)
    gone = await schedule_session(circle, ana, session_terms(title="Autre séance"), media=[leftover], now=NOW)
    await gone.delete()
    await MediaAttachment.all().update(created_at=datetime.now(UTC) - timedelta(days=2))
    # When the prune runs
    done = await media_cleanup.prune(store)
    # Then only the deleted session's picture went; the draft's and the session's files stay, on their rows
    assert done["attachments_removed"] == 1 and leftover.file_key not in store.keys()
    assert set(store.keys()) == {picture.file_key, picture.thumbnail_key, flyer.file_key}
    assert [row.id for row in await media.media_of(draft)] == [picture.id]
    assert [row.id for row in await media.media_of(session)] == [flyer.id]


async def test_prune_takes_back_files_a_dead_process_left_aside(ana: Actor, store: LocalFileStore) -> None:
    # Given files a process moved aside to remove them and then died: one still named by an attachment, one not;
    # a half-written upload; and a file moved aside a moment ago (perhaps still being removed)
    kept = await ready_upload(ana, photo(200, 300), store)
    await create_post(ana, "avec image", media=[kept])
    unused = store.put(pdf(), "application/pdf")
    young = store.put(pdf() + b"%young\n%%EOF", "application/pdf")
    long_ago = datetime.now(UTC).timestamp() - 3600

    def set_aside(key: str, *, old: bool = True) -> Path:
        path = store.path_of(key)
        assert path is not None
        aside = path.with_name(f".leaving-{'0' * 16}-{key}")
        path.rename(aside)
        if old:
            os.utime(aside, (long_ago, long_ago))
        return aside

    set_aside(kept.file_key)
    set_aside(unused)
    fresh = set_aside(young, old=False)
    half = store.root / "ab" / ".incoming-xyz"
    half.parent.mkdir(exist_ok=True)
    half.write_bytes(b"half")
    os.utime(half, (long_ago, long_ago))
    # When the prune runs
    done = await media_cleanup.prune(store)
    # Then the named file is back, the unnamed and half-written ones are gone, the young one is left alone
    assert done["interrupted_files"] == 3
    assert store.path_of(kept.file_key) is not None and store.path_of(unused) is None
    assert not half.exists() and fresh.exists()
