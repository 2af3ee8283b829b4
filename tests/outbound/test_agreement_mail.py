"""Agreement steps reach each party once, by mail in their language, saying who did what about which proposal
("Léa offers 2 h for « Déclaration URSSAF »"); a reply that offers an agreement is one notification, not two.
Real SMTP server on 127.0.0.1, SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from fedaid.domain.agreements import accept_agreement, offer_agreement
from fedaid.domain.exchanges import confirm_exchange
from fedaid.domain.proposals import create_proposal
from fedaid.domain.responses import respond
from fedaid.models import Notification, NotificationKind, ProposalPurpose
from tests.domain.mutual_aid_factories import terms
from tests.web.helpers import Visitor, make_member

from fakes.smtp import FakeSmtpServer, html_of, text_of


async def test_each_agreement_step_is_one_mail_in_the_readers_language(make_instance, smtp: FakeSmtpServer):
    # Given Sam (English) asks for help with « Déclaration URSSAF », and Léa (French) reads it
    instance = await make_instance(smtp_url=smtp.url)
    with instance.db.active():
        sam = await make_member(instance.base_url, "sam", locale="en", display_name="Sam")
        lea = await make_member(instance.base_url, "lea", locale="fr", display_name="Léa")
        request = await create_proposal(
            sam.actor, terms(title="Déclaration URSSAF", purpose=ProposalPurpose.REQUEST, hours=Decimal(2))
        )
        # When Léa answers and offers her 2 hours in the same reply
        reply = await respond(request, lea.actor, "Je peux t'aider mardi.")
        offered = await offer_agreement(request, lea.actor, hours=Decimal(2), response=reply)
    await instance.run_worker_once()

    # Then Sam has one notification and one mail, saying what she offers for what
    with instance.db.active():
        (told,) = await Notification.filter(recipient_id=sam.actor.id)
        assert told.kind == NotificationKind.AGREEMENT and told.post_id == reply.id
    (to_sam,) = smtp.to("sam@example.org")
    assert to_sam["Subject"] == "Léa offers 2 h for « Déclaration URSSAF »."
    assert "Léa offers 2 h for « Déclaration URSSAF »." in text_of(to_sam)
    assert "Léa offers 2 h for « Déclaration URSSAF »." in html_of(to_sam)

    # When Sam accepts, Léa hears of it in French; when both confirm, each hears of the other's confirmation
    with instance.db.active():
        await accept_agreement(offered, by=sam.actor)
    await instance.run_worker_once()
    (to_lea,) = smtp.to("lea@example.org")
    assert to_lea["Subject"] == "Sam a accepté l’accord sur « Déclaration URSSAF » (2 h)."
    assert "Bonjour Léa," in text_of(to_lea) and to_lea["Content-Language"] == "fr"
    with instance.db.active():
        await confirm_exchange(offered, by=lea.actor)
    await instance.run_worker_once()
    assert smtp.to("sam@example.org")[-1]["Subject"] == "Léa confirmed 2 h given for « Déclaration URSSAF »."

    # And the notifications page tells the same story
    visitor = Visitor(instance.base_url, language="en")
    try:
        await visitor.sign_in("sam")
        page = await visitor.get("/notifications")
        assert "Léa offers 2 h for « Déclaration URSSAF »." in page and "Léa confirmed 2 h given" in page
    finally:
        await visitor.close()


async def test_a_mention_in_a_reply_to_ones_own_proposal_is_told_once(make_instance, smtp: FakeSmtpServer):
    instance = await make_instance(smtp_url=smtp.url)
    with instance.db.active():
        sam = await make_member(instance.base_url, "sam", locale="en", display_name="Sam")
        lea = await make_member(instance.base_url, "lea", locale="fr", display_name="Léa")
        offer = await create_proposal(sam.actor, terms(title="Website review"))
        await respond(offer, lea.actor, f"@sam@{instance.settings.domain} je regarde !")
        assert await Notification.filter(recipient_id=sam.actor.id).count() == 1
    await instance.run_worker_once()
    (mail,) = smtp.to("sam@example.org")
    assert mail["Subject"] == "Léa responded to « Website review »."
