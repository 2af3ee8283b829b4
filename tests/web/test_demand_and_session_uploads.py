"""Pictures and documents on the demand and session forms, without JavaScript: a draft shows its files to members
only until it is published, and its edit form takes some off and adds others; a fifth file (sent at once, or beside
those a draft keeps), a file that is not a picture, one over 16 MiB and one cut short are refused with their reason,
and nothing is kept, not even the good picture processed before the damaged one. Both backends: page tests run on
SQLite alone elsewhere, and these write the new rows."""

from __future__ import annotations

import re
from html import unescape

import icalendar
import pytest
from pictures import pdf, photo, stored_files

from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.circles import CircleTerms, create_circle
from fedaid.models import AccountRole, CoachingSession, Demand, MediaAttachment
from tests.web.helpers import DEMAND_FORM, SESSION_START, Visitor, make_member, send_files

from testsupport import BACKENDS

SESSION = {"title": "Votre positionnement", "starts_at": SESSION_START.strftime("%Y-%m-%dT%H:%M"), "minutes": "120"}
FIVE = {f"picture_{n}": (photo(100 + n, 100), f"{n}.jpg") for n in range(1, 6)}
NOT_A_PICTURE = {"picture_1": (photo(), "a.jpg"), "picture_2": (b"just some text\n" * 20, "b.jpg")}
TOO_LARGE = {"picture_1": (photo() + bytes(16 * 1024 * 1024), "big.jpg")}
# A good picture, kept and processed before the second, cut short, fails: the form is refused, and neither stays.
DAMAGED = {"picture_1": (photo(), "a.jpg"), "picture_2": (photo()[:1000], "b.jpg")}
TOO_MANY = "Au plus 4 images ou documents en tout."
NOT_READABLE = "Ce fichier n'est ni une image (JPEG, PNG, GIF ou WebP) ni un document PDF."
DAMAGED_REASON = "Cette image est illisible : elle est abîmée ou incomplète."


@pytest.fixture
async def site(make_instance):
    """The drivers' instance: ana (a member), orga (an organiser), fa (who facilitates the marketing circle)."""
    instance = await make_instance("drivers")
    with instance.db.active():
        await ensure_default_categories()
        await make_member(instance.base_url, "ana")
        await make_member(instance.base_url, "orga", role=AccountRole.ORGANISER)
        fa = await make_member(instance.base_url, "fa")
        terms = CircleTerms(slug="marketing", name="Cercle marketing", topics=("marketing",), facilitators=(fa.actor,))
        await create_circle(instance.base_url, terms)
    return instance


@pytest.fixture
async def signed_in(site):
    visitors: list[Visitor] = []

    async def sign_in(username: str) -> Visitor:
        visitor = Visitor(site.base_url)
        visitors.append(visitor)
        await visitor.sign_in(username)
        return visitor

    yield sign_in
    for visitor in visitors:
        await visitor.close()


async def fetched(visitor: Visitor, path: str) -> tuple[int, str]:
    """The status and caching of a file, as `visitor` asks for it."""
    async with visitor.session.get(visitor.base_url + path) as answer:
        return answer.status, answer.headers.get("Cache-Control", "")


