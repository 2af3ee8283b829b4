"""fedaid/activitypub/parse.py against real payloads from other servers, and against hostile input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from fedaid.activitypub.parse import (
    MAX_ADDRESSEES,
    MAX_TAGS,
    Activity,
    as_list,
    first_url,
    has_as_context,
    id_of,
    is_http_url,
    is_public,
    load_json_object,
    parse_activity,
    parse_actor,
    parse_collection,
    parse_key_document,
    parse_note,
    parse_tombstone,
    same_origin,
    visibility_of,
)
from fedaid.activitypub.parse.events import is_event, parse_event
from fedaid.activitypub.questions import parse_poll
from fedaid.activitypub.vocab import ACTIVITY_TYPES, POST_TYPES, PUBLIC
from fedaid.errors import InvalidActivity

from testsupport import FIXTURES

# Which parser reads each file. "json" means load_json_object only (WebFinger JRDs, NodeInfo);
# "capture" is a recorded HTTP request whose body is an activity; "question" a poll (activitypub/questions.py).
PARSER_OF = {
    "as2/question_with_vote_replies.json": "question",
    "as2/invite_event.json": "activity",
    "as2/join_group.json": "activity",
    "as2/tentative_accept_invite_event.json": "activity",
    "as2/tentative_reject_invite_event.json": "activity",
    "fep/fep0837_accept_agreement.json": "activity",
    "fep/fep0837_actor_payment_link.json": "actor",
    "fep/fep0837_confirmation_receipt.json": "activity",
    "fep/fep0837_offer_agreement.json": "activity",
    "fep/fep0837_proposal_full.json": "note",
    "fep/fep0837_proposal_minimal.json": "note",
    "fep/fep0837_reject_agreement.json": "activity",
    "fep/fep8a8e_event_capacity_attendees.json": "event",
    "fep/fep8a8e_event_hybrid_locations.json": "event",
    "fep/fep8a8e_event_join_mode_external.json": "event",
    "fep/fep8a8e_event_organizers_collection.json": "event",
    "fep/fep8a8e_event_postal_address.json": "event",
    "fep/fep8a8e_event_virtual_location.json": "event",
    "fep/fep8b32_object_with_proof.json": "note",
    "fep/fep9967_question.json": "question",
    "fep/fep9967_vote_note.json": "note",
    "friendica/person.json": "actor",
    "friendica/update_note.json": "activity",
    "gancio/application_actor.json": "actor",
    "gancio/create_event_demo.json": "activity",
    "gotosocial/delete_direct.json": "activity",
    "gotosocial/delete_note_public.json": "activity",
    "gotosocial/flag.json": "activity",
    "gotosocial/outbox.json": "collection",
    "gotosocial/person_with_fields.json": "actor",
    "gotosocial/publickey_stub.json": "key",
    "lemmy/accept_follow.json": "activity",
    "lemmy/announce_create_page.json": "activity",
    "lemmy/create_page.json": "activity",
    "lemmy/delete_page.json": "activity",
    "lemmy/delete_user.json": "activity",
    "lemmy/follow_group.json": "activity",
    "lemmy/group.json": "actor",
    "lemmy/instance_actor_application.json": "actor",
    "lemmy/page.json": "note",
    "lemmy/person.json": "actor",
    "lemmy/tombstone.json": "tombstone",
    "lemmy/update_page.json": "activity",
    "mastodon/actor_property_value.json": "actor",
    "mastodon/block.json": "activity",
    "mastodon/create_direct_message.json": "note",
    "mastodon/create_note_reply.json": "activity",
    "mastodon/create_poll_vote.json": "activity",
    "mastodon/create_poll_vote_docs.json": "activity",
    "mastodon/create_question_oneof.json": "activity",
    "mastodon/delete_note.json": "activity",
    "mastodon/featured_collection.json": "collection",
    "mastodon/flag.json": "activity",
    "mastodon/follow.json": "activity",
    "mastodon/followers_sync_partial_collection.json": "collection",
    "mastodon/move.json": "activity",
    "mastodon/note_1.json": "note",
    "mastodon/note_hashtag.json": "note",
    "mastodon/person.json": "actor",
    "mastodon/question_anyof_docs.json": "question",
    "mastodon/signed_post_accept_follow_capture.json": "capture",
    "mastodon/spec_fixture_actor.json": "actor",
    "mastodon/tech_lgbt_person_actor.json": "actor",
    "mastodon/undo_follow.json": "activity",
    "mastodon/undo_like_page.json": "activity",
    "mastodon/webfinger_gargron.json": "json",
    "mastodon/webfinger_instance_actor.json": "json",
    "mastodon/webfinger_minimal.json": "json",
    "mbin/accept_follow.json": "activity",
    "misskey/question_no_end_date.json": "question",
    "misskey/webfinger_misskey_io.json": "json",
    "mitra/accept_follow_by_id.json": "activity",
    "mitra/create_post.json": "activity",
    "mitra/like_with_proof.json": "activity",
    "mobilizon/accept_join_event.json": "activity",
    "mobilizon/create_event_with_links.json": "activity",
    "mobilizon/event.json": "event",
    "mobilizon/event_mobilizon_org.json": "event",
    "mobilizon/group.json": "actor",
    "mobilizon/group_members_collection.json": "collection",
    "mobilizon/invite_group_member.json": "activity",
    "mobilizon/join_event.json": "activity",
    "mobilizon/join_event_signed.json": "activity",
    "mobilizon/join_participation_message_docs.json": "activity",
    "mobilizon/leave_event_signed.json": "activity",
    "nodeinfo/nodeinfo_2.1_example.json": "json",
    "nodeinfo/well_known_nodeinfo.json": "json",
    "pleroma/create_note.json": "activity",
    "pleroma/follow.json": "activity",
    "pleroma/person.json": "actor",
    "pleroma/question_oneof_modified_counts.json": "question",
    "pleroma/question_oneof_original.json": "question",
    "smithereen/question_non_anonymous.json": "question",
}

# Files the right parser refuses, with the message it must give and why that is correct.
# (Lemmy's assets carry no @context; the parser does not require one: see has_as_context.)
REFUSED = {
    "mastodon/actor_property_value.json": (
        "actor inbox is missing",
        "docs excerpt showing only profile fields: no preferredUsername, no inbox",
    ),
    "gotosocial/delete_direct.json": (
        "activity id is missing",
        "GoToSocial docs excerpt without an id; we require one to deduplicate",
    ),
    "gotosocial/delete_note_public.json": (
        "activity id is missing",
        "GoToSocial docs excerpt without an id; we require one to deduplicate",
    ),
    **{
        f"mobilizon/{name}.json": (
            "activity id and actor are on different servers",
            "Rebased's test fixture pairs mobilizon.org's actor with a mobilizon.mkljczk.pl id; a signer owns only "
            "its own server's ids (the inbox test re-hosts both on one server)",
        )
        for name in ("accept_join_event", "join_event")
    },
    **{
        f"as2/{name}.json": ("activity id is missing", "an ActivityStreams vocabulary example: no ids at all")
        for name in ("invite_event", "join_group", "tentative_accept_invite_event", "tentative_reject_invite_event")
    },
}


def load(name: str) -> dict[str, Any]:
    return load_json_object((FIXTURES / name).read_bytes())


def fixture_names() -> list[str]:
    return sorted(path.relative_to(FIXTURES).as_posix() for path in FIXTURES.rglob("*.json"))


def parse_embedded(activity: Activity) -> None:
    """Parse what an activity carries inside it, as the inbox will: posts, activities, tombstones."""
    for item in activity.objects:
        if activity.type == "Delete":
            parse_tombstone(item)
        elif isinstance(item, dict) and set(as_list(item.get("type"))) & POST_TYPES:
            parse_note(item)
            if is_event(item):
                parse_event(item)
        elif isinstance(item, dict) and set(as_list(item.get("type"))) & ACTIVITY_TYPES:
            parse_embedded(parse_activity(item))


def parse_fixture(name: str, doc: dict[str, Any]) -> None:
    match PARSER_OF[name]:
        case "activity":
            parse_embedded(parse_activity(doc))
        case "actor":
            parse_actor(doc)
        case "note":
            parse_note(doc)
        case "event":  # sessions from Mobilizon, Gancio and the FEP-8a8e examples (some name no organiser)
            parse_event(doc)
        case "key":
            parse_key_document(doc)
        case "collection":
            for item in parse_collection(doc).items:
                if isinstance(item, dict):
                    parse_note(item)
        case "tombstone":
            parse_tombstone(doc)
        case "capture":
            parse_embedded(parse_activity(load_json_object(doc["body_exact"].encode())))
        case "json":
            pass
        case "question":  # docs excerpts may leave out the author: the poll must still be read
            assert parse_poll(doc) is not None
            if "attributedTo" in doc:
                parse_note(doc)


# ---------------------------------------------------------------- every real payload


def test_every_fixture_has_a_parser_listed() -> None:
    assert fixture_names(), f"no fixtures found under {FIXTURES}"
    assert set(fixture_names()) == set(PARSER_OF)
    assert set(REFUSED) <= set(PARSER_OF)


@pytest.mark.parametrize("name", fixture_names())
def test_fixture_goes_through_its_parser(name: str) -> None:
    doc = load(name)
    if name in REFUSED:
        message, _why = REFUSED[name]
        with pytest.raises(InvalidActivity, match=message):
            parse_fixture(name, doc)
    else:
        parse_fixture(name, doc)


def test_lemmy_assets_parse_without_context_but_are_flagged() -> None:
    doc = load("lemmy/follow_group.json")
    assert parse_activity(doc).type == "Follow"
    assert not has_as_context(doc)
    assert has_as_context(load("mastodon/follow.json"))
    assert has_as_context(load("mastodon/person.json"))


# ---------------------------------------------------------------- activities


def test_mastodon_reply_is_unlisted_with_mention_and_language() -> None:
    activity = parse_activity(load("mastodon/create_note_reply.json"))
    assert activity.type == "Create"
    assert activity.actor_ap_id == "https://mastodon.madrid/users/felix"
    assert activity.cc == (PUBLIC, "https://mamot.fr/users/retiolus")
    assert activity.is_public
    assert activity.published_at == datetime(2021, 11, 5, 11, 46, 50, tzinfo=UTC)
    assert isinstance(activity.object, dict)

    note = parse_note(activity.object, followers_url="https://mastodon.madrid/users/felix/followers")

    assert note.ap_id == activity.object_ap_id == "https://mastodon.madrid/users/felix/statuses/107224289116410645"
    assert note.visibility == "unlisted"
    assert note.mentions == ("https://mamot.fr/users/retiolus",)
    assert note.language == "en"
    assert note.in_reply_to == "https://mamot.fr/users/retiolus/statuses/107224244380204526"
    assert note.url == "https://mastodon.madrid/@felix/107224289116410645"
    assert note.conversation == "tag:mamot.fr,2021-11-05:objectId=64635960:objectType=Conversation"
    assert note.sensitive is False
    assert note.summary == ""
    assert '<span class="h-card"><a href="https://mamot.fr/@retiolus" class="u-url mention"' in note.content


def test_mastodon_undo_follow_keeps_the_embedded_follow() -> None:
    undo = parse_activity(load("mastodon/undo_follow.json"))

    assert undo.type == "Undo"
    assert undo.object_ap_id == "https://masto.asonix.dog/1ea87517-63c5-4118-8831-460ee641b2cf"
    assert isinstance(undo.object, dict)
    follow = parse_activity(undo.object)
    assert follow.type == "Follow"
    assert follow.actor_ap_id == undo.actor_ap_id
    assert follow.object == "https://ds9.lemmy.ml/c/testcom"


def test_mitra_accept_names_the_follow_by_id_only() -> None:
    accept = parse_activity(load("mitra/accept_follow_by_id.json"))

    assert accept.type == "Accept"
    follow_id = "https://voyager.lemmy.ml/activities/follow/7d782f02-b91d-4455-b6c0-772540f00c2d"
    assert accept.object == accept.object_ap_id == follow_id
    assert accept.to == ("https://voyager.lemmy.ml/u/silverpill",)


def test_lemmy_announce_keeps_the_inner_create_as_a_dict() -> None:
    announce = parse_activity(load("lemmy/announce_create_page.json"))

    assert announce.type == "Announce"
    assert isinstance(announce.object, dict)
    create = parse_activity(announce.object)
    assert create.type == "Create"
    assert create.actor_ap_id == "http://enterprise.lemmy.ml/u/lemmy_beta"
    assert isinstance(create.object, dict)
    page = parse_note(create.object)
    assert (page.type, page.name, page.content) == ("Page", "post 4", "")
    assert page.audience == ("http://enterprise.lemmy.ml/u/main",)


def test_signed_capture_body_parses_from_its_exact_bytes() -> None:
    capture = load("mastodon/signed_post_accept_follow_capture.json")

    accept = parse_activity(load_json_object(capture["body_exact"].encode()))

    assert accept.ap_id == "https://tech.lgbt/users/rarely_typical#accepts/follows/1670066"
    assert accept.object_ap_id == "https://fedi-test.mooo.com/users/rarely-typical/follows/test"


def test_flag_keeps_every_reported_object() -> None:
    flag = parse_activity(load("mastodon/flag.json"))
    assert flag.objects == (
        "https://example.com/users/1",
        "https://example.com/posts/380590",
        "https://example.com/posts/380591",
    )
    assert flag.to == ("https://example.com/users/1",)  # a single string, read as a list


def test_delete_object_may_be_a_tombstone_or_an_id() -> None:
    delete = parse_activity(load("mastodon/delete_note.json"))
    assert delete.object is not None
    tombstone = parse_tombstone(delete.object)
    assert tombstone.ap_id == "https://mastodon.madrid/users/felix/statuses/107773559874184870"

    by_id = load("gotosocial/delete_note_public.json")["object"]
    assert parse_tombstone(by_id).ap_id == by_id
    assert parse_tombstone(load("lemmy/tombstone.json")).ap_id == "https://lemmy.ml/comment/110273"
    dated = {
        "id": "https://a.example/n/1",
        "type": "Tombstone",
        "formerType": "Note",
        "deleted": "2024-01-02T03:04:05Z",
    }
    assert parse_tombstone(dated).former_type == "Note"
    assert parse_tombstone(dated).deleted_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_move_has_object_and_target() -> None:
    move = parse_activity(load("mastodon/move.json"))
    assert move.object == move.actor_ap_id
    assert move.target == "https://alice.com/users/109835986274379"


def test_fep0837_offer_keeps_the_agreement_embedded() -> None:
    offer = parse_activity(load("fep/fep0837_offer_agreement.json"))
    assert offer.type == "Offer"
    assert isinstance(offer.object, dict)
    assert offer.object["type"] == "Agreement"
    accept = parse_activity(load("fep/fep0837_accept_agreement.json"))
    assert accept.raw["result"]["type"] == "Agreement"


def test_array_activity_type_reads_the_first_known_type() -> None:
    doc = {**load("mastodon/follow.json"), "type": ["https://example.org/ns#Thing", "Follow"]}
    assert parse_activity(doc).type == "Follow"
    assert parse_activity({**doc, "type": ["Bite"]}).type == "Bite"


def test_public_spellings_are_normalised() -> None:
    doc = {**load("mastodon/follow.json"), "to": ["as:Public"], "cc": "Public"}
    activity = parse_activity(doc)
    assert activity.to == (PUBLIC,)
    assert activity.cc == (PUBLIC,)


# ---------------------------------------------------------------- posts


def test_fep0837_proposal_fields_are_kept_in_extra() -> None:
    note = parse_note(load("fep/fep0837_proposal_full.json"))

    assert note.type == "Proposal"
    assert note.is_proposal
    assert note.name == "Offering used bike"
    assert note.visibility == "public"  # `to` is a single string
    assert note.extra["purpose"] == "offer"
    assert note.extra["publishes"]["resourceQuantity"] == {"hasUnit": "one", "hasNumericalValue": "1"}
    assert note.extra["reciprocal"]["resourceConformsTo"] == "https://www.wikidata.org/wiki/Q4917"
    assert note.extra["location"] == {"type": "Place", "longitude": -71.0, "latitude": 25.0}
    assert note.extra["unitBased"] is False

    minimal = parse_note(load("fep/fep0837_proposal_minimal.json"))
    assert minimal.extra["publishes"]["action"] == "transfer"


def test_note_and_proposal_array_type() -> None:
    doc = {
        **load("fep/fep0837_proposal_minimal.json"),
        "type": ["Note", "Proposal"],
        "endTime": "2030-01-01T00:00:00Z",
    }
    note = parse_note(doc)
    assert note.type == "Note"
    assert note.types == ("Note", "Proposal")
    assert note.is_proposal
    assert note.extra["endTime"] == "2030-01-01T00:00:00Z"


def test_plain_mastodon_note_is_not_a_proposal() -> None:
    note = parse_note(load("mastodon/note_1.json"))
    assert not note.is_proposal
    assert note.extra == {}


def test_gotosocial_single_tag_object_and_single_to_string() -> None:
    # GoToSocial sends a one-element `tag` as an object, not an array (ActivityStreams 2.0 Core §4.6).
    doc = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "https://gts.example/users/ana/statuses/01HX",
        "type": "Note",
        "attributedTo": "https://gts.example/users/ana",
        "content": (
            '<p>coup de main <a href="https://gts.example/tags/Entraide" class="mention hashtag" '
            'rel="tag">#<span>Entraide</span></a></p>'
        ),
        "to": "https://www.w3.org/ns/activitystreams#Public",
        "cc": "https://gts.example/users/ana/followers",
        "tag": {"href": "https://gts.example/tags/Entraide", "name": "#Entraide", "type": "Hashtag"},
    }
    note = parse_note(doc)
    assert note.hashtags == ("entraide",)
    assert note.to == (PUBLIC,)
    assert note.visibility == "public"


def test_hashtags_from_mastodon_collection_are_lowercased() -> None:
    collection = parse_collection(load("mastodon/featured_collection.json"))
    assert collection.type == "OrderedCollection"
    assert collection.total_items == 1
    assert isinstance(collection.items[0], dict)
    note = parse_note(collection.items[0], followers_url="https://mastodon.social/users/LemmyDev/followers")
    assert note.hashtags == ("reddit", "fediverse", "activitypub")
    assert note.visibility == "public"
    assert note.in_reply_to is None
    assert parse_note(load("mastodon/note_hashtag.json")).hashtags == ("cats",)


def test_direct_message_language_from_content_map() -> None:
    note = parse_note(
        load("mastodon/create_direct_message.json"),
        followers_url="https://mastodon.world/users/nutomic/followers",
    )
    assert note.visibility == "direct"
    assert note.language == "es"
    assert note.mentions == ("https://ds9.lemmy.ml/u/nutomic",)


def test_lemmy_page_title_language_attachment_and_group_mention() -> None:
    page = parse_note(load("lemmy/page.json"))
    assert page.type == "Page"
    assert page.name == "Post title"
    assert page.language == "fr"  # Lemmy's {"identifier": "fr"}
    assert page.context == "https://enterprise.lemmy.ml/post/55143/context"
    assert page.mentions == ("https://enterprise.lemmy.ml/c/tenforward",)
    assert [a.url for a in page.attachments] == ["https://enterprise.lemmy.ml/pictrs/image/eOtYb9iEiB.png"]
    assert page.audience == ("https://enterprise.lemmy.ml/c/tenforward",)


def test_mobilizon_event_is_a_post_with_attachment_and_end_time() -> None:
    event = parse_note(load("mobilizon/event.json"))
    assert event.type == "Event"
    assert event.hashtags == ("dance", "caledonian", "lesson")
    assert event.attachments[0].media_type == "image/jpeg"
    assert event.attachments[0].name == "Banner"
    assert event.extra["endTime"] == "2022-12-11T21:00:00+00:00"
    assert event.updated_at == datetime(2022, 9, 27, 14, 39, 18, tzinfo=UTC)


def test_friendica_update_prefers_content_over_content_map() -> None:
    update = parse_activity(load("friendica/update_note.json"))
    assert isinstance(update.object, dict)
    note = parse_note(update.object)
    assert "@<span>test8</span>" in note.content
    assert note.language == "de"
    assert note.updated_at == datetime(2022, 3, 24, 21, 37, 34, tzinfo=UTC)


def test_content_map_alone_supplies_content() -> None:
    doc = {**load("mastodon/note_1.json"), "content": None, "contentMap": {"fr": "<p>bonjour</p>"}}
    note = parse_note(doc)
    assert (note.content, note.language) == ("<p>bonjour</p>", "fr")


def test_note_content_is_sanitised() -> None:
    doc = {
        **load("mastodon/note_1.json"),
        "content": '<p onclick="x()">hi<script>alert(1)</script></p>',
        "contentMap": None,
    }
    assert parse_note(doc).content == "<p>hi</p>"


def test_attributed_to_as_object_or_list() -> None:
    base = load("mastodon/note_1.json")
    author = "https://mastodon.madrid/users/felix"
    assert parse_note({**base, "attributedTo": {"type": "Person", "id": author}}).attributed_to == author
    peertube_style = [
        {"type": "Person", "id": author},
        {"type": "Group", "id": "https://mastodon.madrid/c/g"},
    ]
    assert parse_note({**base, "attributedTo": peertube_style}).attributed_to == author
    assert parse_note({**base, "attributedTo": [author]}).attributed_to == author


def test_note_url_on_another_host_is_dropped() -> None:
    doc = {**load("mastodon/note_1.json"), "url": "https://phishing.example/@felix/1"}
    assert parse_note(doc).url is None


@pytest.mark.parametrize(
    ("to", "cc", "expected"),
    [
        ([PUBLIC], ["https://a.example/u/x/followers"], "public"),
        (["as:Public"], [], "public"),
        (["Public"], [], "public"),
        (["https://a.example/u/x/followers"], [PUBLIC], "unlisted"),
        (["https://a.example/u/x/followers"], ["https://b.example/u/y"], "followers"),
        (
            ["https://b.example/u/y"],
            ["https://a.example/u/x/followers"],
            "direct",
        ),  # Mastodon 4.2 reads `to` only
        (["https://b.example/u/y"], [], "direct"),
    ],
)
def test_visibility_the_mastodon_way(to: list[str], cc: list[str], expected: str) -> None:
    assert visibility_of(to, cc, "https://a.example/u/x/followers") == expected


def test_visibility_without_known_followers_is_direct() -> None:
    assert visibility_of(["https://a.example/u/x/followers"], [], None) == "direct"


# ---------------------------------------------------------------- actors and keys


def test_mastodon_actor_fields() -> None:
    actor = parse_actor(load("mastodon/tech_lgbt_person_actor.json"))

    assert actor.ap_id == "https://tech.lgbt/users/rarely_typical"
    assert (actor.type, actor.preferred_username, actor.name) == (
        "Person",
        "rarely_typical",
        "rarely typical",
    )
    assert actor.inbox == "https://tech.lgbt/users/rarely_typical/inbox"
    assert actor.shared_inbox == "https://tech.lgbt/inbox"
    assert actor.followers == "https://tech.lgbt/users/rarely_typical/followers"
    assert actor.featured == "https://tech.lgbt/users/rarely_typical/collections/featured"
    assert actor.public_key_id == "https://tech.lgbt/users/rarely_typical#main-key"
    assert actor.public_key_owner == actor.ap_id
    assert actor.public_key_pem is not None and actor.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert actor.url == "https://tech.lgbt/@rarely_typical"
    assert actor.icon_url is not None and actor.icon_url.startswith("https://media.tech.lgbt/")
    assert actor.manually_approves_followers and actor.discoverable and actor.indexable
    assert actor.published_at == datetime(2023, 9, 12, tzinfo=UTC)
    assert actor.summary.startswith("<p>I'm just a random internet citizen</p>")
    assert [f.name for f in actor.fields] == ["my website (not good)"]
    assert 'href="https://rarely-typical.neocities.org/"' in actor.fields[0].value
    assert "target" not in actor.fields[0].value


def test_gotosocial_actor_without_shared_inbox() -> None:
    actor = parse_actor(load("gotosocial/person_with_fields.json"))
    assert actor.shared_inbox is None
    assert actor.manually_approves_followers is True
    assert [(f.name, f.value) for f in actor.fields] == [("should you follow me?", "maybe!"), ("age", "120")]


def test_lemmy_group_and_instance_actor() -> None:
    group = parse_actor(load("lemmy/group.json"))
    assert (group.type, group.preferred_username, group.name) == ("Group", "tenforward", "Ten Forward")
    assert group.shared_inbox == "https://enterprise.lemmy.ml/inbox"
    assert "<hr" not in group.summary
    instance = parse_actor(load("lemmy/instance_actor_application.json"))
    assert (instance.type, instance.preferred_username) == ("Application", "enterprise.lemmy.ml")


def test_display_name_has_no_markup() -> None:
    doc = {**load("lemmy/person.json"), "name": "<b>Jean-Luc</b>\n<script>x</script> Picard"}
    assert parse_actor(doc).name == "Jean-Luc Picard"


def test_actor_url_on_another_host_is_dropped() -> None:
    doc = {**load("mastodon/person.json"), "url": "https://elsewhere.example/@mastodon"}
    assert parse_actor(doc).url is None


def test_actor_moved_to_and_also_known_as() -> None:
    doc = {
        **load("mastodon/person.json"),
        "movedTo": "https://new.example/users/m",
        "alsoKnownAs": ["https://old.example/users/m", "not a url"],
    }
    actor = parse_actor(doc)
    assert actor.moved_to == "https://new.example/users/m"
    assert actor.also_known_as == ("https://old.example/users/m",)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "Note"}, "actor type must be"),
        ({"inbox": None}, "actor inbox is missing"),
        ({"inbox": "ftp://masto.qa.urbanwildlife.biz/inbox"}, "actor inbox is not an http"),
        ({"preferredUsername": "two words"}, "preferredUsername holds spaces"),
        ({"id": "urn:uuid:1234"}, "actor id is not an http"),
        (
            {
                "publicKey": {
                    "id": "https://evil.example/key",
                    "owner": "https://evil.example/u",
                    "publicKeyPem": "x",
                }
            },
            "publicKey.id is on another server",
        ),
        (
            {
                "publicKey": {
                    "id": "https://masto.qa.urbanwildlife.biz/users/mastodon#main-key",
                    "owner": "https://masto.qa.urbanwildlife.biz/users/other",
                    "publicKeyPem": "x",
                }
            },
            "publicKey.owner is not the actor",
        ),
    ],
)
def test_actor_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidActivity, match=message):
        parse_actor({**load("mastodon/person.json"), **change})


def test_gotosocial_key_stub() -> None:
    stub = load("gotosocial/publickey_stub.json")
    key = parse_key_document(stub, key_id="https://example.org/users/example_user/main-key")
    assert key.key_id == "https://example.org/users/example_user/main-key"
    assert key.owner == "https://example.org/users/example_user"
    assert key.pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert key.is_from_owner_document


def test_key_from_a_mastodon_actor() -> None:
    key = parse_key_document(
        load("mastodon/person.json"), key_id="https://masto.qa.urbanwildlife.biz/users/mastodon#main-key"
    )
    assert key.owner == "https://masto.qa.urbanwildlife.biz/users/mastodon"


def test_standalone_key_document_needs_its_owner_checked() -> None:
    doc = {
        "id": "https://a.example/keys/1",
        "owner": "https://a.example/users/ana",
        "publicKeyPem": "-----BEGIN PUBLIC KEY-----\n...",
    }
    key = parse_key_document(doc)
    assert (key.key_id, key.owner, key.is_from_owner_document) == (
        "https://a.example/keys/1",
        "https://a.example/users/ana",
        False,
    )


@pytest.mark.parametrize(
    ("doc", "key_id", "message"),
    [
        (
            {"id": "https://a.example/keys/1", "owner": "https://b.example/users/ana", "publicKeyPem": "pem"},
            None,
            "different servers",
        ),
        (
            {"id": "https://a.example/keys/1", "owner": "https://a.example/users/ana", "publicKeyPem": ""},
            None,
            "publicKeyPem is missing",
        ),
        ({"id": "https://a.example/users/ana"}, None, "publicKey is missing"),
        (
            {
                "id": "https://a.example/users/ana",
                "publicKey": {
                    "id": "https://a.example/users/ana#k",
                    "owner": "https://a.example/users/bob",
                    "publicKeyPem": "pem",
                },
            },
            None,
            "publicKey.owner is not",
        ),
        (
            {
                "id": "https://a.example/users/ana",
                "publicKey": {"id": "https://a.example/users/ana#k", "publicKeyPem": "pem"},
            },
            "https://a.example/users/ana#other",
            "does not hold the requested key",
        ),
    ],
)
def test_key_document_refused(doc: dict[str, Any], key_id: str | None, message: str) -> None:
    with pytest.raises(InvalidActivity, match=message):
        parse_key_document(doc, key_id=key_id)


def test_key_chosen_among_several() -> None:
    doc = {
        "id": "https://a.example/users/ana",
        "publicKey": [
            {"id": "https://a.example/users/ana#one", "publicKeyPem": "one"},
            {"id": "https://a.example/users/ana#two", "publicKeyPem": "two"},
        ],
    }
    assert parse_key_document(doc).pem == "one"
    assert parse_key_document(doc, key_id="https://a.example/users/ana#two").pem == "two"


# ---------------------------------------------------------------- collections


def test_outbox_with_only_first_page() -> None:
    outbox = parse_collection(load("gotosocial/outbox.json"))
    assert outbox.first == "https://example.org/users/whatever/outbox?page=true"
    assert outbox.items == ()


def test_followers_sync_partial_collection_items() -> None:
    partial = parse_collection(load("mastodon/followers_sync_partial_collection.json"))
    assert partial.items == ("https://mastodon.social/users/Gargron",)


def test_collection_refuses_other_types() -> None:
    with pytest.raises(InvalidActivity, match="not a Collection"):
        parse_collection(load("mastodon/note_1.json"))


# ---------------------------------------------------------------- hostile and broken input


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[]", "must be an object"),
        (b'"a string"', "must be an object"),
        (b"42", "must be an object"),
        (b"null", "must be an object"),
        (b"", "not valid JSON"),
        (b"{", "not valid JSON"),
        (b'{"id": "\xff\xfe"}', "not valid UTF-8"),
        (b"\xef\xbb\xbf{}", "not valid JSON"),  # a byte-order mark is not JSON
        (b'{"n": NaN}', "NaN is not allowed"),
        (b'{"n": -Infinity}', "-Infinity is not allowed"),
        (b'{"n": 1e999}', "out of range"),
        (b'{"n": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b'{"a": "nul \\u0000 here"}', "NUL character"),
        (b'{"a": "half \\ud800 pair"}', "unpaired surrogate"),
        (b'{"a\\u0000": 1}', "NUL character"),
    ],
)
def test_load_json_object_refuses(body: bytes, message: str) -> None:
    with pytest.raises(InvalidActivity, match=message):
        load_json_object(body)


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
@pytest.mark.parametrize("shape", ["arrays", "objects"])
def test_deep_nesting_is_refused_without_recursion_error(depth: int, shape: str) -> None:
    if shape == "arrays":
        body = b'{"a":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"
    else:
        body = b'{"a":' * depth + b"1" + b"}" * depth
    with pytest.raises(InvalidActivity, match="nested deeper than 64 levels"):
        load_json_object(body)


def test_nesting_at_the_limit_is_accepted() -> None:
    body = b'{"a":' * 63 + b"[]" + b"}" * 63
    assert load_json_object(body)
    assert load_json_object(b'{"a": [[1]]}', max_depth=3) == {"a": [[1]]}
    with pytest.raises(InvalidActivity):
        load_json_object(b'{"a": [[[1]]]}', max_depth=3)


def test_valid_unicode_is_kept() -> None:
    doc = load_json_object('{"name": "Élodie 🦊 \\ud83e\\udd8a"}'.encode())
    assert doc["name"] == "Élodie 🦊 🦊"


def follow(**changes: Any) -> dict[str, Any]:
    return {**load("mastodon/follow.json"), **changes}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (follow(id=None), "activity id is missing"),
        (follow(id=""), "activity id is missing"),
        (follow(id=7), "activity id is not an http"),
        (follow(id="javascript:alert(1)"), "activity id is not an http"),
        (follow(actor=None), "activity actor is missing"),
        (follow(actor=[]), "activity actor is missing"),
        (follow(type=None), "activity type is missing"),
        (follow(type=[1, None]), "activity type is missing"),
        (follow(actor="https://user:pw@masto.asonix.dog/users/asonix"), "activity actor is not an http"),
        (follow(id="https://elsewhere.example/follows/1"), "activity id and actor are on different servers"),
        (follow(id="http://masto.asonix.dog/1"), "different servers"),  # scheme is part of the origin
        (follow(id="https://masto.asonix.dog:8443/1"), "different servers"),  # so is the port
        (follow(to=[f"https://a.example/u/{n}" for n in range(MAX_ADDRESSEES + 1)]), "too many recipients"),
    ],
)
def test_activity_refused(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidActivity, match=message):
        parse_activity(doc)


def test_activity_must_be_an_object() -> None:
    with pytest.raises(InvalidActivity, match="must be a JSON object"):
        parse_activity(["not", "a", "dict"])  # type: ignore[arg-type]


def test_actor_may_be_embedded() -> None:
    activity = parse_activity(follow(actor={"type": "Person", "id": "https://masto.asonix.dog/users/asonix"}))
    assert activity.actor_ap_id == "https://masto.asonix.dog/users/asonix"


@pytest.mark.parametrize("kind", ["Create", "Update", "Delete"])
def test_create_update_delete_only_own_objects(kind: str) -> None:
    base = {"id": "https://a.example/act/1", "type": kind, "actor": "https://a.example/users/ana"}
    with pytest.raises(InvalidActivity, match="object is on another server than the actor"):
        parse_activity({**base, "object": "https://b.example/notes/1"})
    with pytest.raises(InvalidActivity, match="object is on another server than the actor"):
        parse_activity({**base, "object": {"id": "https://b.example/notes/1", "type": "Note"}})
    with pytest.raises(InvalidActivity, match=f"{kind} has no object"):
        parse_activity(base)
    with pytest.raises(InvalidActivity, match=f"{kind} object id is missing"):
        parse_activity({**base, "object": {"type": "Note"}})
    assert parse_activity({**base, "object": "https://a.example/notes/1"}).object_ap_id == "https://a.example/notes/1"


def test_announce_may_carry_another_servers_object() -> None:
    doc = {
        "id": "https://a.example/act/1",
        "type": "Announce",
        "actor": "https://a.example/c/g",
        "object": "https://b.example/notes/1",
    }
    assert parse_activity(doc).object == "https://b.example/notes/1"


def note(**changes: Any) -> dict[str, Any]:
    return {**load("mastodon/note_1.json"), **changes}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            note(attributedTo="https://evil.example/users/felix"),
            "object id and attributedTo are on different servers",
        ),
        (note(id="https://evil.example/statuses/1"), "object id and attributedTo are on different servers"),
        (note(attributedTo=None), "object attributedTo is missing"),
        (
            note(attributedTo=[{"type": "Collection", "id": "https://mastodon.madrid/c"}]),
            "object attributedTo is missing",
        ),
        (note(id=None), "object id is missing"),
        (note(type="Person"), "not a post type"),
        (note(type="Tombstone"), "not a post type"),
        (note(type=None), "not a post type"),
        (note(tag=[{"type": "Hashtag", "name": f"#t{n}"} for n in range(MAX_TAGS + 1)]), "too many tags"),
        (note(cc=[f"https://a.example/u/{n}" for n in range(MAX_ADDRESSEES + 1)]), "too many recipients"),
    ],
)
def test_note_refused(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidActivity, match=message):
        parse_note(doc)


def test_odd_values_are_ignored_not_fatal() -> None:
    doc = note(
        published="yesterday",
        sensitive="yes",
        tag=[
            "not-an-object",
            {"type": "Mention", "href": "javascript:x"},
            {"type": "Hashtag", "name": "# spaced out"},
        ],
        attachment=[{"type": "Document", "url": "data:image/png;base64,AAAA"}, 42],
        inReplyTo={"id": "https://mamot.fr/s/1"},
        summary="<b>cw</b>",
    )
    parsed = parse_note(doc)
    assert parsed.published_at is None
    assert parsed.sensitive is False
    assert parsed.mentions == ()
    assert parsed.hashtags == ()
    assert parsed.attachments == ()
    assert parsed.in_reply_to == "https://mamot.fr/s/1"
    assert parsed.summary == "cw"


# ---------------------------------------------------------------- helpers


def test_as_list() -> None:
    assert as_list(None) == []
    assert as_list("a") == ["a"]
    assert as_list({"id": "a"}) == [{"id": "a"}]
    assert as_list(["a", "b"]) == ["a", "b"]


def test_id_of() -> None:
    assert id_of("https://a.example/1") == "https://a.example/1"
    assert id_of({"id": "https://a.example/1", "type": "Note"}) == "https://a.example/1"
    assert id_of(["https://a.example/1", "https://a.example/2"]) == "https://a.example/1"
    assert id_of({"type": "Note"}) is None
    assert id_of({"id": 3}) is None
    assert id_of("") is None
    assert id_of(None) is None
    assert id_of([]) is None


def test_first_url_shapes() -> None:
    assert first_url("https://a.example/@x") == "https://a.example/@x"
    assert first_url({"type": "Link", "href": "https://a.example/@x"}) == "https://a.example/@x"
    assert first_url({"type": "Image", "url": "https://a.example/i.png"}) == "https://a.example/i.png"
    assert (
        first_url({"type": "Image", "url": [{"type": "Link", "href": "https://a.example/i.png"}]})
        == "https://a.example/i.png"
    )
    links = [
        {"type": "Link", "mediaType": "application/x-mpegURL", "href": "https://a.example/v.m3u8"},
        {"type": "Link", "mediaType": "text/html", "href": "https://a.example/w/1"},
    ]
    assert first_url(links) == "https://a.example/w/1"  # the HTML page wins, like Mastodon's url_to_href
    assert first_url(None) is None
    assert first_url([{"type": "Link"}]) is None


def test_is_public() -> None:
    assert is_public(PUBLIC) and is_public("as:Public") and is_public("Public")
    assert not is_public("https://a.example/users/x/followers")
    assert not is_public(None)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("https://a.example/x", "https://a.example/y", True),
        ("https://A.Example/x", "https://a.example:443/y", True),
        ("http://a.example/x", "http://a.example:80/y", True),
        ("https://a.example/x", "http://a.example/x", False),
        ("https://a.example/x", "https://a.example:8443/x", False),
        ("https://a.example/x", "https://sub.a.example/x", False),
        ("https://a.example/x", None, False),
        ("ftp://a.example/x", "ftp://a.example/y", False),
        ("https://a.example:99999/x", "https://a.example:99999/x", False),
        ("not a url", "not a url", False),
        ("https://a.example./x", "https://a.example/y", True),  # the root's trailing dot
        ("https://a.example:8443?q=1", "https://a.example:8443#top", True),
        ("https://[::1]:8443/x", "https://[::1]:8443/y", True),  # not a host name: read by urlsplit
        ("https://[::1]/x", "https://[::2]/x", False),
    ],
)
def test_same_origin(a: Any, b: Any, expected: bool) -> None:
    assert same_origin(a, b) is expected


def test_is_http_url() -> None:
    assert is_http_url("https://a.example/users/ana")
    assert is_http_url("http://127.0.0.1:8080/users/ana")
    for bad in [
        "",
        "a.example/x",
        "mailto:x@a.example",
        "https://",
        "https://u:p@a.example/",
        "https://a.example/ x",
        "https://a.example/" + "x" * 3000,
        None,
        42,
    ]:
        assert not is_http_url(bad), bad


def test_parsed_documents_are_frozen() -> None:
    activity = parse_activity(load("mastodon/follow.json"))
    with pytest.raises(AttributeError):
        activity.type = "Like"  # type: ignore[misc]


def test_raw_document_is_kept_for_storage() -> None:
    doc = load("pleroma/follow.json")
    assert parse_activity(doc).raw is doc
    assert json.dumps(parse_activity(doc).raw)


def test_an_actor_without_preferred_username_is_named_by_its_ids_last_segment() -> None:
    doc = load("fep/fep0837_actor_payment_link.json")
    actor = parse_actor(doc)
    assert actor.preferred_username == "alice" and not actor.has_username
    bridged = parse_actor({**doc, "id": "https://bridge.example/ap/u/did%3Aplc%3Aabc/", "inbox": doc["inbox"]})
    assert bridged.preferred_username == "did:plc:abc"
    assert parse_actor({**doc, "preferredUsername": "alice2"}).has_username
