"""The client API stores display names through the one rule every name follows (issue 14, found item 8)."""

from __future__ import annotations

from fedaid.models import Actor


async def test_update_credentials_strips_bidi_and_control_characters(api) -> None:
    await api.add_member("ana")
    for sent, stored in (
        ("\u202eAna\u200b\u2066 Admin\u2069", "Ana Admin"),
        ("Ana\nB\x07", "Ana B"),
        ("👩\u200d👩\u200d👧 Ana", "👩\u200d👩\u200d👧 Ana"),
    ):
        answer = await api.call("PATCH", "/api/v1/accounts/update_credentials", as_="ana", data={"display_name": sent})
        assert answer.status == 200 and answer.body["display_name"] == stored, answer.body
        with api.instance.db.active():
            assert (await Actor.get(username="ana")).name == stored
    # A NUL character is refused before any rule reads the value (no text column can hold it)
    answer = await api.call(
        "PATCH", "/api/v1/accounts/update_credentials", as_="ana", data={"display_name": "Ana\x00"}, check=False
    )
    assert answer.status == 400 and "NUL" in answer.body["error"], answer.body
