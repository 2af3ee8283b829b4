"""Moderators act from a report on its admin page: suspend a member, silence a domain, or start a domain's
suspension (admins only, through its confirmation page); each action is in the audit log."""

from __future__ import annotations

from fedaid.domain.reports import file_report
from fedaid.models import Account, AccountRole, AccountState, Actor, AdminAction, DomainPolicy
from tests.domain.mutual_aid_factories import make_remote
from tests.web.helpers import Visitor, make_member


async def test_a_moderator_suspends_a_member_and_silences_a_domain_from_reports(make_instance):
    instance = await make_instance("drivers")
    with instance.db.active():
        await make_member(instance.base_url, "ana", role=AccountRole.ADMIN, locale="en")
        await make_member(instance.base_url, "mo", role=AccountRole.MODERATOR, locale="en")
        bea, cy = (
            (await make_member(instance.base_url, "bea")).actor,
            (await make_member(instance.base_url, "cy")).actor,
        )
        spammer = await make_remote("spammer", "spam.example")
        about_cy = await file_report(
            bea, cy, post_ids=[], comment="Insultes", category="violation", forward=False, base_url=instance.base_url
        )
        about_spammer = await file_report(
            bea, spammer, post_ids=[], comment="Pub", category="spam", forward=True, base_url=instance.base_url
        )
    mo = Visitor(instance.base_url, language="en")
    await mo.sign_in("mo")
    try:
        page = await mo.get("/admin/reports")
        assert "Suspend this member" in page and "Silence spam.example" in page
        assert "Suspend spam.example" not in page  # suspending a domain is for admins

        await mo.post(f"/admin/reports/{about_cy.id}/suspend-account", {})
        await mo.post(f"/admin/reports/{about_spammer.id}/silence-domain", {}, from_page="/admin/reports")
        page = await mo.post(f"/admin/reports/{about_spammer.id}/suspend-domain", {}, from_page="/admin/reports")
        assert page.status == 403

        with instance.db.active():
            assert (await Account.get(actor_id=cy.id)).state == AccountState.SUSPENDED
            assert await DomainPolicy.filter(domain="spam.example", kind="silence").exists()
            rows = await AdminAction.all().order_by("id").prefetch_related("actor")
            assert [(row.action, row.target, row.actor.username) for row in rows] == [
                ("account.suspend", f"@{cy.acct}", "mo"),
                ("domain.silence", "spam.example", "mo"),
            ]
            assert await Actor.filter(username="cy").exists()
    finally:
        await mo.close()

    ana = Visitor(instance.base_url, language="en")
    await ana.sign_in("ana")
    try:
        page = await ana.post(f"/admin/reports/{about_spammer.id}/suspend-domain", {}, from_page="/admin/reports")
        assert page.status == 200 and "Suspend spam.example?" in page and "What will happen" in page
        with instance.db.active():
            assert not await DomainPolicy.filter(kind="block").exists()  # only once confirmed
    finally:
        await ana.close()
