"""The `attachment` of a post, a demand's Question or an Event, both ways: what we send as Mastodon sends it,
and what others send in every shape.

Pure and synchronous. Outgoing, each attachment is a `Document` (an `Image` for pictures) with `mediaType`,
`url`, `name` as alt text, `blurhash`, `width`, `height` and `focalPoint` (Mastodon's
app/serializers/activitypub/note_serializer.rb, MediaAttachmentSerializer). Incoming, an attachment may be
a single object or a list, a URL string, a `Link` (`href`), a `Document`/`Image` whose `url` is a string,
a Link or a list of Links (PeerTube, Lemmy, Mobilizon), with `name` as its alt text. An Event's banner comes
in its `attachment` (Mobilizon: a Document named "Banner") or its `image` (Gancio, FEP-8a8e).
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fedaid.activitypub.parse import as_list, is_http_url
from fedaid.activitypub.sanitize import sanitize_text
from fedaid.imaging import PDF
from fedaid.models import MediaAttachment, MediaKind

MAX_ATTACHMENTS = 16
MAX_ALT_TEXT = 1500
_KIND_OF_TYPE = {"Image": MediaKind.IMAGE, "Video": MediaKind.VIDEO, "Audio": MediaKind.AUDIO}
_SKIPPED_TYPES = frozenset({"PropertyValue", "Hashtag", "Mention", "Emoji"})


@dataclass(frozen=True)
class MediaDoc:
    """One attachment of a remote post."""

    url: str
    kind: MediaKind
    media_type: str | None
    name: str  # alt text, plain
    blurhash: str | None = None
    width: int | None = None
    height: int | None = None
    focus: tuple[float, float] = (0.0, 0.0)

    @property
    def is_picture(self) -> bool:
        return self.kind == MediaKind.IMAGE


def parse_attachments(value: Any) -> tuple[MediaDoc, ...]:
    """Every usable attachment of a post, in order; entries without an http(s) URL are left out."""
    found: list[MediaDoc] = []
    for entry in as_list(value):
        if len(found) == MAX_ATTACHMENTS:
            break
        media = _parse_one(entry)
        if media is not None:
            found.append(media)
    return tuple(found)


def parse_event_attachments(event: dict[str, Any]) -> tuple[MediaDoc, ...]:
    """The pictures and documents of an Event: its `attachment` and its `image`, each address once. Links to
    web pages (Mobilizon's online meeting, "Website" and other links) are not among them."""
    found: dict[str, MediaDoc] = {}
    for media in parse_attachments([*as_list(event.get("attachment")), *as_list(event.get("image"))]):
        if media.kind != MediaKind.UNKNOWN or media.media_type == PDF:
            found.setdefault(media.url, media)
    return tuple(found.values())


def _parse_one(entry: Any) -> MediaDoc | None:
    if isinstance(entry, str):
        return _media(entry, None, None, {}) if is_http_url(entry) else None
    if not isinstance(entry, dict):
        return None
    types = [name for name in as_list(entry.get("type")) if isinstance(name, str)]
    if _SKIPPED_TYPES.intersection(types):
        return None
    url, link_type = _url_and_type(entry)
    if url is None:
        return None
    media_type = entry.get("mediaType") if isinstance(entry.get("mediaType"), str) else link_type
    return _media(url, media_type, types[0] if types else None, entry)


def _url_and_type(entry: dict[str, Any]) -> tuple[str | None, str | None]:
    """The address of an attachment and the media type its Link gives: `href`, or `url` as a string, a Link,
    or a list of them (the first of the attachment's own media type wins, else the first usable one)."""
    href = entry.get("href")
    if is_http_url(href):
        return href, None
    candidates: list[tuple[str, str | None]] = []
    for item in as_list(entry.get("url")):
        if is_http_url(item):
            candidates.append((item, None))
        elif isinstance(item, dict) and is_http_url(item.get("href")):
            kind = item.get("mediaType")
            candidates.append((item["href"], kind if isinstance(kind, str) else None))
    if not candidates:
        return None, None
    own = entry.get("mediaType")
    return next((c for c in candidates if own and c[1] == own), candidates[0])


def _media(url: str, media_type: str | None, type_name: str | None, entry: dict[str, Any]) -> MediaDoc:
    media_type = (media_type or "").split(";")[0].strip().lower() or _guess_type(url)
    name = entry.get("name") if isinstance(entry.get("name"), str) else entry.get("summary")
    return MediaDoc(
        url=url,
        kind=_kind(media_type, type_name),
        media_type=media_type,
        name=sanitize_text(name)[:MAX_ALT_TEXT] if isinstance(name, str) else "",
        blurhash=_blurhash(entry.get("blurhash")),
        width=_dimension(entry.get("width")),
        height=_dimension(entry.get("height")),
        focus=_focal_point(entry.get("focalPoint")),
    )


def _guess_type(url: str) -> str | None:
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    return guessed


def _kind(media_type: str | None, type_name: str | None) -> MediaKind:
    """Mastodon's reading: the media type first (image/, video/, audio/), else the AS2 type; anything else
    (a PDF, a web page) is `unknown`, shown as a link."""
    if media_type:
        prefix = media_type.split("/")[0]
        if prefix in ("image", "video", "audio"):
            return MediaKind(prefix)
        return MediaKind.UNKNOWN
    return _KIND_OF_TYPE.get(type_name or "", MediaKind.UNKNOWN)


def _blurhash(value: Any) -> str | None:
    return value if isinstance(value, str) and 6 <= len(value) <= 100 and value.isascii() else None


def _dimension(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 100_000 else None


def _focal_point(value: Any) -> tuple[float, float]:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
        x, y = float(value[0]), float(value[1])
        if -1 <= x <= 1 and -1 <= y <= 1:
            return x, y
    return 0.0, 0.0


def render_attachments(media: list[MediaAttachment], *, base_url: str) -> list[dict[str, Any]]:
    """Our attachments on a Note, a Question or an Event, as Mastodon sends them; files are served from
    `base_url`/media/<key>."""
    rendered = []
    for item in media:
        if item.file_key is None:
            continue
        attachment: dict[str, Any] = {
            "type": "Image" if item.kind == MediaKind.IMAGE else "Document",
            "mediaType": item.content_type,
            "url": f"{base_url}/media/{item.file_key}",
            "name": item.description or None,
        }
        if item.kind == MediaKind.IMAGE:
            attachment["blurhash"] = item.blurhash
            attachment["focalPoint"] = [round(item.focus_x, 2), round(item.focus_y, 2)]
            attachment["width"], attachment["height"] = item.width, item.height
        rendered.append(attachment)
    return rendered


def render_banner(attachments: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first picture of rendered attachments, for an Event's `image`: Mobilizon takes as its banner the
    attachment named "Banner", else `image`, else the first Document or Image (a PDF flyer would do), so
    naming the picture here keeps each attachment's alt text in its `name`, as Mastodon reads it."""
    return next((attachment for attachment in attachments if attachment["type"] == "Image"), None)
