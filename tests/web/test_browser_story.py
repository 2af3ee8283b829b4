"""The whole story in a real browser, on two instances on loopback (Debian's Chromium through Playwright).

An invited member of "drivers" signs up and posts an offer in French; a member of the allied "cowork"
collective sees it on her home page and responds; the author accepts; both confirm; both profiles show
the hour. Admins approve the alliance and a pending member through the admin pages. Script payloads
ride along in titles and names, and no dialog opens and no script runs anywhere.
"""

from __future__ import annotations

import re

import pytest

from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.members import create_invite
from fedaid.models import AccountRole
from tests.web.browsing import PAYLOAD, Person
from tests.web.helpers import PASSWORD, make_member

from testsupport import drain

pytestmark = pytest.mark.browser


@pytest.fixture
async def instances(make_instance):
    drivers = await make_instance("drivers", registration_mode="approval", federation_mode="allowlist")
    cowork = await make_instance("cowork")
    with drivers.db.active():
        await ensure_default_categories()
        await make_member(drivers.base_url, "ana", role=AccountRole.ADMIN, display_name="Ana")
        invite = await create_invite()
    with cowork.db.active():
        await ensure_default_categories()
        await make_member(cowork.base_url, "bob", role=AccountRole.ADMIN, display_name="Bob")
        await make_member(cowork.base_url, "carla", display_name=f"Carla {PAYLOAD}")
    return drivers, cowork, invite


async def test_the_whole_story_across_two_allied_collectives(browser, instances):
    drivers, cowork, invite = instances
    people: list[Person] = []

    async def person(base_url: str) -> Person:
        opened = await Person.open(browser, base_url)
        people.append(opened)
        return opened

    try:
        # Given drivers (allowlist mode) allows cowork's domain, cowork's admin asks to ally, and
        # drivers' admin approves the alliance on the federation page
        ana = await person(drivers.base_url)
        await ana.sign_in("ana")
        await ana.go("/admin/federation")
        await ana.field("Domaine").fill(cowork.settings.domain)
        await ana.field("Règle").select_option("allow")
        await ana.click("Enregistrer la règle")
        assert "autoriser" in await ana.text()
        bob = await person(cowork.base_url)
        await bob.sign_in("bob")
        await bob.go("/admin/federation")
        await bob.field("Adresse du collectif").fill(f"drivers@{drivers.settings.domain}")
        await bob.click("Envoyer la demande")
        assert "Demande envoyée" in await bob.text(), await bob.text()
        await drain(drivers, cowork)
        await ana.go("/admin/federation")
        await ana.click(re.compile("Approuver l’alliance avec cowork@"))
        await drain(drivers, cowork)
        await ana.go("/admin/federation")
        await ana.screenshot("admin-federation")
        assert "Allié" in await ana.text(), await ana.text()
        await bob.go("/admin/federation")
        assert "Allié" in await bob.text()

        # And drivers' admin approves, on the members page, someone who asked to join
        mo = await person(drivers.base_url)
        await mo.go("/signup")
        await mo.field("Nom d’utilisateur·ice").fill("mo")
        await mo.field("Adresse e-mail").fill("mo@example.org")
        await mo.field("Mot de passe").fill(PASSWORD)
        await mo.field("Pourquoi voulez-vous rejoindre le collectif ?").fill("Je conduis la nuit à Lyon.")
        await mo.click("Créer mon compte")
        assert "attend l’approbation" in await mo.text()
        await ana.go("/admin/members")
        assert "Je conduis la nuit à Lyon." in await ana.text()
        await ana.click("Approuver mo")
        assert "Approuver mo" not in await ana.text()
        await mo.sign_in("mo")
        assert "/signout" in await mo.page.content()

        # When an invited member signs up and posts an offer in French
        lina = await person(drivers.base_url)
        await lina.go(f"/signup?invite={invite}")
        await lina.field("Nom d’utilisateur·ice").fill("lina")
        await lina.field("Nom affiché").fill("Lina")
        await lina.field("Adresse e-mail").fill("lina@example.org")
        await lina.field("Mot de passe").fill(PASSWORD)
        await lina.click("Créer mon compte")
        assert lina.page.url.endswith("/u/lina")
        await lina.go("/proposals/new?purpose=offer")
        await lina.field("Titre").fill(f"Traduction de devis {PAYLOAD}")
        await lina.field("Description").fill(f"Je traduis vos devis en anglais. {PAYLOAD}")
        await lina.field("Catégorie").select_option("communication")
        await lina.field("Heures").fill("1,5")
        await lina.field("Lieu").fill("Lyon")
        await lina.field("Possible à distance").check()
        await lina.click("Publier")
        offer_url = lina.page.url
        assert re.search(r"/proposals/\d+$", offer_url), offer_url
        assert "Traduction de devis" in await lina.text() and "1,5 h" in await lina.text()
        await drain(drivers, cowork)

        # Then a member of the allied collective sees it on her home page and responds
        carla = await person(cowork.base_url)
        await carla.sign_in("carla")
        await carla.go("/")
        await carla.screenshot("home")
        assert "Traduction de devis" in await carla.text(), await carla.text()
        await carla.page.locator("main").get_by_role("link", name=re.compile("Traduction de devis")).first.click()
        await carla.page.wait_for_load_state()
        await carla.field("Votre message").fill(f"Avec plaisir, pour mon site. {PAYLOAD}")
        await carla.field("Proposer un accord maintenant").check()
        await carla.field("Heures pour l’accord").fill("1")
        await carla.click("Envoyer ma réponse")
        assert "Avec plaisir" in await carla.text()
        await drain(drivers, cowork)

        # And the author accepts; both confirm
        await lina.go(offer_url.removeprefix(drivers.base_url))
        assert "Avec plaisir" in await lina.text(), await lina.text()
        await lina.screenshot("proposal")
        await lina.click("Accepter")
        await drain(drivers, cowork)
        await lina.click("Confirmer que l’aide a eu lieu")
        await drain(drivers, cowork)
        await carla.go("/agreements")
        await carla.click("Confirmer que l’aide a eu lieu")
        await drain(drivers, cowork)

        # Then both profiles show the hour
        await lina.go("/u/lina")
        assert re.search(r"1 h\s+données", await lina.text()), await lina.text()
        await carla.go("/u/carla")
        assert re.search(r"1 h\s+reçues", await carla.text()), await carla.text()

        for someone in people:
            await someone.assert_inert()
    finally:
        for someone in people:
            await someone.context.close()
