"""Attachments both ways: every shape others send becomes media, ours go out as Mastodon sends them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from fedaid.activitypub import parse
from fedaid.activitypub.attachments import parse_attachments, parse_event_attachments, render_attachments
from fedaid.activitypub.events import render_event
from fedaid.activitypub.vocab import POST_TYPES
from fedaid.models import Actor, CoachingSession, MediaAttachment, MediaKind, MediaState

from testsupport import FIXTURES


def posts_with_attachments() -> list[tuple[str, dict]]:
    """(file, post) for every post in the real fixtures whose `attachment` holds anything but profile fields."""
    found = []
    for path in sorted(FIXTURES.rglob("*.json")):
        doc = json.loads(path.read_text())
        candidates = [doc] + ([doc["object"]] if isinstance(doc, dict) and isinstance(doc.get("object"), dict) else [])
        for candidate in candidates:
            if not isinstance(candidate, dict) or not set(parse.as_list(candidate.get("type"))) & POST_TYPES:
                continue
            entries = [e for e in parse.as_list(candidate.get("attachment")) if _not_a_field(e)]
            if entries:
                found.append((str(path.relative_to(FIXTURES)), candidate))
    return found


def _not_a_field(entry: object) -> bool:
    return not (isinstance(entry, dict) and entry.get("type") == "PropertyValue")


REAL = posts_with_attachments()


def test_the_real_fixtures_hold_posts_with_attachments() -> None:
    assert {name for name, _ in REAL} >= {
        "lemmy/create_page.json",
        "lemmy/page.json",
        "lemmy/update_page.json",
        "mobilizon/event.json",
        "mobilizon/create_event_with_links.json",
    }


@pytest.mark.parametrize(("name", "post"), REAL, ids=[name for name, _ in REAL])
def test_every_real_attachment_becomes_media(name: str, post: dict) -> None:
    entries = [e for e in parse.as_list(post["attachment"]) if _not_a_field(e)]
    media = parse_attachments(post["attachment"])
    assert len(media) == len(entries)
    assert all(item.url.startswith("http") for item in media)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"type": "Document", "mediaType": "image/jpeg", "url": "https://a.example/1.jpg", "name": "A drill"},
         [("https://a.example/1.jpg", MediaKind.IMAGE, "A drill")]),
        ([{"type": "Link", "href": "https://a.example/2.png"}, "https://a.example/3.pdf"],
         [("https://a.example/2.png", MediaKind.IMAGE, ""), ("https://a.example/3.pdf", MediaKind.UNKNOWN, "")]),
        ({"type": "Image", "url": [{"type": "Link", "mediaType": "image/webp", "href": "https://a.example/4.webp"}]},
         [("https://a.example/4.webp", MediaKind.IMAGE, "")]),
        ({"type": "Video", "name": "Our workshop", "url": [
            {"type": "Link", "mediaType": "text/html", "href": "https://tube.example/w/1"},
            {"type": "Link", "mediaType": "video/mp4", "href": "https://tube.example/1.mp4"}]},
         [("https://tube.example/w/1", MediaKind.UNKNOWN, "Our workshop")]),
        ({"type": "Link", "mediaType": "video/mp4", "href": "https://tube.example/2.mp4", "name": "Clip"},
         [("https://tube.example/2.mp4", MediaKind.VIDEO, "Clip")]),
        ({"type": "Document", "mediaType": "application/pdf", "url": "https://a.example/flyer.pdf", "name": "Flyer"},
         [("https://a.example/flyer.pdf", MediaKind.UNKNOWN, "Flyer")]),
        ({"type": "Image", "url": "javascript:alert(1)"}, []),
        ({"type": "PropertyValue", "name": "Website", "value": "https://a.example"}, []),
    ],
)  # fmt: skip
def test_every_shape_of_attachment(value, expected) -> None:
    assert [(m.url, m.kind, m.name) for m in parse_attachments(value)] == expected


def test_alt_text_is_plain_and_mastodon_extras_are_read() -> None:
    [media] = parse_attachments(
        {
            "type": "Document",
            "mediaType": "image/png",
            "url": "https://a.example/5.png",
            "name": "<b>Un</b> vélo",
            "blurhash": "UFGbhT~q00xu",
            "width": 1200,
            "height": 800,
            "focalPoint": [0.5, -0.2],
        }
    )
    assert (media.name, media.blurhash, media.width, media.height, media.focus) == (
        "Un vélo",
        "UFGbhT~q00xu",
        1200,
        800,
        (0.5, -0.2),
    )


def test_our_attachments_go_out_as_mastodon_sends_them() -> None:
    picture = MediaAttachment(
        id=1,
        kind=MediaKind.IMAGE,
        state=MediaState.READY,
        content_type="image/jpeg",
        description="A red drill",
        focus_x=0.25,
        focus_y=-0.5,
        width=1920,
        height=1440,
        blurhash="LEHV6nWB2yk8",
        file_key="ab" * 32 + ".jpg",
        created_at=datetime.now(UTC),
    )
    flyer = MediaAttachment(id=2, kind=MediaKind.UNKNOWN, content_type="application/pdf", file_key="cd" * 32 + ".pdf")
    assert render_attachments([picture, flyer], base_url="https://aid.example") == [
        {
            "type": "Image",
            "mediaType": "image/jpeg",
            "url": f"https://aid.example/media/{'ab' * 32}.jpg",
            "name": "A red drill",
            "blurhash": "LEHV6nWB2yk8",
            "focalPoint": [0.25, -0.5],
            "width": 1920,
            "height": 1440,
        },
        {
            "type": "Document",
            "mediaType": "application/pdf",
            "url": f"https://aid.example/media/{'cd' * 32}.pdf",
            "name": None,
        },
    ]


def test_an_events_banner_and_flyer_are_read_and_its_web_links_are_not() -> None:
    mobilizon = json.loads((FIXTURES / "mobilizon" / "event.json").read_text())
    [banner] = parse_event_attachments(mobilizon)
    assert (banner.kind, banner.name, banner.media_type) == (MediaKind.IMAGE, "Banner", "image/jpeg")
    links = json.loads((FIXTURES / "mobilizon" / "create_event_with_links.json").read_text())["object"]
    assert parse_event_attachments(links) == ()  # "Website" and other links to pages
    picture = {"type": "Image", "url": "https://gancio.example/media/1.jpg", "name": "Affiche"}
    flyer = {"type": "Document", "mediaType": "application/pdf", "url": "https://gancio.example/f.pdf"}
    found = parse_event_attachments({"attachment": [picture, flyer], "image": picture})
    assert [(item.url, item.kind) for item in found] == [
        ("https://gancio.example/media/1.jpg", MediaKind.IMAGE),
        ("https://gancio.example/f.pdf", MediaKind.UNKNOWN),
    ]


def test_an_events_flyer_and_picture_go_out_with_the_picture_as_mobilizons_banner() -> None:
    now = datetime.now(UTC)
    circle = Actor(id=1, ap_id="https://aid.example/c/marketing", username="marketing")
    session = CoachingSession(
        id=7, ap_id="https://aid.example/c/marketing/events/7", title="Votre positionnement", starts_at=now,
        ends_at=now, timezone="Europe/Paris", created_at=now, updated_at=now, online_url="https://visio.example/m",
    )  # fmt: skip
    flyer = MediaAttachment(id=2, kind=MediaKind.UNKNOWN, content_type="application/pdf", file_key="cd" * 32 + ".pdf")
    picture = MediaAttachment(
        id=3, kind=MediaKind.IMAGE, content_type="image/png", description="La salle", file_key="ef" * 32 + ".png",
        width=800, height=600, blurhash="LEHV6nWB2yk8",
    )  # fmt: skip
    event = render_event(session, circle, participant_count=0, media=[flyer, picture])
    assert [(a["type"], a["mediaType"], a["name"]) for a in event["attachment"]] == [
        ("Document", "application/pdf", None),
        ("Image", "image/png", "La salle"),
        ("Link", "text/html", "Online"),
    ]
    assert event["image"] == event["attachment"][1]
    assert event["attachment"][0]["url"] == f"https://aid.example/media/{'cd' * 32}.pdf"
    assert "image" not in render_event(session, circle, participant_count=0, media=[flyer])


def test_a_content_warning_with_markup_becomes_plain_text() -> None:
    note = parse.parse_note(
        {
            "id": "https://a.example/notes/1",
            "type": "Note",
            "attributedTo": "https://a.example/users/al",
            "summary": "<p>Food &amp; <strong>allergies</strong></p>",
            "content": "<p>Peanuts</p>",
        }
    )
    assert note.summary == "Food & allergies"
