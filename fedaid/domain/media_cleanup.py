"""Letting go of attachments and their files: those of deleted posts, an upload its owner no longer wants, the
files of a form that was not saved, and the periodic prune (orphans, old copies of remote files, stray files).
A file goes once no attachment row names it (`media.release_files`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import cast

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from fedaid.clock import utcnow
from fedaid.domain import theme
from fedaid.domain.media import HOLDERS, NotAttachable, files_of, is_held, release_files
from fedaid.filestore import FileStore
from fedaid.models import MediaAttachment, Post

UNATTACHED_KEPT = timedelta(days=1)  # an upload never attached is pruned after this


def _of_deleted_posts(deleted_since: datetime | None = None) -> QuerySet[MediaAttachment]:
    """Attachments of deleted posts that no demand or session shows as well; of the posts deleted at or after
    `deleted_since` only, when given (found from the posts' deleted_at index, not by reading every attachment)."""
    held = MediaAttachment.filter(post__deleted_at__isnull=False, demand_id__isnull=True, session_id__isnull=True)
    if deleted_since is None:
        return held
    return held.filter(post_id__in=Subquery(Post.filter(deleted_at__gte=deleted_since).values("id")))


async def forget_media_of(post_ids: Iterable[int], store: FileStore) -> int:
    """The posts are deleted: their attachments go (unless a demand or a session shows them too), and each
    file nothing else uses."""
    ids = list(post_ids)
    if not ids:
        return 0
    rows = await _of_deleted_posts().filter(post_id__in=ids)
    keys = files_of(rows)
    await MediaAttachment.filter(id__in=[row.id for row in rows]).delete()
    return await release_files(keys, store)


async def forget_media_of_deleted_posts(
    store: FileStore, *, deleted_since: datetime | None = None, batch: int = 500
) -> int:
    """Attachments of posts deleted (at or after `deleted_since`, when given) go, with each file nothing else
    uses, `batch` posts' worth at a time until none is left; returns the files deleted."""
    deleted, next_batch = 0, _of_deleted_posts(deleted_since).limit(batch)
    while post_ids := await next_batch.values_list("post_id", flat=True):
        deleted += await forget_media_of(set(cast("list[int]", post_ids)), store)
    return deleted


async def delete_unattached(media: MediaAttachment, store: FileStore) -> None:
    """An upload its owner no longer wants, before it went on a post, a demand or a session."""
    if is_held(media):
        raise NotAttachable("This media is attached to a post: delete or edit the post instead.")
    keys = files_of([media])
    await media.delete()
    await release_files(keys, store)


async def discard_unused(media_ids: Sequence[int], store: FileStore) -> int:
    """Remove those of `media_ids` that nothing shows: the files of a form that was not saved, at once rather
    than at the next prune. Returns how many were removed."""
    if not media_ids:
        return 0
    rows = await (await _unused()).filter(id__in=list(media_ids))
    keys = files_of(rows)
    removed = await MediaAttachment.filter(id__in=[row.id for row in rows]).delete()
    await release_files(keys, store)
    return removed


async def _unused() -> QuerySet[MediaAttachment]:
    """Attachments on no post, demand or session that are no collective's logo either."""
    held_by_nothing = {f"{column}__isnull": True for column in HOLDERS}
    return MediaAttachment.filter(**held_by_nothing).exclude(id__in=await theme.logo_ids())


async def prune(
    store: FileStore, *, remote_older_than: timedelta | None = None, now: datetime | None = None
) -> dict[str, int]:
    """Remove uploads on no post, demand or session (never attached, or taken off by an edit), attachments of
    deleted posts, cached remote files older than `remote_older_than` (their rows stay, as links, and are
    fetched again when wanted), and stray files (files a dead process left aside are put back first, and
    judged with the rest)."""
    moment = now or utcnow()
    recovered = store.recover_interrupted()
    orphans = (await _unused()).filter(created_at__lt=moment - UNATTACHED_KEPT)
    gone = _of_deleted_posts()
    keys: list[str] = []
    removed = 0
    for query in (orphans, gone):
        rows = await query
        keys += files_of(rows)
        removed += await MediaAttachment.filter(id__in=[row.id for row in rows]).delete()
    uncached = 0
    if remote_older_than is not None:
        old = await MediaAttachment.filter(
            is_local=False, fetched_at__lt=moment - remote_older_than, file_key__isnull=False
        )
        keys += files_of(old)
        uncached = await MediaAttachment.filter(id__in=[row.id for row in old]).update(
            file_key=None, thumbnail_key=None, fetched_at=None
        )
    deleted = await release_files(keys, store)
    referenced = set(await MediaAttachment.filter(file_key__isnull=False).values_list("file_key", flat=True))
    referenced |= set(await MediaAttachment.filter(thumbnail_key__isnull=False).values_list("thumbnail_key", flat=True))
    deleted += await release_files((key for key in store.keys() if key not in referenced), store)
    return {
        "attachments_removed": removed,
        "remote_uncached": uncached,
        "files_deleted": deleted,
        "interrupted_files": recovered,
    }
