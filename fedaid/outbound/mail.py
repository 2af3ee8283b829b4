"""Send a mail job over SMTP (aiosmtplib): build it from its template, send it, say what happened.

`smtp://` is plain, `smtp+starttls://` upgrades with STARTTLS, `smtps://` is TLS from the start (RFC 8314).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib

from fedaid.config import Settings
from fedaid.domain.account_tokens import unsealed
from fedaid.domain.actors import load_actors
from fedaid.domain.jobs import Outcome
from fedaid.domain.mail_choices import unsubscribe_token
from fedaid.domain.notifications import tell_notifications
from fedaid.domain.retries import Step
from fedaid.models import OutboundJob
from fedaid.outbound.mail_render import Envelope, render_mail

log = logging.getLogger("fedaid.mail")

SMTP_TIMEOUT = 30


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool


def parse_smtp_url(url: str) -> SmtpServer:
    """FEDAID_SMTP_URL as connection settings; the port defaults to 25, 587 (STARTTLS) or 465 (TLS)."""
    parts = urlsplit(url)
    use_tls, start_tls = parts.scheme == "smtps", parts.scheme == "smtp+starttls"
    default_port = 465 if use_tls else 587 if start_tls else 25
    return SmtpServer(
        hostname=parts.hostname or "localhost",
        port=parts.port or default_port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=use_tls,
        start_tls=start_tls,
    )


class MailSender:
    """Turns one claimed mail job into one SMTP transaction."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._server = parse_smtp_url(settings.smtp_url)

    async def send(self, job: OutboundJob, now: datetime) -> Outcome:
        try:
            message = await self.build(job, now)
        except LookupError as err:  # what the mail was about is gone (a deleted notification)
            return Outcome(Step.GIVE_UP, error=str(err))
        return await self._deliver(message)

    async def build(self, job: OutboundJob, now: datetime) -> EmailMessage:
        """The job's mail, in its member's language, with the Message-ID fixed when it was queued."""
        account = job.account
        actor = (await load_actors([account.actor_id]))[account.actor_id]
        context = await self._context(job)
        envelope = Envelope(
            sender=self._settings.mail_sender,
            recipient=account.email,
            message_id=job.message_id,
            language=account.locale,
            unsubscribe_url=self._unsubscribe_url(job),
        )
        context.update(name=actor.name or actor.username, site_name=self._settings.collective_name)
        return render_mail(job.template, envelope, context, when=now)

    async def _context(self, job: OutboundJob) -> dict[str, Any]:
        base = self._settings.base_url
        match job.template:
            case "notification":
                stories = await tell_notifications([job.notification_id] if job.notification_id else [])
                if not stories:
                    raise LookupError("the notification was deleted before its mail was sent")
                story = stories[0]
                link = f"{base}/notifications"
                if story.session_id:
                    link = f"{base}/sessions/{story.session_id}"
                elif story.post_id:
                    link = f"{base}/posts/{story.post_id}"
                return {"story": story, "link": link}
            case "digest":
                stories = await tell_notifications(list(job.data.get("notification_ids", [])))
                if not stories:
                    raise LookupError("every notification of the digest was deleted")
                return {"stories": stories, "link": f"{base}/notifications"}
            case "reset" | "confirm":
                token = unsealed(self._settings.secret_key, str(job.data.get("token", "")))
                if not token:
                    raise LookupError("the link's token cannot be read: the instance secret changed")
                path = "reset" if job.template == "reset" else "confirm"
                return {"link": f"{base}/{path}/{token}", "valid_for": job.data.get("valid_for", "")}
            case _:
                return {**{key: value for key, value in job.data.items() if isinstance(value, str)}, "base_url": base}

    def _unsubscribe_url(self, job: OutboundJob) -> str:
        groups = job.data.get("groups") or ([job.data["group"]] if job.data.get("group") else [])
        if not groups:
            return ""  # mails about the account itself (reset, approval) are not optional
        joined = ",".join(groups)
        token = unsubscribe_token(self._settings.secret_key, job.account_id, joined)
        return f"{self._settings.base_url}/unsubscribe/{job.account_id}/{joined}/{token}"

    async def _deliver(self, message: EmailMessage) -> Outcome:
        server = self._server
        try:
            await aiosmtplib.send(
                message,
                hostname=server.hostname,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=server.use_tls,
                start_tls=server.start_tls,
                timeout=SMTP_TIMEOUT,
            )
        except aiosmtplib.SMTPRecipientsRefused as err:
            codes = [refused.code for refused in err.recipients]
            step = Step.GIVE_UP if all(code >= 500 for code in codes) else Step.RETRY
            return Outcome(step, status=codes[0] if codes else None, error=f"recipient refused: {err}")
        except aiosmtplib.SMTPResponseException as err:
            step = Step.GIVE_UP if err.code >= 500 else Step.RETRY  # 5xx permanent, 4xx try later (RFC 5321 4.2.1)
            return Outcome(step, status=err.code, error=f"SMTP {err.code} {err.message}")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as err:
            return Outcome(Step.RETRY, error=f"{err.__class__.__name__}: {err}")
        return Outcome(Step.DONE, status=250)
