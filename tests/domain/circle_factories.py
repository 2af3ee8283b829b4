"""Helpers for the coaching-circle tests: a circle with a facilitator, sessions, remote participants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mutual_aid_factories import BASE, NOW, make_local, make_remote

from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.circles import CircleTerms, create_circle
from fedaid.domain.sessions import SessionTerms, schedule_session
from fedaid.models import Actor, Circle, CoachingSession

START = NOW + timedelta(days=3)


async def make_circle(slug: str = "marketing", *, facilitator: Actor | None = None, **overrides: Any) -> Circle:
    await ensure_default_categories()
    facilitator = facilitator or await make_local("fa")
    values: dict[str, Any] = {
        "slug": slug,
        "name": "Cercle marketing",
        "topics": ("marketing",),
        "facilitators": (facilitator,),
    }
    values.update(overrides)
    return await create_circle(BASE, CircleTerms(**values))


def session_terms(**overrides: Any) -> SessionTerms:
    values: dict[str, Any] = {
        "title": "Votre positionnement",
        "starts_at": START,
        "ends_at": START + timedelta(hours=2),
        "place_name": "Coworking des Pentes",
        "place_address": "12 montée de la Grande-Côte, Lyon",
        "capacity": 6,
        "category": "marketing",
    }
    values.update(overrides)
    return SessionTerms(**values)


async def make_session(circle: Circle, **overrides: Any) -> CoachingSession:
    facilitator = (await circle.facilitators.all().select_related("actor"))[0].actor
    return await schedule_session(circle, facilitator, session_terms(**overrides), now=NOW)


async def remote_people(count: int, domain: str = "drivers.example") -> list[Actor]:
    return [await make_remote(f"p{number}", domain) for number in range(count)]
