"""The demand forms as a member and an organiser use them without JavaScript: drafting (and its bad input),
publishing (organisers only), support by name, moving the status along, the CSV and the printable letter kept
for organisers, and withdrawing the demand."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from fedaid.models import AccountRole, Demand, DemandStatus, DemandStatusChange, PollVote
from tests.web.helpers import Visitor, make_member

DEADLINE = (date.today() + timedelta(days=20)).isoformat()
DRAFT = {
    "title": "Un tarif minimum au kilomètre",
    "target": "Plateforme VTC",
    "claims": "1,20 € minimum par kilomètre\n- Des tarifs publiés",
    "text": "Nos revenus baissent depuis deux ans.",
    "deadline": DEADLINE,
    "language": "fr",
}


async def test_a_demand_drafted_published_supported_moved_exported_and_withdrawn_with_the_forms(make_instance) -> None:
    instance = await make_instance("drivers")
    with instance.db.active():
        await make_member(instance.base_url, "ana")
        await make_member(instance.base_url, "orga", display_name="Orga", role=AccountRole.ORGANISER)
    ana, orga, stranger = Visitor(instance.base_url), Visitor(instance.base_url), Visitor(instance.base_url)
    try:
        await ana.sign_in("ana")
        await orga.sign_in("orga")

        # Bad input: no claim, a past deadline: 400 with the reasons beside the fields, nothing stored
        bad = await ana.post(
            "/demands/new", {**DRAFT, "claims": " \n", "deadline": "2020-01-01"}, from_page="/demands/new"
        )
        assert bad.status == 400
        assert "Écrivez au moins une exigence, une par ligne." in bad.text
        assert "Choisissez une date à venir." in bad.text
        with instance.db.active():
            assert await Demand.all().count() == 0

        # A member drafts it: a draft, seen by members here, not by visitors
        drafted = await ana.post("/demands/new", DRAFT, from_page="/demands/new")
        assert drafted.status == 200 and "/demands/" in drafted.url
        demand_id = drafted.url.rstrip("/").split("/demands/")[1].split("?")[0]
        path = f"/demands/{demand_id}"
        assert "Des tarifs publiés" in drafted.text
        assert (await stranger.get(path)).status == 404

        # Only an organiser publishes
        refused = await ana.post(f"{path}/publish", {}, from_page=path)
        assert refused.status == 403
        assert (await orga.post(f"{path}/publish", {}, from_page=path)).status == 200
        with instance.db.active():
            assert (await Demand.get(id=demand_id)).status == DemandStatus.OPEN
        assert (await stranger.get(path)).status == 200

        # ana supports it, listed by name
        assert (await ana.post(f"{path}/support", {"named": "on"}, from_page=path)).status == 200
        with instance.db.active():
            assert await PollVote.filter(poll__post__demand__id=demand_id, is_named=True).count() == 1

        # The organiser moves it along: delivered, with a dated history
        assert (await orga.post(f"{path}/status", {"status": "delivered"}, from_page=path)).status == 200
        bogus = await orga.post(f"{path}/status", {"status": "nonsense"}, from_page=path)
        assert bogus.status == 400

        # The CSV and the printable letter are for organisers only
        assert (await ana.get(f"{path}/supporters.csv")).status == 403
        exported = await orga.get(f"{path}/supporters.csv")
        assert exported.status == 200 and exported.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert [(row["kind"], row["name"], row["address"]) for row in rows] == [
            ("supporter", "Ana", f"{instance.base_url}/u/ana")
        ]
        assert (await ana.get(f"{path}/letter")).status == 403
        letter = await orga.get(f"{path}/letter")
        assert letter.status == 200 and "<script" not in letter.text
        for words in ("Un tarif minimum au kilomètre", "Plateforme VTC", "1,20 € minimum par kilomètre", "Ana"):
            assert words in letter.text, words
        assert 'media="print"' in letter.text or "letter.css" in letter.text

        # And withdrawn: support is no longer taken
        assert (await orga.post(f"{path}/status", {"status": "withdrawn"}, from_page=path)).status == 200
        assert (await ana.post(f"{path}/withdraw-support", {}, from_page=path)).status == 200  # until the deadline
        late = await ana.post(f"{path}/support", {"named": "on"}, from_page=path)
        assert late.status == 409
        with instance.db.active():
            assert await PollVote.filter(poll__post__demand__id=demand_id).count() == 0
        with instance.db.active():
            history = await DemandStatusChange.filter(demand_id=demand_id).order_by("changed_at", "id")
            assert [row.status for row in history] == ["draft", "open", "delivered", "withdrawn"]
    finally:
        for visitor in (ana, orga, stranger):
            await visitor.close()
