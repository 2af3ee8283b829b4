"""/api/v1/instance and /api/v2/instance name a contact: a valid e-mail address and the first admin's account."""

from __future__ import annotations

from jsonschema import Draft202012Validator, FormatChecker

from fedaid.models import AccountRole

EMAIL = Draft202012Validator({"type": "string", "format": "email"}, format_checker=FormatChecker())


async def test_the_contact_is_the_first_admin_or_the_configured_address(make_api) -> None:
    # Given an instance with no admin yet
    api = await make_api("alpha")
    before = await api.get("/api/v2/instance")
    assert EMAIL.is_valid(before.body["contact"]["email"]) and before.body["contact"]["account"] is None
    # When an admin joins (after a member)
    await api.add_member("cy")
    await api.add_member("ana", role=AccountRole.ADMIN)
    # Then both versions give her address and account
    v2, v1 = (await api.get("/api/v2/instance")).body, (await api.get("/api/v1/instance/")).body
    assert v2["contact"]["email"] == v1["email"] == "ana@example.org"
    assert v2["contact"]["account"]["username"] == v1["contact_account"]["username"] == "ana"
    # And a configured address wins
    other = await make_api("beta", contact_email="entraide@beta.example")
    assert (await other.get("/api/v1/instance")).body["email"] == "entraide@beta.example"
    assert (await other.get("/api/v2/instance")).body["contact"]["email"] == "entraide@beta.example"
