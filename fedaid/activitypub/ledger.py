"""The collective ledger as a collection linked from the collective's actor (`ledger`), one item per pair.

Each item names the other collective (its actor id when known, else its domain) and the hours our
collective gave to it and received from it, as FEP-0837 quantities. Pure: values in, a dict out.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fedaid.activitypub.actors import ledger_url
from fedaid.activitypub.vocab import ACTIVITY_CONTEXT, ObjectType
from fedaid.models import Actor

JSONDict = dict[str, Any]


def render_ledger(collective: Actor, pairs: list[Any]) -> JSONDict:
    """`pairs` are `collective_ledger.Pair`s: domain, collective (or None), given, received."""
    url = ledger_url(collective)
    items = [
        {
            "id": f"{url}#{pair.domain}",
            "type": "LedgerEntry",
            "attributedTo": collective.ap_id,
            "counterpart": pair.collective.ap_id if pair.collective is not None else f"https://{pair.domain}",
            "counterpartDomain": pair.domain,
            "given": _hours(pair.given),
            "received": _hours(pair.received),
        }
        for pair in pairs
    ]
    return {
        "@context": [*ACTIVITY_CONTEXT, LEDGER_TERMS],
        "id": url,
        "type": ObjectType.ORDERED_COLLECTION.value,
        "attributedTo": collective.ap_id,
        "totalItems": len(items),
        "orderedItems": items,
    }


LEDGER_TERMS: JSONDict = {
    "LedgerEntry": "fedaid:LedgerEntry",
    "counterpart": {"@id": "fedaid:counterpart", "@type": "@id"},
    "counterpartDomain": "fedaid:counterpartDomain",
    "given": "fedaid:given",
    "received": "fedaid:received",
}


def _hours(hours: Decimal) -> JSONDict:
    return {"hasUnit": "hour", "hasNumericalValue": str(hours.quantize(Decimal("0.01")))}