def sources(html: str) -> list[str]:
    return re.findall(r'<img [^>]*\bsrc="(/media/[^"]+)"', html)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_draft_shows_its_files_to_members_and_its_edit_form_drops_and_adds_some(site, signed_in) -> None:
    ana, orga = await signed_in("ana"), await signed_in("orga")
    stranger = Visitor(site.base_url)
    try:
        # Given ana's draft with a picture and a PDF flyer
        files = {"picture_1": (photo(1200, 800), "rally.jpg"), "picture_2": (pdf(), "flyer.pdf")}
        alts = {"alt_1": "Le rassemblement du 1er mars", "alt_2": "Le tract"}
        drafted = await send_files(ana, "/demands/new", "/demands/new", {**DEMAND_FORM, **alts}, files)
        assert drafted.status == 200 and re.search(r"/demands/\d+$", drafted.url), drafted.text[:500]
        path = drafted.url.removeprefix(site.base_url)
        assert 'alt="Le rassemblement du 1er mars"' in drafted and 'loading="lazy"' in drafted
        assert re.search(r'href="/media/[0-9a-f]+\.pdf"[^>]*>Document \(PDF\)</a>: Le tract', drafted.text)
        # Then members here see its files, visitors do not (a draft is for members)
        [picture] = sources(drafted.text)
        assert (await fetched(orga, picture))[0] == 200
        assert (await fetched(stranger, picture))[0] == 404

        # When ana takes the flyer off and adds three pictures: four in all
        with site.db.active():
            flyer = await MediaAttachment.get(demand__title=DEMAND_FORM["title"], content_type="application/pdf")
        added = {f"picture_{n}": (photo(300 + n, 200), f"{n}.jpg") for n in range(1, 4)}
        without_flyer = {**DEMAND_FORM, f"remove_{flyer.id}": "on"}
        edited = await send_files(ana, f"{path}/edit", f"{path}/edit", without_flyer, added)
        assert edited.status == 200 and edited.url.endswith(path), edited.text[:500]
        assert len(sources(edited.text)) == 4 and "Le tract" not in edited
        # And a fifth beside the four kept is refused with its reason, nothing more kept
        kept = sorted(stored_files(site.settings.data_dir))
        refused = await send_files(ana, f"{path}/edit", f"{path}/edit", DEMAND_FORM, {"picture_1": (photo(), "5.jpg")})
        assert refused.status == 400 and TOO_MANY in refused
        assert sorted(stored_files(site.settings.data_dir)) == kept

        # When an organiser publishes it, the same files show, to everyone
        published = await orga.post(f"{path}/publish", {}, from_page=path)
        assert published.status == 200 and len(sources(published.text)) == 4
        status, caching = await fetched(stranger, sources(published.text)[0])
        assert status == 200 and caching.startswith("public")
    finally:
        await stranger.close()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_sessions_picture_and_flyer_are_attached_in_the_circles_calendar(site, signed_in) -> None:
    # Given a session scheduled on the circle's page with a picture and a PDF flyer
    files = {"picture_1": (photo(), "salle.jpg"), "picture_2": (pdf(), "flyer.pdf")}
    fa = await signed_in("fa")
    page = await send_files(fa, "/circles/marketing", "/circles/marketing/sessions", SESSION, files)
    assert page.status == 200, page.text[:800]
    # When a calendar app reads the circle's feed
    async with fa.session.get(f"{site.base_url}/circles/marketing/calendar.ics") as answer:
        (event,) = icalendar.Calendar.from_ical(await answer.read()).walk("VEVENT")
    # Then the session's event carries both files, by address and media type, in their order
    attached = event.get("attach")
    attached = attached if isinstance(attached, list) else [attached]
    assert [value.params["FMTTYPE"] for value in attached] == ["image/jpeg", "application/pdf"]
    for value in attached:
        assert str(value).startswith(f"{site.base_url}/media/")
        async with fa.session.get(str(value)) as file:
            assert file.status == 200


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        (FIVE, TOO_MANY),
        (NOT_A_PICTURE, NOT_READABLE),
        (TOO_LARGE, "Ce fichier dépasse 16 Mio."),
        (DAMAGED, DAMAGED_REASON),
    ],
    ids=["five", "text", "too large", "damaged"],
)
@pytest.mark.parametrize("form", ["demand", "session"])
@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_fifth_file_or_one_that_is_no_picture_is_refused_and_nothing_is_kept(
    site, signed_in, form, files, reason
) -> None:
    username, form_path, action, fields = {
        "demand": ("ana", "/demands/new", "/demands/new", DEMAND_FORM),
        "session": ("fa", "/circles/marketing", "/circles/marketing/sessions", SESSION),
    }[form]
    page = await send_files(await signed_in(username), form_path, action, fields, files)
    assert page.status == 400 and reason in unescape(page.text), page.text[:800]
    assert stored_files(site.settings.data_dir) == []
    with site.db.active():
        assert not await MediaAttachment.all().exists()
        assert not await Demand.all().exists() and not await CoachingSession.all().exists()
