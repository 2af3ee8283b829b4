"""Ids in page addresses that no row can have answer 404 on both backends, never a database error.

PostgreSQL refuses a number beyond an int4 column's range (actors, accounts, sessions, alerts) or an int8
column's; SQLite finds nothing. One parser (fedaid/path_ids.py) reads each id against its column first.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from fedaid.clock import utcnow
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.circles import CircleTerms, create_circle
from fedaid.models import AccountRole
from tests.web.helpers import Visitor, make_member

BEYOND_INT = str(2**31)  # one past int4: actors, accounts, web sessions, apps, follows, alerts
BEYOND_BIGINT = str(2**63)  # one past int8: posts, proposals, agreements, reports, sessions
HUGE = "9" * 25

POSTS = [
    "/admin/members/{id}/suspend",
    "/admin/alliances/{id}/approve",
    "/settings/sessions/{id}/end",
    "/settings/apps/{id}/revoke",
    "/settings/alerts/{id}/delete",
    "/circles/marketing/requests/{id}/approve",
    "/agreements/{id}/confirm",
    "/admin/reports/{id}/resolve",
    "/proposals/{id}/responses/{id}/agree",
    "/c/marketing/events/{id}/participants/{id}/confirm",
]
GETS = ["/proposals/{id}", "/posts/{id}", "/sessions/{id}", "/u/ana/posts/{id}"]


@pytest.fixture(params=("sqlite", "postgres"))
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def admin(make_instance):
    """An admin of an instance with a circle she facilitates, signed in (pages in French)."""
    instance = await make_instance("drivers")
    with instance.db.active():
        await ensure_default_categories()
        ana = await make_member(instance.base_url, "ana", role=AccountRole.ADMIN)
        await create_circle(
            instance.base_url,
            CircleTerms(slug="marketing", name="Cercle marketing", topics=("marketing",), facilitators=(ana.actor,)),
        )
    visitor = Visitor(instance.base_url)
    await visitor.sign_in("ana")
    yield visitor
    await visitor.close()


@pytest.mark.parametrize("number", [BEYOND_INT, BEYOND_BIGINT, HUGE])
async def test_an_id_beyond_its_column_is_not_found_on_every_page(admin, number):
    for template in POSTS:
        page = await admin.post(template.format(id=number), {}, from_page="/settings")
        assert page.status == 404, (template, page.status, page.text[:300])
    for template in GETS:
        page = await admin.get(template.format(id=number))
        assert page.status == 404, (template, page.status, page.text[:300])
        assert "introuvable" in page.text, template  # the reason in the member's language


async def test_an_unsubscribe_link_naming_an_impossible_account_is_not_found(admin):
    page = await admin.post(f"/unsubscribe/{BEYOND_INT}/mutual_aid/abc", {}, csrf=False)
    assert page.status == 404, page.text[:300]


@pytest.mark.parametrize(
    ("seats", "reason"),
    [
        (BEYOND_INT, "Indiquez un nombre entre 1 et 10"),
        (HUGE, "Indiquez un nombre entre 1 et 10"),
        ("0", "Indiquez un nombre entre 1 et 10"),
        ("beaucoup", "Écrivez un nombre."),
    ],
)
async def test_seats_beyond_the_column_are_refused_with_a_reason_and_nothing_is_scheduled(admin, seats, reason):
    form = {
        "title": "Votre positionnement",
        "starts_at": (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "minutes": "120",
        "capacity": seats,
        "frequency": "",
    }
    page = await admin.post("/circles/marketing/sessions", form, from_page="/circles/marketing")
    assert page.status == 400 and reason in page.text, page.text[:3000]
    assert "Votre positionnement" not in (await admin.get("/circles/marketing")).text


@pytest.mark.parametrize(
    "query", [f"account={BEYOND_INT}", f"post={BEYOND_BIGINT}", "post=9999999999999999999", f"account={HUGE}"]
)
async def test_the_report_page_naming_an_impossible_account_or_post_is_not_found(admin, query):
    page = await admin.get(f"/report?{query}")
    assert page.status == 404, page.text[:300]
    name, value = query.split("=")
    page = await admin.post("/report", {name: value, "category": "other"}, from_page="/")
    assert page.status == 404, page.text[:300]
