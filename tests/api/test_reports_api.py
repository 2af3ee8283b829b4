"""POST /api/v1/reports (and /api/v1/reports/): Mastodon's fields in, Mastodon's Report entity out (checked against
its OpenAPI document); bad input is refused with a reason and stores nothing."""

from __future__ import annotations

from factories import make_post

from fedaid.models import Notification, NotificationKind, Report, Visibility


async def reports_count(api) -> int:
    with api.instance.db.active():
        return await Report.all().count()


async def test_a_member_reports_an_account_and_its_posts_with_mastodons_fields(api):
    await api.add_member("ana", role="admin")
    bob = await api.add_member("bob")
    await api.add_member("cy")
    with api.instance.db.active():
        first = await make_post(bob.actor, "<p>Achetez mes montres</p>")
        second = await make_post(bob.actor, "<p>Encore des montres</p>", visibility=Visibility.UNLISTED)

    for path, post in (("/api/v1/reports", first), ("/api/v1/reports/", second)):
        answer = await api.post(
            path,
            as_="cy",
            json={
                "account_id": str(bob.actor.id),
                "status_ids": [str(post.id)],
                "category": "spam",
                "comment": "Des publicités",
                "forward": False,
            },
        )
        assert answer.status == 200, answer.body
        assert answer.body["category"] == "spam" and answer.body["comment"] == "Des publicités"
        assert answer.body["status_ids"] == [str(post.id)] and answer.body["target_account"]["username"] == "bob"
        assert answer.body["action_taken"] is False and answer.body["forwarded"] is False

    with api.instance.db.active():
        rows = await Report.all().order_by("id")
        assert [(row.category, row.post_ap_ids) for row in rows] == [("spam", [first.ap_id]), ("spam", [second.ap_id])]
        assert await Notification.filter(kind=NotificationKind.ADMIN_REPORT).count() == 2


async def test_bad_reports_get_a_reason_and_store_nothing(api):
    await api.add_member("ana", role="admin")
    bob = await api.add_member("bob")
    await api.add_member("cy")
    dan = await api.add_member("dan")
    with api.instance.db.active():
        bobs = await make_post(bob.actor, "<p>Public</p>")
        dans_private = await make_post(dan.actor, "<p>Pour mes abonnés</p>", visibility=Visibility.FOLLOWERS)
        bobs_direct = await make_post(bob.actor, "<p>Message direct à ana</p>", visibility=Visibility.DIRECT)
    base = {"account_id": str(bob.actor.id), "comment": "?"}

    cases = {
        "unknown category": {**base, "category": "boring", "status_ids": [str(bobs.id)]},
        "someone else's private post": {**base, "status_ids": [str(dans_private.id)]},
        "a post of the account the reporter cannot see": {**base, "status_ids": [str(bobs_direct.id)]},
        "not a status id": {**base, "status_ids": ["abc"]},
        "a comment over 1000 characters": {**base, "comment": "x" * 1001},
    }
    for case, body in cases.items():
        answer = await api.post("/api/v1/reports", as_="cy", json=body)
        assert 400 <= answer.status < 500, case
        assert answer.body["error"], case
        assert await reports_count(api) == 0, case
    assert "boring" in (await api.post("/api/v1/reports", as_="cy", json=cases["unknown category"])).body["error"]
    assert (
        str(dans_private.id)
        in (await api.post("/api/v1/reports", as_="cy", json=cases["someone else's private post"])).body["error"]
    )
    with api.instance.db.active():
        assert await Notification.filter(kind=NotificationKind.ADMIN_REPORT).count() == 0
