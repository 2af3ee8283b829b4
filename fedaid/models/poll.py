"""Polls (AS2 Question) of posts, local or remote, and the votes cast in them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from fedaid.models.actor import Actor
    from fedaid.models.post import Post


class Poll(Model):
    """The poll of a Question post: `counts` per option as its server last told us, and in our own polls
    `voters_count` is kept by each vote, in the same transaction."""

    id = fields.BigIntField(primary_key=True)
    post: fields.OneToOneRelation[Post] = fields.OneToOneField(
        "models.Post", related_name="poll", on_delete=fields.CASCADE
    )
    post_id: int
    options: fields.JSONField[list[Any]] = fields.JSONField(default=list)  # option titles, plain text
    counts: fields.JSONField[list[Any]] = fields.JSONField(
        default=list
    )  # votes per option (remote polls), same order as `options`
    is_multiple = fields.BooleanField(default=False)  # anyOf (several choices) rather than oneOf
    voters_count = fields.IntField(default=0)
    expires_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    refreshed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "poll"


class PollVote(Model):
    """One actor choosing one option: any vote in our polls, and the votes of our members in remote ones.

    The unique (poll, voter, choice) triple is what counts a vote once per actor, whoever races whom."""

    id = fields.BigIntField(primary_key=True)
    poll: fields.ForeignKeyRelation[Poll] = fields.ForeignKeyField(
        "models.Poll", related_name="votes", on_delete=fields.CASCADE
    )
    poll_id: int
    voter: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="poll_votes", on_delete=fields.CASCADE
    )
    voter_id: int
    choice = fields.IntField()
    is_named = fields.BooleanField(default=False)  # the voter agreed to be listed by name
    ap_id = fields.CharField(max_length=512, null=True, unique=True)  # the vote Note's id
    activity_ap_id = fields.CharField(max_length=512, null=True)  # its Create's id, for an Undo by id
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "poll_vote"
        unique_together = (("poll", "voter", "choice"),)
