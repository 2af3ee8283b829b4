"""A mail and push worker in a process of its own, for tests that kill it: sends jobs until SIGTERM.

    python tests/outbound/outbound_worker_process.py <database_url> <smtp_url> <lease_seconds>

Prints `ready` once connected.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import timedelta

from fedaid.config import Settings
from fedaid.db import Database
from fedaid.domain.push_subscriptions import ensure_vapid_key
from fedaid.federation.fetch import Fetcher
from fedaid.models import JobChannel
from fedaid.outbound.mail import MailSender
from fedaid.outbound.push import PushSender
from fedaid.outbound.worker import OutboundWorker


async def main(database_url: str, smtp_url: str, lease_seconds: float) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    settings = Settings(
        base_url="http://127.0.0.1:9", database_url=database_url, smtp_url=smtp_url, secret_key="test-secret"
    )
    db = Database(database_url)
    await db.connect()
    try:
        with db.active():
            # Loopback allowed: the test's push service lives on 127.0.0.1.
            async with Fetcher(allow_private_addresses=True, allow_http=True, user_agent="fedaid-test") as fetcher:
                push = PushSender(settings, fetcher, await ensure_vapid_key())
                senders = {JobChannel.MAIL: MailSender(settings), JobChannel.PUSH: push}
                worker = OutboundWorker(senders, lease=timedelta(seconds=lease_seconds))
                print("ready", flush=True)
                while not stop.is_set():
                    if not await worker.run_once():
                        await asyncio.sleep(0.05)
    finally:
        await db.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)  # a failing send shows in the test's output
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
