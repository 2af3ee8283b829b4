"""A name typed on the pages is stored through the rule every name follows (issue 14, found item 8)."""

from __future__ import annotations

import pytest

from fedaid.models import Actor
from tests.web.helpers import Visitor, make_member

from testsupport import BACKENDS


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


async def test_a_name_typed_on_the_pages_is_stored_through_the_rule(make_instance):
    instance = await make_instance("drivers")
    with instance.db.active():
        await make_member(instance.base_url, "ana")
    ana = Visitor(instance.base_url)
    try:
        await ana.sign_in("ana")
        for typed, stored in (("\u202eAna\u200b \u2066B\u2069", "Ana B"), ("Ana\u2028\u200fC", "Ana C")):
            fields = {"name": typed, "summary": "", "language": "fr"}
            page = await ana.post("/settings/profile", fields, from_page="/settings")
            assert page.status == 200
            with instance.db.active():
                assert (await Actor.get(username="ana")).name == stored
    finally:
        await ana.close()
