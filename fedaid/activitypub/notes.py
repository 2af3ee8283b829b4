"""AS2 for our posts: the Note (with FEP-0837 data on proposals), its Create, Update and Delete, and group Announces.

Pure and synchronous: functions take rows already loaded, await nothing and read no settings. URLs come
from the rows' `ap_id`s; the base for tag links is the origin of the author's `ap_id`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from html import escape
from typing import Any
from urllib.parse import quote, urlsplit

from fedaid.activitypub.attachments import render_attachments
from fedaid.activitypub.hashtags import HASHTAG, PURPOSE_TAGS
from fedaid.activitypub.headlines import headline_html, number
from fedaid.activitypub.vocab import ACTIVITY_CONTEXT, HOUR_UNIT, PUBLIC, ActivityType, ObjectType
from fedaid.models import Actor, MediaAttachment, Post, Proposal, ProposalPurpose, ProposalStatus, Visibility

JSONDict = dict[str, Any]

DELIVER_SERVICE = "deliverService"

_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
_BLANK_LINES = re.compile(r"\n\s*\n")


# ---------------------------------------------------------------- small helpers


def iso(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with a `Z`, as Mastodon writes it."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def origin_of(ap_id: str) -> str:
    """`https://host[:port]` of an ap_id: the base for links that belong to its server."""
    parts = urlsplit(ap_id)
    return f"{parts.scheme}://{parts.netloc}"


def language_of(post: Post) -> str:
    """ "en" or "fr": the language the readable parts of a post are written in (French by default)."""
    return "en" if (post.language or "").lower().startswith("en") else "fr"


def tag_href(base_url: str, name: str) -> str:
    return f"{base_url}/tags/{quote(name.lower())}"


def hashtag_html(base_url: str, name: str) -> str:
    """Mastodon's hashtag markup; Mitra needs `rel="tag"` or class `hashtag` (Mitra's FEDERATION.md)."""
    return (
        f'<a href="{escape(tag_href(base_url, name))}" class="mention hashtag" rel="tag">'
        f"#<span>{escape(name)}</span></a>"
    )


def mention_html(actor: Actor) -> str:
    """Mastodon's mention markup (docs.joinmastodon.org/spec/activitypub/#Mention), linking the actor's profile page."""
    return (
        f'<span class="h-card"><a href="{escape(actor.url or actor.ap_id)}" class="u-url mention">'
        f"@<span>{escape(actor.username)}</span></a></span>"
    )


def _unique(items: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def followers_of_actor(actor: Actor) -> str:
    return actor.followers_url or f"{actor.ap_id}/followers"


# ---------------------------------------------------------------- content


def text_to_html(text: str, *, base_url: str, mentions: Sequence[Actor] = ()) -> tuple[str, list[str]]:
    """A member's plain text as post HTML: paragraphs, links, hashtag and mention markup.

    Returns the HTML and the hashtags found (lowercase, without `#`, in order).
    """
    hashtags: list[str] = []
    paragraphs = [part.strip() for part in _BLANK_LINES.split(text.replace("\r\n", "\n")) if part.strip()]
    rendered = []
    for paragraph in paragraphs:
        lines = [_inline_html(line, base_url, mentions, hashtags) for line in paragraph.split("\n")]
        rendered.append(f"<p>{'<br>'.join(lines)}</p>")
    return "".join(rendered), list(dict.fromkeys(hashtags))


def _inline_html(line: str, base_url: str, mentions: Sequence[Actor], hashtags: list[str]) -> str:
    """One line: escape it, then turn URLs, known mentions and hashtags into links."""
    pieces: list[tuple[int, int, str, str | None]] = []
    for match in _URL.finditer(line):
        url = escape(match[0])
        pieces.append(
            (match.start(), match.end(), f'<a href="{url}" rel="nofollow noopener noreferrer">{url}</a>', None)
        )
    for actor in mentions:
        for match in _mention_pattern(actor).finditer(line):
            pieces.append((match.start(), match.end(), mention_html(actor), None))
    for match in HASHTAG.finditer(line):
        pieces.append((match.start(), match.end(), hashtag_html(base_url, match[1]), match[1].lower()))
    out, position = [], 0
    for start, end, html, hashtag in sorted(pieces):
        if start < position:  # inside a piece already linked (a "#" in a URL, say)
            continue
        out.append(escape(line[position:start], quote=False))
        out.append(html)
        position = end
        if hashtag is not None:
            hashtags.append(hashtag)
    out.append(escape(line[position:], quote=False))
    return "".join(out)


def _mention_pattern(actor: Actor) -> re.Pattern[str]:
    """`@user@domain`, or `@user` alone for a local actor, not followed by more name characters."""
    domain = f"(?:@{re.escape(actor.domain)})" + ("?" if actor.is_local else "")
    return re.compile(rf"(?<![\w@])@{re.escape(actor.username)}{domain}(?![\w@.-]*\w)", re.IGNORECASE)


def proposal_tags(proposal: Proposal, *, language: str = "fr") -> list[str]:
    """The hashtags a proposal carries: its purpose (#offre / #offer...), its category, then its own tags."""
    purpose_tag = PURPOSE_TAGS[language][ProposalPurpose(proposal.purpose)]
    return _unique([purpose_tag, proposal.category, *(str(tag).lower() for tag in proposal.tags or [])])


def note_content(
    post: Post,
    author: Actor,
    *,
    tags: Sequence[str],
    proposal: Proposal | None = None,
) -> str:
    """The `content` HTML of a local post: for a proposal the readable line, the text, then hashtags."""
    if proposal is None:
        return post.content
    base, language = origin_of(author.ap_id), language_of(post)
    linked = [
        name
        for name in _unique([*proposal_tags(proposal, language=language), *tags])
        if f'href="{escape(tag_href(base, name))}"' not in post.content
    ]
    parts = [headline_html(proposal, language=language), post.content]
    if linked:
        parts.append(f"<p>{' '.join(hashtag_html(base, name) for name in linked)}</p>")
    return "".join(parts)


# ---------------------------------------------------------------- addressing


def addressing(
    visibility: Visibility, author: Actor, *, mentions: Sequence[Actor] = (), audience: Actor | None = None
) -> tuple[list[str], list[str]]:
    """`to` and `cc` as Mastodon's StatusParser#visibility reads them; `audience` is a collective (FEP-1b12)."""
    followers = followers_of_actor(author)
    mentioned = [actor.ap_id for actor in mentions]
    group = [audience.ap_id] if audience is not None else []
    match Visibility(visibility):
        case Visibility.PUBLIC:
            return [PUBLIC], _unique([followers, *group, *mentioned])
        case Visibility.UNLISTED:
            return [followers], _unique([PUBLIC, *group, *mentioned])
        case Visibility.FOLLOWERS:
            return [followers], _unique(mentioned)
        case Visibility.MEMBERS:
            # The collective's followers collection names its allies; only their servers receive it.
            group_followers = [followers_of_actor(audience)] if audience is not None else []
            return group_followers, _unique([*group, *mentioned])
        case _:
            return _unique(mentioned), []


# ---------------------------------------------------------------- the Note


def render_note(
    post: Post,
    author: Actor,
    *,
    tags: Sequence[str],
    mentions: Sequence[Actor],
    proposal: Proposal | None = None,
    audience: Actor | None = None,
    media: Sequence[MediaAttachment] = (),
) -> JSONDict:
    """The Note for a local post as Mastodon reads it, with FEP-0837 properties when it is a proposal."""
    base = origin_of(author.ap_id)
    content = note_content(post, author, tags=tags, proposal=proposal)
    to, cc = addressing(post.visibility, author, mentions=mentions, audience=audience)
    all_tags = _unique([*(proposal_tags(proposal, language=language_of(post)) if proposal else []), *tags])
    note: JSONDict = {
        "@context": list(ACTIVITY_CONTEXT),
        "id": post.ap_id,
        "type": ObjectType.NOTE.value,
        "attributedTo": author.ap_id,
        "summary": post.summary or None,
        "content": content,
        "url": post.url or post.ap_id,
        "published": iso(post.published_at),
        "to": to,
        "cc": cc,
        "sensitive": bool(post.sensitive or post.summary),
        "tag": [
            *({"type": ObjectType.MENTION.value, "href": actor.ap_id, "name": f"@{actor.acct}"} for actor in mentions),
            *(
                {"type": ObjectType.HASHTAG.value, "href": tag_href(base, name), "name": f"#{name}"}
                for name in all_tags
            ),
        ],
    }
    if media:
        note["attachment"] = render_attachments(list(media), base_url=base)
    if post.language:
        note["contentMap"] = {post.language: content}
    if post.in_reply_to_ap_id:
        note["inReplyTo"] = post.in_reply_to_ap_id
    if post.updated_at is not None:
        note["updated"] = iso(post.updated_at)
    if audience is not None:
        note["audience"] = audience.ap_id
    if proposal is not None:
        note.update(_proposal_properties(post, proposal))
    return note


def quantity(hours: Decimal) -> JSONDict:
    return {"hasUnit": HOUR_UNIT, "hasNumericalValue": number(hours)}


def _proposal_properties(post: Post, proposal: Proposal) -> JSONDict:
    """FEP-0837 on a Note: purpose, the primary Intent, location and end time, plus fedaid's status and category."""
    properties: JSONDict = {
        "name": proposal.title,
        "purpose": ProposalPurpose(proposal.purpose).value,
        "publishes": {
            "type": ObjectType.INTENT.value,
            "id": f"{post.ap_id}#primary",
            "action": DELIVER_SERVICE,
            "resourceQuantity": quantity(proposal.hours),
            "availableQuantity": quantity(proposal.available_hours),
        },
        "status": ProposalStatus(proposal.status).value,
    }
    if proposal.category:
        properties["category"] = proposal.category
    if proposal.remote_ok:
        properties["remoteOk"] = True  # can be done at a distance (fedaid:remoteOk)
    if place := _place(proposal):
        properties["location"] = place
    if proposal.starts_at is not None:
        properties["startTime"] = iso(proposal.starts_at)
    if proposal.expires_at is not None:
        properties["endTime"] = iso(proposal.expires_at)
    return properties


def _place(proposal: Proposal) -> JSONDict | None:
    """An AS2 Place (Activity Vocabulary 5.3): name, coordinates, and the radius served in km."""
    if not proposal.place_name and proposal.latitude is None:
        return None
    place: JSONDict = {"type": ObjectType.PLACE.value}
    if proposal.place_name:
        place["name"] = proposal.place_name
    if proposal.latitude is not None and proposal.longitude is not None:
        place["latitude"], place["longitude"] = proposal.latitude, proposal.longitude
    if proposal.radius_km:
        place["radius"], place["units"] = proposal.radius_km, "km"
    return place


# ---------------------------------------------------------------- activities


def _without_context(note: JSONDict) -> JSONDict:
    return {key: value for key, value in note.items() if key != "@context"}


def create_id(note_id: str) -> str:
    return f"{note_id}/activity"


def render_create(note: JSONDict) -> JSONDict:
    """Create(Note), addressed like the note; the id is `<note id>/activity`, as Mastodon's."""
    return {
        "@context": list(ACTIVITY_CONTEXT),
        "id": create_id(note["id"]),
        "type": ActivityType.CREATE.value,
        "actor": note["attributedTo"],
        "published": note["published"],
        "to": note["to"],
        "cc": note["cc"],
        "object": _without_context(note),
    }


def render_update(note: JSONDict) -> JSONDict:
    """Update(Note) with the full new note, which must carry `updated` (mastodon/mastodon#31114)."""
    updated = note.get("updated")
    if not updated:
        raise ValueError("an edited note needs `updated`")
    stamp = re.sub(r"\D", "", updated)
    return {
        "@context": list(ACTIVITY_CONTEXT),
        "id": f"{note['id']}#updates/{stamp}",
        "type": ActivityType.UPDATE.value,
        "actor": note["attributedTo"],
        "published": updated,
        "to": note["to"],
        "cc": note["cc"],
        "object": _without_context(note),
    }


def render_delete(post: Post, author: Actor, *, to: Sequence[str], cc: Sequence[str]) -> JSONDict:
    """Delete with a Tombstone object, addressed to the original audience (Mastodon's ActivityPub::Activity::Delete)."""
    return {
        "@context": list(ACTIVITY_CONTEXT),
        "id": f"{post.ap_id}#delete",
        "type": ActivityType.DELETE.value,
        "actor": author.ap_id,
        "to": list(to),
        "cc": list(cc),
        "object": {"id": post.ap_id, "type": ObjectType.TOMBSTONE.value},
    }


def render_tombstone(post: Post) -> JSONDict:
    """What the object URL serves with 410 once the post is deleted."""
    tombstone: JSONDict = {
        "@context": list(ACTIVITY_CONTEXT),
        "id": post.ap_id,
        "type": ObjectType.TOMBSTONE.value,
        "formerType": ObjectType.NOTE.value,
    }
    if post.deleted_at is not None:
        tombstone["deleted"] = iso(post.deleted_at)
    return tombstone


def render_announce(
    actor: Actor,
    object_: str | JSONDict,
    *,
    announce_id: str,
    published: datetime,
    to: Sequence[str],
    cc: Sequence[str],
) -> JSONDict:
    """A group's Announce: of an activity kept unchanged (FEP-1b12), or of a note id (a Mastodon boost)."""
    announce: JSONDict = {
        "@context": list(ACTIVITY_CONTEXT),
        "id": announce_id,
        "type": ActivityType.ANNOUNCE.value,
        "actor": actor.ap_id,
        "published": iso(published),
        "to": list(to),
        "cc": list(cc),
        "object": object_,
    }
    if actor.is_group:
        announce["audience"] = actor.ap_id
    return announce


def render_undo(actor: Actor, activity: JSONDict) -> JSONDict:
    """Undo of one of our own activities, embedded without its @context (Mastodon matches it by id)."""
    return {
        "@context": list(ACTIVITY_CONTEXT),
        "id": f"{activity['id']}/undo",
        "type": ActivityType.UNDO.value,
        "actor": actor.ap_id,
        "to": activity.get("to", []),
        "cc": activity.get("cc", []),
        "object": _without_context(activity),
    }
