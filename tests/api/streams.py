"""Reading the streaming API in tests: server-sent events parsed into (event, payload) pairs, and a wait for
the stream hub to hold a number of subscriptions."""

from __future__ import annotations

import asyncio
import json

from fedaid.api.stream_hub import STREAM_HUB

from testsupport import until


async def read_events(response, wanted: int, timeout: float = 10.0) -> list[tuple[str, dict | str]]:
    """Parse `event:`/`data:` blocks from an SSE response until `wanted` events arrived."""
    events: list[tuple[str, dict | str]] = []
    name = None

    async def pump() -> None:
        nonlocal name
        async for raw in response.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: ") and name:
                data = line[6:]
                events.append((name, json.loads(data) if data.startswith("{") else data))
                if len(events) >= wanted:
                    return

    await asyncio.wait_for(pump(), timeout)
    return events


async def subscribed(api, count: int) -> None:
    """Wait until the instance's stream hub holds `count` subscriptions."""
    hub = api.instance.app[STREAM_HUB]
    await until(lambda: len(hub.subscriptions) == count, f"{count} stream subscriptions")
