"""Another collective's ledger between collectives, as its `ledger` collection reports it (see `activitypub.ledger`).

Pure: a fetched document in, the lines it reports out. A line that cannot be read is left out; a document
that is not the collective's ledger raises InvalidActivity.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from fedaid.activitypub.parse.values import JSONDict, as_list, id_of, is_http_url, same_origin
from fedaid.errors import InvalidActivity

MAX_ENTRIES = 1000
MAX_HOURS = Decimal(10_000_000)


@dataclass(frozen=True)
class LedgerEntryDoc:
    counterpart_domain: str
    counterpart_ap_id: str
    given: Decimal
    received: Decimal


def ledger_link(actor_doc: JSONDict) -> str | None:
    """The `ledger` collection a collective's actor links to, on its own server; None when it has none."""
    url = id_of(actor_doc.get("ledger"))
    actor_id = id_of(actor_doc)
    if not is_http_url(url) or actor_id is None or not same_origin(url, actor_id):
        return None
    return url


def parse_ledger(doc: JSONDict, *, collective_ap_id: str) -> list[LedgerEntryDoc]:
    """The lines of `collective_ap_id`'s ledger; lines about the collective itself or unreadable are left out."""
    if doc.get("attributedTo") != collective_ap_id or not same_origin(id_of(doc) or "", collective_ap_id):
        raise InvalidActivity("the ledger is not attributed to the collective that links to it")
    items = as_list(doc.get("orderedItems", doc.get("items")))
    entries = [entry for entry in (_entry(item) for item in items[:MAX_ENTRIES]) if entry is not None]
    own_domain = collective_ap_id.split("/")[2]
    return [entry for entry in entries if entry.counterpart_domain != own_domain]


def _entry(item: Any) -> LedgerEntryDoc | None:
    if not isinstance(item, dict):
        return None
    domain = item.get("counterpartDomain")
    given, received = _hours(item.get("given")), _hours(item.get("received"))
    if (
        not isinstance(domain, str)
        or not domain
        or len(domain) > 255
        or "/" in domain
        or given is None
        or received is None
    ):
        return None
    counterpart = id_of(item.get("counterpart"))
    return LedgerEntryDoc(
        counterpart_domain=domain.lower(),
        counterpart_ap_id=counterpart if is_http_url(counterpart) and len(counterpart) <= 512 else "",
        given=given,
        received=received,
    )


def _hours(value: Any) -> Decimal | None:
    if not isinstance(value, dict) or value.get("hasUnit") not in ("hour", "om2:hour"):
        return None
    try:
        hours = Decimal(str(value.get("hasNumericalValue")))
    except InvalidOperation:
        return None
    if not hours.is_finite() or hours < 0 or hours > MAX_HOURS:
        return None
    return hours.quantize(Decimal("0.01"))
