"""Two instances on loopback seen through their client APIs: follow across them, find a status's copy."""

from __future__ import annotations

from typing import Any

from testsupport import drain


async def follow_across(follower: Any, follower_name: str, target: Any, target_name: str) -> str:
    """`follower_name` on one instance follows `target_name` on another; returns the target's id there."""
    acct = f"{target_name}@{target.instance.settings.domain}"
    found = await follower.get("/api/v2/search", as_=follower_name, params={"q": acct, "resolve": "true"})
    remote_id = found.body["accounts"][0]["id"]
    await follower.post(f"/api/v1/accounts/{remote_id}/follow", as_=follower_name)
    await drain(follower.instance, target.instance)
    return remote_id


async def copy_of(api: Any, as_: str, status: dict[str, Any]) -> dict[str, Any] | None:
    """The copy another instance keeps of `status` (found by its URI), or None."""
    found = await api.get("/api/v2/search", as_=as_, params={"q": status["uri"], "type": "statuses"})
    return found.body["statuses"][0] if found.body["statuses"] else None
