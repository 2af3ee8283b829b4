"""Mails as members read them: FR/EN text and HTML from `templates/mail/`, in the member's language.

No network here: `render_mail` returns an `EmailMessage` that `outbound.mail` sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import jinja2

from fedaid import i18n

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates" / "mail"


@dataclass(frozen=True)
class Envelope:
    """Who sends what to whom; `message_id` stays the same on every attempt of one job."""

    sender: str
    recipient: str
    message_id: str
    language: str
    unsubscribe_url: str = ""


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
    )
    env.filters["hours"] = i18n.format_hours  # in the language set for the mail being rendered
    env.filters["moment_in"] = i18n.format_moment_in
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: i18n.translations(i18n.current_language.get()).gettext(message),
        lambda singular, plural, n: i18n.translations(i18n.current_language.get()).ngettext(singular, plural, n),
        newstyle=True,
    )
    return env


ENVIRONMENT = _environment()


def render_text(template: str, language: str, context: dict[str, Any], *, blocks: tuple[str, ...]) -> dict[str, str]:
    """The named blocks of `template`.txt in `language`, each as one line of plain text (subjects, push titles)."""
    token = i18n.current_language.set(language if language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE)
    try:
        text_template = ENVIRONMENT.get_template(f"{template}.txt")
        bound = text_template.new_context({**context, "language": i18n.current_language.get()})
        return {name: " ".join("".join(text_template.blocks[name](bound)).split()) for name in blocks}
    finally:
        i18n.current_language.reset(token)


def render_mail(template: str, envelope: Envelope, context: dict[str, Any], *, when: Any) -> EmailMessage:
    """Subject, text and HTML of `template` in the envelope's language, with the headers every mail has."""
    token = i18n.current_language.set(
        envelope.language if envelope.language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
    )
    try:
        variables = {**context, "language": i18n.current_language.get(), "unsubscribe_url": envelope.unsubscribe_url}
        text_template = ENVIRONMENT.get_template(f"{template}.txt")
        bound = text_template.new_context(variables)
        subject = " ".join("".join(text_template.blocks["subject"](bound)).split())
        text = "".join(text_template.blocks["body"](bound))
        html = ENVIRONMENT.get_template(f"{template}.html").render(variables)
    finally:
        i18n.current_language.reset(token)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = envelope.sender
    message["To"] = envelope.recipient
    message["Message-ID"] = envelope.message_id
    message["Date"] = format_datetime(when)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to us
    if envelope.unsubscribe_url:
        # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe that POSTs to this URL.
        message["List-Unsubscribe"] = f"<{envelope.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = envelope.language  # after the body: set_content clears Content-* headers
    return message
