"""Every path of Mastodon's API answers below 500 here, with or without a token; unknown ones with JSON 404s."""

from __future__ import annotations

import re

from mastodon_schema import load_document


def concrete(template: str, account_id: str) -> str:
    """A path template with plausible values: our member's id for ids, a word for names."""
    path = template.replace("{id}", account_id).replace("{account_id}", account_id)
    path = path.replace("{name}", "offre").replace("{date}", "2026-01-01").replace("{year}", "2025")
    return re.sub(r"\{[^}]+\}", "1", path)


async def test_every_mastodon_path_answers_below_500_on_get(api) -> None:
    member = await api.add_member("ana")
    paths = [p for p in load_document()["paths"] if not p.startswith("/api/v1/streaming")]
    failures = []
    for template in paths:
        for token in (None, api.tokens["ana"]):
            path = concrete(template, str(member.actor.id))
            answer = await api.get(path, token=token, check=False)
            if answer.status >= 500:
                failures.append(f"GET {path} → {answer.status} {answer.body}")
            if path.startswith("/api/") and answer.status == 404:
                assert answer.headers["Content-Type"].startswith("application/json"), path
    assert not failures, "\n".join(failures)
    assert len(paths) > 150


async def test_unknown_api_paths_answer_json_404_and_feature_off_lists_are_empty(api) -> None:
    await api.add_member("ana")
    unknown = await api.get("/api/v1/does/not/exist", as_="ana")
    assert unknown.status == 404 and unknown.body == {"error": "Record not found"}
    for path in (
        "/api/v1/custom_emojis",
        "/api/v1/filters",
        "/api/v1/lists",
        "/api/v1/blocks",
        "/api/v1/mutes",
        "/api/v1/bookmarks",
        "/api/v1/trends/tags",
        "/api/v1/follow_requests",
    ):
        answer = await api.get(path, as_="ana")
        assert answer.status == 200 and answer.body == [], path
    assert (await api.get("/api/v1/markers", as_="ana")).body == {}
