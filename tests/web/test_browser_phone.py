"""At 390 px the navigation folds behind a menu button and the first offer shows in the first screen, before
the filters; at 1280 px the navigation is open. Screenshots of both are kept in tests/artifacts."""

from __future__ import annotations

import pytest

from tests.web.browsing import DESKTOP, PHONE, Person
from tests.web.site_data import populate

pytestmark = pytest.mark.browser


async def test_on_a_phone_the_menu_folds_and_the_first_offer_is_in_the_first_screen(browser, make_instance):
    instance = await make_instance("drivers")
    with instance.db.active():
        await populate(instance.base_url)
    visitor = await Person.open(browser, instance.base_url)
    page = visitor.page
    try:
        await page.set_viewport_size(PHONE)
        await visitor.go("/")
        nav, button = page.locator("#site-nav"), page.locator("label.menu-button")
        # The menu is folded behind its button
        assert await button.is_visible() and not await nav.is_visible()
        # The first offer or request is within the first screen, above the filters
        card = page.locator("main .card").first
        box, filters = await card.bounding_box(), await page.locator("main form.filters").bounding_box()
        assert box is not None and filters is not None
        assert box["y"] + 40 < PHONE["height"], f"the first card starts at {box['y']}px"
        assert box["y"] < filters["y"]
        await visitor.screenshot("home")  # tests/artifacts/home-phone.png and home-desktop.png
        # Opening the menu shows the links, and they lead somewhere
        await page.set_viewport_size(PHONE)
        await button.click()
        assert await nav.is_visible()
        await nav.get_by_role("link", name="Revendications").click()
        await page.wait_for_load_state()
        assert page.url.endswith("/demands")
        # On a wide screen the navigation is open and there is no menu button
        await page.set_viewport_size(DESKTOP)
        await visitor.go("/")
        assert await page.locator("#site-nav").is_visible() and not await button.is_visible()
        icon = await page.request.get(instance.base_url + "/static/favicon.svg")
        assert icon.status == 200 and "svg" in icon.headers["content-type"]
    finally:
        await visitor.context.close()
