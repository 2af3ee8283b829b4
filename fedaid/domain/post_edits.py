"""Edit a member's post or proposal text, keeping the version it replaces for the edit history. No HTTP."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from fedaid.domain import media as attachments
from fedaid.domain import posts, proposals
from fedaid.models import Actor, MediaAttachment, Post, PostEdit, Proposal


@dataclass(frozen=True)
class Version:
    """One state of a post's text, as the edit history shows it."""

    content: str
    summary: str
    sensitive: bool
    written_at: datetime


async def edit_with_history(
    post: Post,
    *,
    by: Actor,
    text: str,
    summary: str | None = None,
    sensitive: bool | None = None,
    mentions: Sequence[Actor] | None = None,
    media: Sequence[MediaAttachment] | None = None,
) -> Post:
    """Replace the text of a post (a proposal's through its rules), keep the old version, federate the Update.

    `media` (checked by `media.check_attachable`) replaces the attachments; None leaves them as they are."""
    posts.check_can_change(post, by)
    async with in_transaction():
        await keep_version(post)
        if media is not None:
            await attachments.attach(post, media)
        proposal = await Proposal.get_or_none(post_id=post.id)
        if proposal is not None:
            await proposals.edit_proposal(proposal, by=by, text=text)
        else:
            await posts.edit_post(post, by=by, text=text, summary=summary, sensitive=sensitive, mentions=mentions)
    return await Post.get(id=post.id).select_related("author")


async def keep_version(post: Post) -> None:
    """Keep the post's current text in its history, before an edit (ours or one from elsewhere) replaces it."""
    await PostEdit.create(
        post_id=post.id,
        content=post.content,
        summary=post.summary,
        sensitive=post.sensitive,
        written_at=post.updated_at or post.published_at,
    )


async def history(post: Post) -> list[Version]:
    """Every version of the post, oldest first, the current one last (one version when never edited)."""
    earlier = await PostEdit.filter(post_id=post.id).order_by("id")
    return [
        *(Version(row.content, row.summary, row.sensitive, row.written_at) for row in earlier),
        Version(post.content, post.summary, post.sensitive, post.updated_at or post.published_at),
    ]
