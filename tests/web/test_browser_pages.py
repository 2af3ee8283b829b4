"""In a real browser: forms keep what was typed and explain each problem beside its field, a form without its
CSRF token is refused, hostile content stays inert on every page, and the pages work by keyboard alone."""

from __future__ import annotations

import pytest

from tests.web.browsing import DESKTOP, PHONE, Person
from tests.web.site_data import populate

pytestmark = pytest.mark.browser


@pytest.fixture
async def site(make_instance):
    instance = await make_instance("drivers")
    with instance.db.active():
        data = await populate(instance.base_url)
    return instance, data


async def test_a_bad_offer_is_explained_beside_each_field_and_what_was_typed_is_kept(browser, site):
    instance, _ = site
    ana = await Person.open(browser, instance.base_url)
    try:
        await ana.sign_in("ana")
        await ana.go("/proposals/new?purpose=offer")
        await ana.field("Titre").fill("ab")
        await ana.field("Description").fill("Un texte que je ne veux pas retaper.")
        await ana.field("Heures").fill("beaucoup")
        await ana.field("Lieu").fill("Villeurbanne")
        await ana.click("Publier")
        # Each message sits beside its field, tied to it for screen readers
        hours = ana.field("Heures")
        assert await hours.get_attribute("aria-invalid") == "true"
        described = await hours.get_attribute("aria-describedby")
        assert "hours-error" in described
        assert "Écrivez un nombre d’heures" in await ana.page.locator("#hours-error").inner_text()
        assert "au moins 3 caractères" in await ana.page.locator("#title-error").inner_text()
        # What was typed is still there
        assert await hours.input_value() == "beaucoup"
        assert await ana.field("Description").input_value() == "Un texte que je ne veux pas retaper."
        assert await ana.field("Lieu").input_value() == "Villeurbanne"
        # The summary at the top links to the fields
        await ana.page.get_by_role("alert").get_by_role("link").first.click()
        await ana.assert_inert()
    finally:
        await ana.context.close()


async def test_a_form_sent_without_its_csrf_token_is_refused_with_a_clear_message(browser, site):
    instance, data = site
    bea = await Person.open(browser, instance.base_url)
    try:
        await bea.sign_in("bea")
        await bea.go("/settings")
        await bea.page.evaluate("""() => document.querySelectorAll('input[name="csrf_token"]')
                                     .forEach((input) => input.remove())""")
        await bea.field("Nom affiché").fill("Quelqu’un d’autre")
        async with bea.page.expect_response(lambda r: r.url.endswith("/settings/profile")) as answer:
            await bea.click("Enregistrer")
        assert (await answer.value).status == 403
        assert "Ce formulaire a expiré ou ne vient pas de ce site" in await bea.text()
        await bea.go("/u/bea")
        assert "Quelqu’un d’autre" not in await bea.text()
    finally:
        await bea.context.close()


PAGES = [
    "/",
    "/search?q=devis",
    "/about",
    "/c/drivers",
    "/u/ana",
    "/u/bea",
    "/agreements",
    "/notifications",
    "/settings",
    "/admin/members",
    "/admin/federation",
    "/admin/reports",
    "/admin/deliveries",
    "/admin/collective",
    "/feed.atom",
]


async def test_hostile_names_titles_texts_and_remote_content_stay_inert_everywhere(browser, site):
    instance, data = site
    ana = await Person.open(browser, instance.base_url)
    executed: list[str] = []
    ana.page.on("console", lambda message: executed.append(message.text) if "__xss" in message.text else None)
    try:
        await ana.sign_in("ana")
        paths = [
            *PAGES,
            f"/proposals/{data.proposal.id}",
            f"/proposals/{data.remote_proposal.id}",
            f"/proposals/{data.proposal.id}/edit",
        ]
        for path in paths:
            await ana.go(path)
            await ana.page.wait_for_load_state("load")
            await ana.assert_inert()
            # The payloads are shown as text, never as elements
            assert await ana.page.locator("main img[src='x']").count() == 0, path
            assert await ana.page.locator("main script").count() == 0, path
        assert not executed and not ana.dialogs
    finally:
        await ana.context.close()


async def test_keyboard_users_can_skip_to_the_content_and_every_field_has_a_label(browser, site):
    instance, _ = site
    ana = await Person.open(browser, instance.base_url)
    try:
        await ana.sign_in("ana")
        for path in ("/", "/proposals/new", "/settings", "/admin/federation", "/signin"):
            await ana.go(path)
            await ana.page.keyboard.press("Tab")
            focused = await ana.page.evaluate("() => document.activeElement.getAttribute('href')")
            assert focused == "#main", path
            unlabelled = await ana.page.evaluate("""() => [...document.querySelectorAll(
                'input:not([type=hidden]), select, textarea')].filter((el) =>
                !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map((el) => el.name)""")
            assert not unlabelled, f"{path}: fields without a label: {unlabelled}"
            landmarks = await ana.page.evaluate(
                "() => ['header', 'nav', 'main', 'footer'].filter((tag) => !document.querySelector(tag))"
            )
            assert not landmarks, f"{path} misses {landmarks}"
    finally:
        await ana.context.close()


async def test_pages_fit_a_phone_screen_and_load_nothing_from_elsewhere(browser, site):
    instance, data = site
    ana = await Person.open(browser, instance.base_url)
    requested: list[str] = []
    ana.page.on("request", lambda request: requested.append(request.url))
    try:
        await ana.page.set_viewport_size(PHONE)
        await ana.sign_in("ana")
        for path in ("/", f"/proposals/{data.proposal.id}", "/admin/federation", "/admin/members", "/settings"):
            await ana.go(path)
            overflow = await ana.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} is {overflow}px too wide for a phone"
        await ana.page.set_viewport_size(DESKTOP)
        foreign = [url for url in requested if not url.startswith(instance.base_url)]
        assert not foreign, f"requests to other sites: {foreign}"
    finally:
        await ana.context.close()
