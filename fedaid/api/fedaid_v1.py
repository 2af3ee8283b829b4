"""fedaid's own REST API under /api/fedaid/v1/, for what Mastodon has no words for."""

from __future__ import annotations


def table() -> list:
    return []
