"""What the inbox tells an unauthenticated sender when it cannot check a signature: what was wrong with the
request (which key could not be fetched, and why in terms of its URL), never what a host name resolved to."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime

import aiohttp
import pytest
from signers import cavage_headers

from fedaid.domain.members import add_member
from fedaid.keys import generate_key_pair

from testsupport import PASSWORD


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def post_signed(inbox: str, key_id: str) -> tuple[int, str]:
    private_pem, _ = generate_key_pair()
    actor = key_id.split("#")[0]
    body = json.dumps(
        {"id": f"{actor}/follows/1", "type": "Follow", "actor": actor, "object": inbox.removesuffix("/inbox")}
    ).encode()
    headers = cavage_headers(
        "POST",
        inbox,
        key_id=key_id,
        private_pem=private_pem,
        covered=("(request-target)", "host", "date", "digest"),
        now=datetime.now(UTC),
        body=body,
    )
    async with aiohttp.ClientSession() as session, session.post(inbox, data=body, headers=headers) as answer:
        return answer.status, (await answer.json())["error"]


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST"])
async def test_a_key_on_a_name_resolving_to_a_private_address_is_refused_without_the_address(make_instance, host):
    instance = await make_instance("drivers", allow_private_addresses=False)
    with instance.db.active():
        await add_member(instance.base_url, "ana", email="ana@example.org", password=PASSWORD)

    status, reason = await post_signed(f"{instance.base_url}/u/ana/inbox", f"http://{host}:8080/users/eve#main-key")

    assert status == 401
    assert f"http://{host}:8080/users/eve" in reason and "not a public address" in reason
    assert "127.0.0.1" not in reason and "::1" not in reason and "resolves" not in reason


async def test_a_key_whose_server_does_not_answer_is_refused_without_socket_details(make_instance):
    instance = await make_instance("drivers")
    with instance.db.active():
        await add_member(instance.base_url, "ana", email="ana@example.org", password=PASSWORD)
    key_id = f"http://localhost:{closed_port()}/users/eve#main-key"

    status, reason = await post_signed(f"{instance.base_url}/u/ana/inbox", key_id)

    assert status == 401
    assert "cannot connect to its server" in reason
    assert "127.0.0.1" not in reason and "Errno" not in reason and "Connect call" not in reason
