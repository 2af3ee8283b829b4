"""Tests for fedaid/activitypub/notes.py: the Note a proposal renders to meets what Mastodon reads, field by field.

Pure: rows are built in memory, nothing touches a database.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from fedaid.activitypub.headlines import format_hours, proposal_headline, without_headline
from fedaid.activitypub.notes import (
    addressing,
    render_announce,
    render_create,
    render_delete,
    render_note,
    render_tombstone,
    render_undo,
    render_update,
    text_to_html,
)
from fedaid.activitypub.parse import parse_activity, parse_note
from fedaid.activitypub.sanitize import sanitize_html
from fedaid.activitypub.vocab import AS_CONTEXT, FEDAID_CONTEXT, PUBLIC
from fedaid.models import (
    Actor,
    ActorType,
    Post,
    Proposal,
    ProposalPurpose,
    ProposalStatus,
    Visibility,
)

PUBLISHED = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
ANA = Actor(
    id=1,
    ap_id="https://aid.example/u/ana",
    type=ActorType.PERSON,
    username="ana",
    domain="aid.example",
    is_local=True,
    url="https://aid.example/u/ana",
    inbox="https://aid.example/u/ana/inbox",
    followers_url="https://aid.example/u/ana/followers",
)
GROUP = Actor(
    id=2,
    ap_id="https://aid.example/c/collectif",
    type=ActorType.GROUP,
    username="collectif",
    domain="aid.example",
    is_local=True,
    inbox="https://aid.example/c/collectif/inbox",
    followers_url="https://aid.example/c/collectif/followers",
)
BOB = Actor(
    id=3,
    ap_id="https://masto.example/users/bob",
    type=ActorType.PERSON,
    username="bob",
    domain="masto.example",
    is_local=False,
    url="https://masto.example/@bob",
    inbox="https://masto.example/users/bob/inbox",
)


def make_post(
    *,
    visibility: Visibility = Visibility.PUBLIC,
    text: str = "Je relis votre plan. #visio",
    mentions: tuple[Actor, ...] = (),
    updated_at: datetime | None = None,
    language: str = "fr",
) -> Post:
    html, _ = text_to_html(text, base_url="https://aid.example", mentions=mentions)
    ap_id = "https://aid.example/u/ana/posts/116000000000000001"
    return Post(
        id=116000000000000001,
        ap_id=ap_id,
        author_id=ANA.id,
        is_local=True,
        content=html,
        visibility=visibility,
        url=ap_id,
        language=language,
        published_at=PUBLISHED,
        updated_at=updated_at,
        mentions=[actor.ap_id for actor in mentions],
        audience=GROUP.ap_id,
    )


def make_proposal(**overrides: object) -> Proposal:
    values: dict[str, object] = dict(
        id=7,
        purpose=ProposalPurpose.OFFER,
        title="Relire votre plan de communication",
        category="communication",
        tags=["plan"],
        hours=Decimal("2.00"),
        available_hours=Decimal("1.50"),
        place_name="Lyon",
        latitude=45.764,
        longitude=4.8357,
        radius_km=20.0,
        remote_ok=True,
        expires_at=datetime(2026, 4, 1, tzinfo=UTC),
        status=ProposalStatus.OPEN,
    )
    values.update(overrides)
    return Proposal(**values)


def note_for(post: Post, proposal: Proposal | None = None, *, mentions: tuple[Actor, ...] = ()) -> dict:
    return render_note(post, ANA, tags=["visio"], mentions=list(mentions), proposal=proposal, audience=GROUP)


def without_rel(html: str) -> str:
    # Mastodon (and our sanitizer) replace every link's rel with their own, so rel is expected to change.
    return re.sub(r' rel="[^"]*"', "", html)


# ---------------------------------------------------------------- a Note with FEP-0837 data (Activity::Create)


def test_a_proposal_is_a_plain_note_with_fep0837_properties() -> None:
    note = note_for(make_post(), make_proposal())
    assert note["type"] == "Note"
    assert note["@context"][0] == AS_CONTEXT and FEDAID_CONTEXT in note["@context"]
    assert note["purpose"] == "offer" and note["name"] == "Relire votre plan de communication"
    assert note["publishes"] == {
        "type": "Intent",
        "id": f"{note['id']}#primary",
        "action": "deliverService",
        "resourceQuantity": {"hasUnit": "hour", "hasNumericalValue": "2"},
        "availableQuantity": {"hasUnit": "hour", "hasNumericalValue": "1.5"},
    }
    assert note["location"] == {
        "type": "Place",
        "name": "Lyon",
        "latitude": 45.764,
        "longitude": 4.8357,
        "radius": 20.0,
        "units": "km",
    }
    assert note["endTime"] == "2026-04-01T00:00:00Z"
    assert (note["status"], note["category"]) == ("open", "communication")
    assert "reciprocal" not in note  # mutual aid: nothing is expected back from the same person
    for term in ("purpose", "publishes", "status", "category", "Intent", "resourceQuantity", "hasUnit"):
        assert term in FEDAID_CONTEXT


def test_id_attributed_to_url_and_published_follow_interop_60() -> None:
    note = note_for(make_post(), make_proposal())
    assert note["id"].startswith(ANA.ap_id + "/posts/")
    assert note["attributedTo"] == ANA.ap_id
    assert note["url"] == note["id"]
    assert note["published"] == "2026-03-02T09:30:15Z"
    assert note["contentMap"] == {"fr": note["content"]}
    assert note["sensitive"] is False and note["summary"] is None
    assert "updated" not in note and "inReplyTo" not in note
    assert note["audience"] == GROUP.ap_id


def test_our_parser_reads_back_what_we_render() -> None:
    note = parse_note(note_for(make_post(), make_proposal()), followers_url="https://aid.example/u/ana/followers")
    assert note.visibility == "public" and note.is_proposal
    assert set(note.hashtags) == {"offre", "communication", "plan", "visio"}


# ---------------------------------------------------------------- content (Mastodon's sanitizer)


def test_content_starts_with_a_readable_line_then_text_then_hashtags() -> None:
    content = note_for(make_post(), make_proposal())["content"]
    assert content.startswith(
        "<p>OFFRE · Relire votre plan de communication · 2 h · Lyon ou à distance</p><p>Je relis votre plan. "
    )
    assert content.endswith(
        '<p><a href="https://aid.example/tags/offre" class="mention hashtag" rel="tag">#<span>offre</span></a> '
        '<a href="https://aid.example/tags/communication" class="mention hashtag" rel="tag">'
        "#<span>communication</span></a> "
        '<a href="https://aid.example/tags/plan" class="mention hashtag" rel="tag">#<span>plan</span></a></p>'
    )
    # the inline #visio is linked where it stands, not repeated at the end
    assert content.count("/tags/visio") == 1


def test_content_survives_mastodons_allowlist_unchanged() -> None:
    post = make_post(
        text="Bonjour @bob@masto.example !\nVoir https://aid.example/aide <b>gras</b> #visio", mentions=(BOB,)
    )
    content = note_for(post, make_proposal(), mentions=(BOB,))["content"]
    assert without_rel(sanitize_html(content)) == without_rel(content)
    assert "&lt;b&gt;gras&lt;/b&gt;" in content  # members' text is escaped, never trusted as HTML


def test_headline_in_english_and_with_a_status() -> None:
    proposal = make_proposal(
        purpose=ProposalPurpose.REQUEST, status=ProposalStatus.EXPIRED, remote_ok=False, hours=Decimal("1.5")
    )
    assert proposal_headline(proposal, language="en") == (
        "REQUEST (expired) · Relire votre plan de communication · 1.5 h · Lyon"
    )
    assert proposal_headline(proposal) == "DEMANDE (expirée) · Relire votre plan de communication · 1,5 h · Lyon"
    remote_only = make_proposal(place_name="", remote_ok=True)
    assert proposal_headline(remote_only).endswith(" · 2 h · à distance")
    assert format_hours(Decimal("3.00")) == "3 h"


def test_hashtags_are_tags_with_href_and_mentions_are_tagged_and_addressed() -> None:
    post = make_post(text="Bonjour @bob@masto.example #visio", mentions=(BOB,))
    note = note_for(post, make_proposal(), mentions=(BOB,))
    hashtags = [tag for tag in note["tag"] if tag["type"] == "Hashtag"]
    assert {"type": "Hashtag", "href": "https://aid.example/tags/offre", "name": "#offre"} in hashtags
    assert {tag["name"] for tag in hashtags} == {"#offre", "#communication", "#plan", "#visio"}
    assert all(tag["href"] == f"https://aid.example/tags/{tag['name'][1:]}" for tag in hashtags)
    assert {"type": "Mention", "href": BOB.ap_id, "name": "@bob@masto.example"} in note["tag"]
    assert BOB.ap_id in note["cc"]
    assert (
        '<span class="h-card"><a href="https://masto.example/@bob" class="u-url mention">@<span>bob</span></a></span>'
    ) in note["content"]


# ---------------------------------------------------------------- addressing (StatusParser#visibility)


@pytest.mark.parametrize(
    ("visibility", "to", "cc"),
    [
        (Visibility.PUBLIC, [PUBLIC], ["https://aid.example/u/ana/followers", GROUP.ap_id, BOB.ap_id]),
        (Visibility.UNLISTED, ["https://aid.example/u/ana/followers"], [PUBLIC, GROUP.ap_id, BOB.ap_id]),
        (Visibility.FOLLOWERS, ["https://aid.example/u/ana/followers"], [BOB.ap_id]),
        (Visibility.DIRECT, [BOB.ap_id], []),
    ],
)
def test_addressing_matches_mastodons_visibility(visibility: Visibility, to: list[str], cc: list[str]) -> None:
    note = note_for(
        make_post(visibility=visibility, text="Bonjour @bob@masto.example", mentions=(BOB,)), mentions=(BOB,)
    )
    assert (note["to"], note["cc"]) == (to, cc)
    parsed = parse_note(note, followers_url="https://aid.example/u/ana/followers")
    assert parsed.visibility == visibility.value


def test_members_addressing_names_the_collectives_followers_not_the_authors() -> None:
    to, cc = addressing(Visibility.MEMBERS, ANA, mentions=[BOB], audience=GROUP)
    assert (to, cc) == (["https://aid.example/c/collectif/followers"], [GROUP.ap_id, BOB.ap_id])
    parsed = parse_note(note_for(make_post(visibility=Visibility.MEMBERS)), followers_url=None)
    assert parsed.visibility == "direct"  # what Mastodon would make of it; fedaid's allies read `members`


def test_direct_addressing_names_only_mentioned_actors() -> None:
    assert addressing(Visibility.DIRECT, ANA, mentions=[BOB], audience=GROUP) == ([BOB.ap_id], [])


# ---------------------------------------------------------------- Create, Update, Delete


def test_create_wraps_the_note_with_the_same_audience() -> None:
    note = note_for(make_post(), make_proposal())
    create = render_create(note)
    assert create["type"] == "Create" and create["actor"] == ANA.ap_id
    assert create["id"] == note["id"] + "/activity"
    assert (create["to"], create["cc"]) == (note["to"], note["cc"])
    assert "@context" not in create["object"] and create["object"]["id"] == note["id"]
    assert parse_activity(create).object_ap_id == note["id"]


def test_update_carries_the_full_note_with_a_later_updated() -> None:
    edited = make_post(updated_at=datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    note = note_for(edited, make_proposal(available_hours=Decimal(0), status=ProposalStatus.AGREED))
    update = render_update(note)
    assert update["type"] == "Update" and update["object"]["updated"] == "2026-03-03T08:00:00Z"
    assert update["object"]["updated"] > update["object"]["published"]
    assert update["object"]["publishes"]["availableQuantity"]["hasNumericalValue"] == "0"
    assert update["object"]["content"].startswith("<p>OFFRE (conclue) · ")
    with pytest.raises(ValueError):
        render_update(note_for(make_post(), make_proposal()))


def test_delete_sends_a_tombstone_to_the_original_audience() -> None:
    post = make_post()
    note = note_for(post)
    delete = render_delete(post, ANA, to=note["to"], cc=note["cc"])
    assert delete["object"] == {"id": post.ap_id, "type": "Tombstone"}
    assert (delete["to"], delete["cc"]) == (note["to"], note["cc"])
    post.deleted_at = datetime(2026, 3, 4, tzinfo=UTC)
    assert render_tombstone(post) == {
        "@context": note["@context"],
        "id": post.ap_id,
        "type": "Tombstone",
        "formerType": "Note",
        "deleted": "2026-03-04T00:00:00Z",
    }


def test_group_announces_the_unchanged_create_and_boosts_the_note_id() -> None:
    create = render_create(note_for(make_post(), make_proposal()))
    wrapped = render_announce(
        GROUP,
        create,
        announce_id=f"{GROUP.ap_id}/announces/1/create",
        published=PUBLISHED,
        to=[PUBLIC],
        cc=[GROUP.followers_url, ANA.ap_id],
    )
    boost = render_announce(
        GROUP,
        create["object"]["id"],
        announce_id=f"{GROUP.ap_id}/announces/1",
        published=PUBLISHED,
        to=[PUBLIC],
        cc=[GROUP.followers_url, ANA.ap_id],
    )
    assert wrapped["object"] is create and wrapped["audience"] == GROUP.ap_id
    assert boost["object"] == create["object"]["id"] and boost["to"] == [PUBLIC]
    undo = render_undo(GROUP, boost)
    assert undo["type"] == "Undo" and undo["object"]["id"] == boost["id"] and "@context" not in undo["object"]


def test_text_to_html_links_urls_hashtags_and_known_mentions_only() -> None:
    html, tags = text_to_html(
        "Voir https://x.example/a#b et #Entraide, pas @carol@else.example\n\nFin",
        base_url="https://aid.example",
        mentions=[BOB],
    )
    assert tags == ["entraide"]
    assert '<a href="https://x.example/a#b" rel="nofollow noopener noreferrer">https://x.example/a#b</a>' in html
    assert "@carol@else.example" in html and html.endswith("<p>Fin</p>")


def test_remote_ok_travels_in_fedaid_context_fields_and_survives_parsing() -> None:
    note = note_for(make_post(), make_proposal(remote_ok=True, place_name=""))
    assert note["remoteOk"] is True and FEDAID_CONTEXT["remoteOk"] == "fedaid:remoteOk"
    parsed = parse_note(note, followers_url="https://aid.example/u/ana/followers")
    assert parsed.proposal is not None and parsed.proposal.remote_ok
    local_only = parse_note(note_for(make_post(), make_proposal(remote_ok=False)))
    assert local_only.proposal is not None and not local_only.proposal.remote_ok


def test_pages_show_a_received_proposal_once_without_its_readable_line() -> None:
    content = note_for(make_post(), make_proposal())["content"]
    assert without_headline(content).startswith("<p>Je relis votre plan. ")
    older = "<p>OFFRE · Communication · 2 h · Lyon</p><p><strong>Relire</strong></p><p>Texte</p>"
    assert without_headline(older) == "<p>Texte</p>"
    assert without_headline("<p>OFFRE spéciale · la suite</p>") == "<p>OFFRE spéciale · la suite</p>"
    assert without_headline("<p>Bonjour</p>") == "<p>Bonjour</p>"
