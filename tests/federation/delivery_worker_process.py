"""A delivery worker in a process of its own, for tests that kill it or run two: delivers until SIGTERM.

    python tests/federation/delivery_worker_process.py <database_url> <lease_seconds>

Prints `ready` once connected. Loopback and plain http are allowed: the test inboxes live on 127.0.0.1.
Its User-Agent names its pid, so receivers can tell two workers apart.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta

from fedaid.db import Database
from fedaid.federation.delivery import DeliveryWorker


async def main(database_url: str, lease_seconds: float) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    db = Database(database_url)
    await db.connect()
    try:
        with db.active():
            worker = DeliveryWorker(
                f"fedaid-test-worker/{os.getpid()}",
                True,
                allow_http=True,
                lease=timedelta(seconds=lease_seconds),
                total_timeout=lease_seconds / 2,
                connect_timeout=min(5.0, lease_seconds / 4),
            )
            async with worker:
                print("ready", flush=True)
                await worker.run_forever(stop, idle_sleep=0.05)
    finally:
        await db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2])))
