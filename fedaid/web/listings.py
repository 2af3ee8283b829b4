"""What the pages' lists need from a request: the filter form's values and who is looking.

The lists themselves are domain queries (`fedaid.domain.listings`), filtered by the one visibility rule.
"""

from __future__ import annotations

from collections.abc import Mapping

from fedaid.domain import visibility
from fedaid.domain.listings import ProposalFilters
from fedaid.web.sessions import Viewer


def filters_from_query(query: Mapping[str, str]) -> ProposalFilters:
    """The home page's filter form, as sent in the query string; unknown values mean "any"."""
    purpose = query.get("purpose", "")
    status = query.get("status", "open")
    return ProposalFilters(
        purpose=purpose if purpose in ("offer", "request") else "",
        category=query.get("category", "").strip()[:64],
        tag=query.get("tag", "").strip().lstrip("#").lower()[:100],
        place=query.get("place", "").strip()[:200],
        remote=query.get("remote", "") in ("on", "1", "true"),
        status=status if status in ("open", "all") else "open",
    )


def seen_by(viewer: Viewer | None) -> visibility.Viewer:
    """The visibility rule's viewer for a page's visitor: a member when signed in, else anonymous."""
    return visibility.local_viewer(viewer.actor if viewer is not None else None)
