"""Pictures and documents attached to posts, demands and coaching sessions, local uploads and remote attachments,
and the queued work that fetches remote media and the parents of replies."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor
    from fedaid.models.coaching_session import CoachingSession
    from fedaid.models.demand import Demand
    from fedaid.models.post import Post


class MediaKind(StrEnum):
    """Mastodon's MediaAttachment `type`, where a PDF or a link to another page is `unknown`."""

    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    UNKNOWN = "unknown"


class MediaState(StrEnum):
    PROCESSING = "processing"  # an upload waiting for its decode and re-encode
    READY = "ready"  # local files present, or a remote link shown as a link
    FETCHING = "fetching"  # a remote picture waiting to be cached here
    FAILED = "failed"


class MediaAttachment(Model):
    """One attached file. Files are named by their content (`file_key`, `thumbnail_key`) in the file store,
    several rows may share a file, which goes once no row names it.

    It is shown by a `post`, a `session`, or a `demand`: a draft demand has no post yet, so its files hang on the
    demand itself, and publishing puts the same rows on the demand's Question post as well (`post` then says
    where they are shown, `demand` where they were drafted). A row shown by nothing is an orphan, pruned."""

    id = fields.BigIntField(primary_key=True)
    owner: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="media", null=True, on_delete=fields.CASCADE
    )
    owner_id: int | None
    post: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="media", null=True, on_delete=fields.SET_NULL
    )
    post_id: int | None
    demand: fields.ForeignKeyNullableRelation[Demand] = fields.ForeignKeyField(
        "models.Demand", related_name="media", null=True, on_delete=fields.SET_NULL
    )
    demand_id: int | None
    session: fields.ForeignKeyNullableRelation[CoachingSession] = fields.ForeignKeyField(
        "models.CoachingSession", related_name="media", null=True, on_delete=fields.SET_NULL
    )
    session_id: int | None
    position = fields.SmallIntField(default=0)
    kind = fields.CharEnumField(MediaKind, max_length=16, default=MediaKind.UNKNOWN)
    state = fields.CharEnumField(MediaState, max_length=16, default=MediaState.PROCESSING, db_index=True)
    content_type = fields.CharField(max_length=100, default="")
    description = fields.TextField(default="")
    focus_x = fields.FloatField(default=0)
    focus_y = fields.FloatField(default=0)
    width = fields.IntField(null=True)
    height = fields.IntField(null=True)
    small_width = fields.IntField(null=True)
    small_height = fields.IntField(null=True)
    blurhash = fields.CharField(max_length=100, null=True)
    file_key = fields.CharField(max_length=100, null=True, db_index=True)
    thumbnail_key = fields.CharField(max_length=100, null=True, db_index=True)
    size = fields.BigIntField(default=0)
    remote_url = fields.CharField(max_length=2048, null=True)
    is_local = fields.BooleanField(default=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    fetched_at = fields.DatetimeField(null=True)

    class Meta:
        table = "media_attachment"


class WorkKind(StrEnum):
    PROCESS_UPLOAD = "process_upload"  # target: a MediaAttachment id
    FETCH_MEDIA = "fetch_media"  # target: a MediaAttachment id
    FETCH_PARENT = "fetch_parent"  # target: the ap_id of the post a reply answers


class WorkState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class WorkItem(Model):
    """Work that must happen after a request or an inbox item is done, outside its transaction."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharEnumField(WorkKind, max_length=32)
    target = fields.CharField(max_length=512)
    depth = fields.SmallIntField(default=0)  # for parents: how many replies down the chain asked for it
    state = fields.CharEnumField(WorkState, max_length=16, default=WorkState.PENDING)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(default="")
    next_attempt_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "work_item"
        unique_together = (("kind", "target"),)
        indexes = (("state", "next_attempt_at"),)
