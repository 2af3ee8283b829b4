"""The mail and push queue across real worker processes: a worker killed mid-send loses nothing; the mail sent
again keeps its Message-ID and the push its notification id, so the member sees each once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from fedaid.db import Database
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.proposals import create_proposal
from fedaid.domain.responses import respond
from fedaid.models import JobChannel, JobState, Notification, OutboundJob
from tests.domain.mutual_aid_factories import terms
from tests.web.helpers import make_member

from fakes.push_service import FakePushService, subscribe_to_pushes
from fakes.smtp import FakeSmtpServer

WORKER_SCRIPT = Path(__file__).with_name("outbound_worker_process.py")


async def start_worker(database_url: str, smtp_url: str, lease_seconds: float) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(WORKER_SCRIPT), database_url, smtp_url, str(lease_seconds), stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    async with asyncio.timeout(30):
        assert (await process.stdout.readline()).strip() == b"ready"
    return process


async def test_a_worker_killed_mid_send_leaves_mail_and_push_to_the_next_and_each_shows_once(
    db: Database, aiohttp_server
):
    # Given a response to Léa's offer, her phone subscribed to pushes, and an SMTP server and a push service
    # that keep what they get but are slow to answer
    smtp = await FakeSmtpServer(delay=30).start()
    service = await FakePushService(delay=30).start(aiohttp_server)
    await ensure_default_categories()
    lea = await make_member("http://127.0.0.1:9", "lea", display_name="Léa")
    sam = await make_member("http://127.0.0.1:9", "sam", display_name="Sam")
    await subscribe_to_pushes(lea, service)
    await respond(await create_proposal(lea.actor, terms(title="Bilan")), sam.actor, "Je peux.")
    first = await start_worker(db.url, smtp.url, lease_seconds=2)
    try:
        # When the worker is killed with SIGKILL while it waits for both answers
        async with asyncio.timeout(30):
            await smtp.data_started.wait()
            await service.arrived.wait()
        os.kill(first.pid, signal.SIGKILL)
        await first.wait()
        jobs = await OutboundJob.filter(account_id=lea.account.id).order_by("channel")
        assert [(job.channel, job.state) for job in jobs] == [
            (JobChannel.MAIL, JobState.PENDING),
            (JobChannel.PUSH, JobState.PENDING),
        ]

        # And another worker starts once the leases have run out, with servers that answer at once
        smtp.delay = service.delay = 0
        second = await start_worker(db.url, smtp.url, lease_seconds=2)
        try:
            async with asyncio.timeout(30):
                while await OutboundJob.filter(state=JobState.PENDING).exists():
                    await asyncio.sleep(0.1)
        finally:
            second.send_signal(signal.SIGTERM)
            await second.wait()
    finally:
        if first.returncode is None:
            first.kill()
        await smtp.close()

    # Then both went out again, the mail with the Message-ID fixed when it was queued, the push with the same
    # notification id (apps show one notification per id), and neither was queued twice
    assert await OutboundJob.filter(state=JobState.DONE).count() == 2
    mail = jobs[0]
    copies = smtp.to("lea@example.org")
    assert len(copies) == 2
    assert {copy["Message-ID"] for copy in copies} == {mail.message_id}
    assert {copy["Subject"] for copy in copies} == {"Sam a répondu à « Bilan »."}
    notification = await Notification.get(recipient_id=lea.actor.id)
    pushes = service.pushes("lea-phone")
    assert len(pushes) == 2
    assert {push.payload["notification_id"] for push in pushes} == {notification.id}
    assert {push.payload["access_token"] for push in pushes} == {"lea-token"}
