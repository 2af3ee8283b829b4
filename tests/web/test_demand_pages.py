"""The demand pages in French and English, without JavaScript: the list (revendications, never demandes),
one demand with its claims and support form, and the letter and CSV kept for organisers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp

from fedaid.domain import demands
from fedaid.domain.instance import get_collective
from fedaid.domain.members import add_member
from fedaid.models import AccountRole

from testsupport import PASSWORD


async def published_demand(instance):
    with instance.db.active():
        organiser = (
            await add_member(instance.base_url, "orga", email="orga@example.org", password=PASSWORD,
                             role=AccountRole.ORGANISER)
        ).actor  # fmt: skip
        demand = await demands.draft_demand(
            organiser,
            demands.DemandTerms(
                title="Un tarif minimum au kilomètre",
                target="Plateforme VTC",
                claims=["1,20 € minimum par kilomètre"],
                deadline=datetime.now(UTC) + timedelta(days=10),
            ),
            collective=await get_collective(instance.settings.collective_slug),
        )
        return await demands.publish_demand(demand, by=organiser)


async def test_demand_pages_in_french_and_english(make_instance) -> None:
    instance = await make_instance("drivers")
    demand = await published_demand(instance)
    async with aiohttp.ClientSession() as browser:
        async with browser.get(f"{instance.base_url}/demands", headers={"Accept-Language": "fr"}) as answer:
            french = await answer.text()
        async with browser.get(f"{instance.base_url}/demands", headers={"Accept-Language": "en"}) as answer:
            english = await answer.text()
        async with browser.get(f"{instance.base_url}/demands/{demand.id}", headers={"Accept-Language": "fr"}) as page:
            shown = await page.text()
        async with browser.get(demand.ap_id, headers={"Accept": "text/html"}, allow_redirects=False) as answer:
            assert answer.status == 303 and answer.headers["Location"] == f"/demands/{demand.id}"
        async with browser.get(demand.ap_id, headers={"Accept": "application/activity+json"}) as answer:
            question = await answer.json(content_type=None)
        async with browser.get(f"{instance.base_url}/demands/{demand.id}/supporters.csv") as answer:
            assert answer.status in (401, 403) or "/signin" in str(answer.url)
    assert "Revendications collectives" in french and "Un tarif minimum au kilomètre" in french
    main = french[french.index("<main") : french.index("</main>")].lower()
    assert "demande" not in main.replace("/demands", "")  # in French a demand is a revendication
    assert "Collective demands" in english
    assert "1,20 € minimum par kilomètre" in shown and "Adressée à Plateforme VTC" in shown
    assert "<script" not in shown
    assert question["type"] == "Question" and question["votersCount"] == 0
