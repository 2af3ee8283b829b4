"""A coaching session's reminder the day before and its follow-up prompt once it ended reach each member once,
by mail in their language and on the notifications page, through the worker's queues. Real SMTP server on
127.0.0.1, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fedaid.app import SESSION_REMINDERS
from fedaid.domain import participation, sessions
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.circles import CircleTerms, create_circle
from fedaid.domain.session_reminders import SessionReminders
from fedaid.domain.sessions import SessionTerms
from fedaid.models import Notification, NotificationKind
from tests.web.helpers import Visitor, make_member

from fakes.smtp import FakeSmtpServer, html_of, text_of

# Three days ahead of the test's run, on the hour.
START = (datetime.now(UTC) + timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0)


async def test_reminder_and_follow_up_prompt_are_mailed_once_in_each_members_language(
    make_instance, smtp: FakeSmtpServer
):
    # Given a circle whose facilitator reads French, and Sam (English) with a seat in its next session
    instance = await make_instance(smtp_url=smtp.url)
    moment = [datetime.now(UTC)]
    instance.app[SESSION_REMINDERS] = SessionReminders(timedelta(0), clock=lambda: moment[0])
    with instance.db.active():
        await ensure_default_categories()
        lea = await make_member(instance.base_url, "lea", locale="fr", display_name="Léa")
        sam = await make_member(instance.base_url, "sam", locale="en", display_name="Sam")
        circle = await create_circle(
            instance.base_url, CircleTerms(slug="marketing", name="Cercle marketing", facilitators=(lea.actor,))
        )
        terms = SessionTerms(title="Votre positionnement", starts_at=START, ends_at=START + timedelta(hours=2))
        session = await sessions.schedule_session(circle, lea.actor, terms)
        await participation.join_session(session, sam.actor)
    await instance.run_worker_once()
    sent_before = len(smtp.messages)  # Sam's seat was told already

    # When the worker passes two days ahead, then three hours before, and again
    moment[0] = START - timedelta(days=2)
    await instance.run_worker_once()
    assert len(smtp.messages) == sent_before
    moment[0] = START - timedelta(hours=3)
    await instance.run_worker_once()
    await instance.run_worker_once()

    # Then each of them has exactly one reminder, in their language, naming the session, its day and time
    (to_sam,) = [mail for mail in smtp.to("sam@example.org") if "Reminder" in mail["Subject"]]
    local = START.astimezone(ZoneInfo("Europe/Paris"))
    assert to_sam["Subject"].startswith("Reminder: « Votre positionnement » starts on ")
    assert f"{local:%B} {local.day}, {local.year}" in to_sam["Subject"]
    assert f"/sessions/{session.id}" in text_of(to_sam) and "Votre positionnement" in html_of(to_sam)
    (to_lea,) = [mail for mail in smtp.to("lea@example.org") if "Rappel" in mail["Subject"]]
    assert to_lea["Subject"].startswith("Rappel : « Votre positionnement » commence le ")
    assert to_lea["Content-Language"] == "fr" and "Bonjour Léa," in text_of(to_lea)

    # When the session has ended, each is asked once for attendance, notes and check-ins
    moment[0] = START + timedelta(hours=2, minutes=5)
    await instance.run_worker_once()
    await instance.run_worker_once()
    prompts = [mail["Subject"] for mail in smtp.messages if "ended" in mail["Subject"] or "terminée" in mail["Subject"]]
    assert sorted(prompts) == [
        "« Votre positionnement » est terminée : confirmez votre présence et partagez vos notes ou votre point "
        "d’étape.",
        "« Votre positionnement » has ended: confirm your attendance and share your notes or check-in.",
    ]
    with instance.db.active():
        kinds = await Notification.filter(recipient_id=sam.actor.id, session_id=session.id).values_list(
            "kind", flat=True
        )
        assert sorted(kinds) == sorted(
            [NotificationKind.SESSION, NotificationKind.SESSION_REMINDER, NotificationKind.SESSION_FOLLOW_UP]
        )

    # And Sam's notifications page tells the same story, linking to the session
    visitor = Visitor(instance.base_url, language="en")
    try:
        await visitor.sign_in("sam")
        page = await visitor.get("/notifications")
        assert "Reminder: « Votre positionnement » starts on" in page
        assert "« Votre positionnement » has ended" in page and f'href="/sessions/{session.id}"' in page
    finally:
        await visitor.close()
