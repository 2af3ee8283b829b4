"""A real SMTP server on 127.0.0.1 (aiosmtpd, in the test's event loop) that keeps every mail it accepts."""

from __future__ import annotations

import asyncio
import ssl
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope, Session


class FakeSmtpServer:
    """Accepts every mail; `delay` holds each DATA answer that long (a slow server, to kill a worker mid-send).

    With `tls`, it speaks TLS: from the first byte when `implicit` (smtps://), else it offers STARTTLS and refuses
    mail until the client has upgraded (smtp+starttls://).
    """

    def __init__(self, *, delay: float = 0.0, tls: ssl.SSLContext | None = None, implicit: bool = False) -> None:
        self.delay = delay
        self.tls, self.implicit = tls, implicit
        self.messages: list[EmailMessage] = []
        self.encrypted: list[bool] = []  # for each mail kept, whether its session was over TLS
        self.data_started = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def start(self) -> FakeSmtpServer:
        loop = asyncio.get_running_loop()
        upgrade = self.tls if not self.implicit else None
        self._server = await loop.create_server(
            lambda: SMTP(self, hostname="localhost", tls_context=upgrade, require_starttls=upgrade is not None),
            "127.0.0.1",
            0,
            ssl=self.tls if self.implicit else None,
        )
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"smtp://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the mail, then answer: a client that dies before the 250 has sent a mail it will send again."""
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.encrypted.append(session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None)
        self.data_started.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return part.get_content()
