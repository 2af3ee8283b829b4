"""Mail to members through a real SMTP server on 127.0.0.1: notifications in the member's language, digests,
the unsubscribe link, and an instance without SMTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp

from fedaid.domain import reports
from fedaid.domain.mail_choices import set_choice
from fedaid.domain.proposals import create_proposal
from fedaid.domain.responses import respond
from fedaid.models import Account, JobState, OutboundJob
from tests.domain.mutual_aid_factories import terms
from tests.web.helpers import make_member

from fakes.smtp import FakeSmtpServer, html_of, text_of


async def test_a_response_is_mailed_to_each_author_in_their_language_once(make_instance, smtp: FakeSmtpServer):
    # Given Léa (French) and Sam (English), each with an open offer, on an instance with SMTP
    instance = await make_instance(smtp_url=smtp.url, mail_from="aide@collectif.example")
    with instance.db.active():
        lea = await make_member(instance.base_url, "lea", locale="fr", display_name="Léa")
        sam = await make_member(instance.base_url, "sam", locale="en", display_name="Sam")
        offer_of_lea = await create_proposal(lea.actor, terms(title="Déclaration URSSAF"))
        offer_of_sam = await create_proposal(sam.actor, terms(title="Tax return"))
        # When each answers the other's offer
        await respond(offer_of_lea, sam.actor, "Je peux aider mardi.")
        await respond(offer_of_sam, lea.actor, "Happy to help.")
    await instance.run_worker_once()
    await instance.run_worker_once()

    # Then each gets one mail, in their own language, saying who answered which offer
    (to_lea,) = smtp.to("lea@example.org")
    (to_sam,) = smtp.to("sam@example.org")
    assert to_lea["Subject"] == "Sam a répondu à « Déclaration URSSAF »."
    assert to_sam["Subject"] == "Léa responded to « Tax return »."
    assert "Bonjour Léa," in text_of(to_lea) and "Hello Sam," in text_of(to_sam)
    assert "<p>Sam a répondu à « Déclaration URSSAF ».</p>" in html_of(to_lea)
    assert to_lea["From"] == "aide@collectif.example" and to_lea["Content-Language"] == "fr"
    with instance.db.active():
        job = await OutboundJob.get(account_id=lea.account.id)
    assert to_lea["Message-ID"] == job.message_id and job.state == JobState.DONE
    assert to_lea["List-Unsubscribe"].startswith(f"<{instance.base_url}/unsubscribe/")
    assert to_lea["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_the_unsubscribe_link_works_without_signing_in_and_stops_those_mails(make_instance, smtp):
    # Given a mail about a response, whose unsubscribe link a mail client would use
    instance = await make_instance(smtp_url=smtp.url)
    with instance.db.active():
        lea = await make_member(instance.base_url, "lea", locale="fr")
        sam = await make_member(instance.base_url, "sam", locale="en")
        offer = await create_proposal(lea.actor, terms(title="Compta"))
        await respond(offer, sam.actor, "Moi !")
    await instance.run_worker_once()
    link = smtp.to("lea@example.org")[0]["List-Unsubscribe"].strip("<>")

    async with aiohttp.ClientSession() as browser:
        # When a link checker opens it, nothing changes; a wrong token is refused
        async with browser.get(link) as page:
            assert page.status == 200 and "<form" in await page.text()
        async with browser.post(link[:-4] + "0000", data={"List-Unsubscribe": "One-Click"}) as page:
            assert page.status == 404
        with instance.db.active():
            assert (await Account.get(id=lea.account.id)).mail_choices == {}
        # And the one-click POST (RFC 8058), from no session at all, turns those mails off
        async with browser.post(link, data={"List-Unsubscribe": "One-Click"}) as page:
            assert page.status == 200

    # Then the next response is not mailed
    with instance.db.active():
        assert (await Account.get(id=lea.account.id)).mail_choices == {"mutual_aid": "never"}
        await respond(await create_proposal(lea.actor, terms(title="Autre")), sam.actor, "Encore moi")
    await instance.run_worker_once()
    assert len(smtp.to("lea@example.org")) == 1


async def test_a_member_who_chose_a_daily_digest_gets_one_mail_listing_the_day(make_instance, smtp):
    # Given Sam (English) chose a daily digest for mutual aid, and was last sent one two days ago
    instance = await make_instance(smtp_url=smtp.url)
    with instance.db.active():
        sam = await make_member(instance.base_url, "sam", locale="en")
        lea = await make_member(instance.base_url, "lea", locale="fr", display_name="Léa")
        nina = await make_member(instance.base_url, "nina", locale="fr", display_name="Nina")
        await set_choice(sam.account, "mutual_aid", "daily")
        await Account.filter(id=sam.account.id).update(digest_sent_at=datetime.now(UTC) - timedelta(days=2))
        offer = await create_proposal(sam.actor, terms(title="Website review"))
        # When two people answer his offer
        await respond(offer, lea.actor, "Je regarde.")
        await respond(offer, nina.actor, "Moi aussi.")
    await instance.run_worker_once()
    await instance.run_worker_once()

    # Then he gets one digest naming both, and no mail per response
    (digest,) = smtp.to("sam@example.org")
    assert digest["Subject"] == "2 new notifications on Collective"
    body = text_of(digest)
    assert "- Léa responded to « Website review »." in body and "- Nina responded to « Website review »." in body
    with instance.db.active():
        assert (await Account.get(id=sam.account.id)).digest_sent_at > datetime.now(UTC) - timedelta(minutes=1)


async def test_a_french_digest(make_instance, smtp):
    instance = await make_instance(smtp_url=smtp.url)
    with instance.db.active():
        lea = await make_member(instance.base_url, "lea", locale="fr", display_name="Léa")
        sam = await make_member(instance.base_url, "sam", locale="en", display_name="Sam")
        await set_choice(lea.account, "mutual_aid", "daily")
        await Account.filter(id=lea.account.id).update(digest_sent_at=datetime.now(UTC) - timedelta(days=1, seconds=1))
        await respond(await create_proposal(lea.actor, terms(title="Statuts")), sam.actor, "Je peux.")
    await instance.run_worker_once()
    await instance.run_worker_once()
    (digest,) = smtp.to("lea@example.org")
    assert digest["Subject"] == "1 nouvelle notification sur Collective"
    assert "- Sam a répondu à « Statuts »." in text_of(digest)


async def test_without_smtp_nothing_is_queued_and_the_admin_page_says_email_is_off(make_instance):
    instance = await make_instance()
    with instance.db.active():
        lea = await make_member(instance.base_url, "lea")
        sam = await make_member(instance.base_url, "sam")
        await respond(await create_proposal(lea.actor, terms()), sam.actor, "Oui")
    await instance.run_worker_once()
    with instance.db.active():
        assert not await OutboundJob.exists()


async def test_a_notification_about_a_post_hidden_before_its_mail_goes_out_is_not_mailed(make_instance, smtp):
    # Given Sam's answer to Léa's offer, which notified her, and which a moderator hides before the worker runs
    instance = await make_instance(smtp_url=smtp.url)
    with instance.db.active():
        lea = await make_member(instance.base_url, "lea", locale="fr")
        sam = await make_member(instance.base_url, "sam")
        moderator = await make_member(instance.base_url, "mod")
        answer = await respond(await create_proposal(lea.actor, terms(title="Vélo")), sam.actor, "Insulte")
        report = await reports.file_report(
            lea.actor, sam.actor, post_ids=[answer.id], comment="", category="violation", forward=False, base_url=""
        )
        await reports.hide_post(report, answer.id, by=moderator.actor)
    # When the worker runs
    await instance.run_worker_once()
    await instance.run_worker_once()
    # Then nothing is queued for Léa nor sent to her
    assert smtp.to("lea@example.org") == []
    with instance.db.active():
        assert not await OutboundJob.filter(account_id=lea.account.id).exists()
