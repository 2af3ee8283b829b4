"""A post's AS2 tags as stored: its hashtags (PostTag rows, lowercase, without `#`) and the actors it mentions."""

from __future__ import annotations

from collections.abc import Iterable

from fedaid.models import Actor, Post, PostTag

MAX_TAG_LENGTH = 100


async def set_tags(post: Post, names: Iterable[str], *, is_new: bool = False) -> list[str]:
    """Replace the post's hashtags (lowercase, without `#`); `is_new` for a post just inserted, which has none."""
    wanted = list(dict.fromkeys(str(name).lstrip("#").lower()[:MAX_TAG_LENGTH] for name in names if name))
    if not is_new:
        await PostTag.filter(post_id=post.id).delete()
    if wanted:
        await PostTag.bulk_create([PostTag(post_id=post.id, name=name) for name in wanted])
    return wanted


async def tags_of(post: Post) -> list[str]:
    """The post's hashtags, in the order they were set."""
    return [str(name) for name in await PostTag.filter(post_id=post.id).order_by("id").values_list("name", flat=True)]


async def mentions_of(post: Post) -> list[Actor]:
    """The actors the post mentions that we know, in the order it names them."""
    if not post.mentions:
        return []
    found = {actor.ap_id: actor for actor in await Actor.filter(ap_id__in=list(post.mentions))}
    return [found[ap_id] for ap_id in post.mentions if ap_id in found]
