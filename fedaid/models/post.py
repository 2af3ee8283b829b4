"""Every Note we know, local or remote: what the Mastodon API calls a status."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor


MAX_TAG_LENGTH = 100  # characters of a hashtag's name (PostTag.name)


class Visibility(StrEnum):
    """Who a post is for; `fedaid.domain.visibility` says who may see each."""

    PUBLIC = "public"
    UNLISTED = "unlisted"
    FOLLOWERS = "followers"  # the author's accepted followers and those mentioned
    MEMBERS = "members"  # the collective's members and the members of allied collectives
    DIRECT = "direct"


class Post(Model):
    """A Note. `content` is HTML already sanitised on Mastodon's allowlist."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=512, unique=True)
    author: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="posts", on_delete=fields.CASCADE
    )
    author_id: int
    is_local = fields.BooleanField(default=False)
    content = fields.TextField(default="")
    summary = fields.TextField(default="")
    sensitive = fields.BooleanField(default=False)
    language = fields.CharField(max_length=16, null=True)
    visibility = fields.CharEnumField(Visibility, max_length=16, default=Visibility.PUBLIC, db_index=True)
    url = fields.CharField(max_length=512, null=True)
    in_reply_to_ap_id = fields.CharField(max_length=512, null=True, db_index=True)
    in_reply_to: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="replies", null=True, on_delete=fields.SET_NULL
    )
    in_reply_to_id: int | None
    audience = fields.CharField(max_length=512, null=True)
    mentions: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    addressed_to: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    published_at = fields.DatetimeField(db_index=True)
    updated_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)
    hidden_at = fields.DatetimeField(null=True)  # hidden by a moderator: seen by its author only (visibility.py)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "post"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class PostTag(Model):
    """One hashtag of a post, lowercased without `#`, for tag timelines and search."""

    id = fields.BigIntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="tags", on_delete=fields.CASCADE
    )
    post_id: int
    name = fields.CharField(max_length=MAX_TAG_LENGTH, db_index=True)

    class Meta:
        table = "post_tag"
        unique_together = (("post", "name"),)


class PostMention(Model):
    """One actor a post mentions, by AP id (known or not): who sees followers-only and direct posts."""

    id = fields.BigIntField(primary_key=True)
    post = fields.ForeignKeyField("models.Post", related_name="mention_rows", on_delete=fields.CASCADE)
    ap_id = fields.CharField(max_length=512, db_index=True)

    class Meta:
        table = "post_mention"
        unique_together = (("post", "ap_id"),)
