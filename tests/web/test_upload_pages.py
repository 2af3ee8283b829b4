"""The proposal form takes pictures and documents without JavaScript: multipart, one alt text per file; the
page shows each picture with its alt text, fitting a 390-px phone; a bad file or a fifth one is refused and nothing is
kept."""

from __future__ import annotations

import io
import re

import pytest
from pictures import photo, stored_files
from PIL import Image

from fedaid.domain.categories import ensure_default_categories
from tests.web.browsing import PHONE, Person
from tests.web.helpers import Page, Visitor, make_member, send_files

OFFER = {
    "purpose": "offer",
    "title": "Perceuse à prêter",
    "text": "Une perceuse sans fil, avec ses forets.",
    "category": "outils",
    "hours": "2",
    "visibility": "public",
}


@pytest.fixture
async def instance(make_instance):
    instance = await make_instance("drivers")
    with instance.db.active():
        await ensure_default_categories()
        await make_member(instance.base_url, "ana")
    return instance


@pytest.fixture
async def ana(instance):
    visitor = Visitor(instance.base_url)
    await visitor.sign_in("ana")
    yield visitor
    await visitor.close()


async def send_offer(visitor: Visitor, files: dict[str, tuple[bytes, str]], alts: dict[str, str]) -> Page:
    """What a browser sends for the form: its fields, the files chosen, multipart/form-data."""
    return await send_files(visitor, "/proposals/new", "/proposals/new", {**OFFER, **alts}, files)


async def test_an_offer_with_two_pictures_shows_them_with_their_alt_text(instance, ana) -> None:
    page = await send_offer(
        ana,
        {"picture_1": (photo(2400, 1600), "perceuse.jpg"), "picture_2": (photo(800, 1200), "forets.jpg")},
        {"alt_1": "Une perceuse rouge", "alt_2": "Trois forets sur une table"},
    )
    assert page.status == 200 and re.search(r"/proposals/\d+$", page.url), page.text[:500]
    images = re.findall(r"<img [^>]+>", page.text)
    assert len(images) == 2
    assert 'alt="Une perceuse rouge"' in images[0] and 'loading="lazy"' in images[0]
    assert 'width="' in images[0] and "srcset=" in images[0]  # a phone picks the small version
    assert "<figcaption>Trois forets sur une table</figcaption>" in page.text
    src = re.search(r'src="(/media/[^"]+)"', images[0])[1]
    async with ana.session.get(ana.base_url + src) as picture:
        assert picture.status == 200 and picture.headers["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("files", "field"),
    [
        ({"picture_1": (photo(), "a.jpg"), "picture_2": (b"just some text\n" * 20, "b.jpg")}, "picture_2"),
        ({f"picture_{n}": (photo(100 + n, 100), f"{n}.jpg") for n in range(1, 6)}, "picture_1"),
    ],
    ids=["text named .jpg", "five files"],
)
async def test_a_bad_or_fifth_file_is_refused_and_nothing_is_kept(instance, ana, files, field) -> None:
    page = await send_offer(ana, files, {})
    assert page.status == 400 and f'id="{field}-error"' in page
    assert 'value="Perceuse à prêter"' in page  # what was typed stays
    assert stored_files(instance.settings.data_dir) == []


@pytest.mark.browser
async def test_on_a_phone_the_picture_fits_the_screen_and_its_small_version_is_loaded(instance, ana, browser) -> None:
    # Given an offer with a 2,400-px picture
    sent = await send_offer(ana, {"picture_1": (photo(2400, 1600), "perceuse.jpg")}, {"alt_1": "Une perceuse rouge"})
    assert sent.status == 200, sent.text[:500]
    path = sent.url.removeprefix(instance.base_url)
    # When a visitor opens its page in Chromium at 390 px
    visitor = await Person.open(browser, instance.base_url)
    try:
        await visitor.page.set_viewport_size(PHONE)
        await visitor.go(path)
        picture = visitor.page.get_by_alt_text("Une perceuse rouge")
        await picture.scroll_into_view_if_needed()
        await visitor.page.wait_for_function("document.images[0] && document.images[0].complete")
        # Then it fits the screen without scrolling sideways, and the browser took the 800-px small version
        box = await picture.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert await visitor.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        loaded = await picture.evaluate("img => img.currentSrc")
        async with ana.session.get(loaded) as answer:
            assert Image.open(io.BytesIO(await answer.read())).size == (800, 533)
    finally:
        await visitor.context.close()
