"""Mail over TLS: FEDAID_SMTP_URL's smtp+starttls:// upgrades with STARTTLS and smtps:// speaks TLS from the start
(RFC 8314), each checking the server's certificate, against a real SMTP server on 127.0.0.1 whose self-signed
certificate the test trusts (SSL_CERT_FILE)."""

from __future__ import annotations

import ssl

import pytest

from fedaid.domain.proposals import create_proposal
from fedaid.domain.responses import respond
from fedaid.models import JobState, OutboundJob
from tests.domain.mutual_aid_factories import terms
from tests.web.helpers import make_member

from certificates import self_signed
from fakes.smtp import FakeSmtpServer


@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtps"])
async def test_a_mail_goes_out_over_starttls_or_tls(make_instance, tmp_path, monkeypatch, scheme):
    # Given an SMTP server that speaks TLS with a certificate this machine trusts
    cert_file, key_file = self_signed(tmp_path, "127.0.0.1")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    smtp = await FakeSmtpServer(tls=context, implicit=scheme == "smtps").start()
    try:
        instance = await make_instance(smtp_url=smtp.url.replace("smtp://", f"{scheme}://"))
        # When Sam answers Léa's offer and the worker sends the mail
        with instance.db.active():
            lea = await make_member(instance.base_url, "lea", locale="fr", display_name="Léa")
            sam = await make_member(instance.base_url, "sam", locale="en", display_name="Sam")
            await respond(await create_proposal(lea.actor, terms(title="Vélo")), sam.actor, "Je peux.")
        await instance.run_worker_once()
        await instance.run_worker_once()
    finally:
        await smtp.close()

    # Then it arrived over an encrypted session (a STARTTLS server refuses mail before the upgrade)
    (mail,) = smtp.to("lea@example.org")
    assert mail["Subject"] == "Sam a répondu à « Vélo »." and smtp.encrypted == [True]
    with instance.db.active():
        assert (await OutboundJob.get(account_id=lea.account.id)).state == JobState.DONE
