"""Co-signing with the pages, between two instances on 127.0.0.1: the coworking space's admin co-signs the
drivers' demand with its form (a member may not), and the drivers' page then shows the co-signing collective,
the supporters listed by name, the count and the dated history; the list shows open demands first."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fedaid.appkeys import REMOTE_ACTORS
from fedaid.domain import alliances, demands
from fedaid.domain.instance import get_collective
from fedaid.models import AccountRole, Actor, Demand, DemandCosigner
from tests.web.helpers import Visitor, make_member

from testsupport import drain


async def allied(drivers, coworking) -> None:
    """The coworking space asks the drivers for an alliance, and the drivers accept: their demands reach it."""
    with drivers.db.active():
        drivers_group = await get_collective("drivers")
    with coworking.db.active():
        ours = await get_collective("coworking")
        await alliances.request_alliance(ours, await coworking.app[REMOTE_ACTORS].get_actor(drivers_group.ap_id))
    await drain(drivers, coworking)
    with drivers.db.active():
        group = await Actor.get(ap_id=f"{coworking.base_url}/c/coworking")
        if (await alliances.find_alliance(drivers_group, group)).theirs != "accepted":
            await alliances.approve_alliance(drivers_group, group)
    await drain(drivers, coworking)


async def published(organiser: Actor, title: str) -> Demand:
    terms = demands.DemandTerms(
        title=title, target="Plateforme VTC", claims=["1,20 € minimum par kilomètre"],
        deadline=datetime.now(UTC) + timedelta(days=30),
    )  # fmt: skip
    return await demands.publish_demand(await demands.draft_demand(organiser, terms), by=organiser)


async def test_an_admin_cosigns_with_the_form_and_the_demand_page_shows_it(make_instance) -> None:
    drivers = await make_instance("drivers", demand_update_interval=0)
    coworking = await make_instance("coworking", demand_update_interval=0)
    await allied(drivers, coworking)
    with drivers.db.active():
        orga = (await make_member(drivers.base_url, "orga", role=AccountRole.ORGANISER)).actor
        ana = (await make_member(drivers.base_url, "ana", display_name="Ana Lopes")).actor
        demand = await published(orga, "Un tarif minimum au kilomètre")
        older_decided = await published(orga, "Des pauses payées")  # newer, but no longer open
        await demands.change_status(older_decided, demands.DemandStatus.DELIVERED, by=orga)
        await demands.support(demand, ana, is_named=True)
    with coworking.db.active():
        await make_member(coworking.base_url, "root", role=AccountRole.ADMIN, locale="en")
        await make_member(coworking.base_url, "bea", locale="en")
    await drain(drivers, coworking)
    with coworking.db.active():
        copy = await Demand.get(ap_id=demand.ap_id)
    root, bea = Visitor(coworking.base_url, language="en"), Visitor(coworking.base_url, language="en")
    reader = Visitor(drivers.base_url, language="en")
    try:
        await root.sign_in("root")
        await bea.sign_in("bea")
        # A member of the coworking space sees no co-sign button, and the form refuses her
        assert "Co-sign for our collective" not in await bea.get(f"/demands/{copy.id}")
        refused = await bea.post(f"/demands/{copy.id}/cosign", from_page=f"/demands/{copy.id}")
        assert refused.status == 403
        # When the coworking space's admin co-signs with the form on its copy of the demand
        page = await root.get(f"/demands/{copy.id}")
        assert "Co-sign for our collective" in page
        signed = await root.post(f"/demands/{copy.id}/cosign")
        assert signed.status == 200 and "Coworking" in signed
        await drain(drivers, coworking)
        # Then the drivers' page shows the co-signer, ana by name, the count and the dated history
        shown = await reader.get(f"/demands/{demand.id}")
        cosigners = shown.text[shown.text.index('id="cosigners"') :]
        assert f'href="{coworking.base_url}/c/coworking"' in cosigners.split("</section>")[0]
        assert re.search(r"<strong>1</strong>\s*supporter\b", shown.text)
        assert re.search(r"<strong>1</strong>\s*co-signing collective\b", shown.text)
        assert "Ana Lopes" in shown and f"@ana@{drivers.settings.domain}" in shown
        history = shown.text[shown.text.index('class="history"') :].split("</ol>")[0]
        assert history.count("<time datetime=") == 2  # drafted, then open
        # And a second co-signature by the same collective is refused
        again = await root.post(f"/demands/{copy.id}/cosign", from_page=f"/demands/{copy.id}")
        assert again.status == 409
        # And the list shows the open demand before the newer delivered one
        listing = (await reader.get("/demands")).text
        assert listing.index("Un tarif minimum au kilomètre") < listing.index("Des pauses payées")
    finally:
        for visitor in (root, bea, reader):
            await visitor.close()
    with drivers.db.active():
        assert await DemandCosigner.filter(demand_id=demand.id).count() == 1
