"""Rows for API tests, written directly and indexed for search (the domain's own tests cover how posts are made)."""

from __future__ import annotations

from typing import Any

from fedaid.clock import utcnow
from fedaid.domain import search
from fedaid.domain.visibility import record_mentions
from fedaid.models import Actor, Post, PostTag, Proposal, ProposalPurpose, Visibility
from fedaid.models.ids import new_id


async def make_post(
    author: Actor,
    content: str = "<p>Hello</p>",
    *,
    tags: tuple[str, ...] = (),
    visibility: Visibility = Visibility.PUBLIC,
    in_reply_to: Post | None = None,
    proposal: dict[str, Any] | None = None,
    **fields: Any,
) -> Post:
    post_id = new_id()
    post = await Post.create(
        id=post_id,
        ap_id=f"{author.ap_id}/posts/{post_id}",
        author=author,
        is_local=author.is_local,
        content=content,
        visibility=visibility,
        in_reply_to=in_reply_to,
        in_reply_to_ap_id=in_reply_to.ap_id if in_reply_to else None,
        **{"published_at": utcnow(), **fields},
    )
    await record_mentions(post)
    for name in tags:
        await PostTag.create(post=post, name=name)
    if proposal is not None:
        values = {"purpose": ProposalPurpose.OFFER, "title": "Help", **proposal}
        await Proposal.create(id=new_id(), post=post, **values)
    await post.fetch_related("author")
    await search.index_post(post, proposal=await Proposal.get_or_none(post_id=post.id), tags=tags)
    return post
