"""fedaid/activitypub/parse/ledger.py: another collective's ledger collection, read as it reports it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fedaid.activitypub.parse.ledger import LedgerEntryDoc, ledger_link, parse_ledger
from fedaid.errors import InvalidActivity

COLLECTIVE = "https://cowork.example/c/coworking"


def line(domain: object, given: object = "2.00", received: object = "0.50", unit: str = "hour") -> dict:
    return {
        "type": "LedgerEntry",
        "counterpartDomain": domain,
        "counterpart": f"https://{domain}/c/x",
        "given": {"hasUnit": unit, "hasNumericalValue": given},
        "received": {"hasUnit": unit, "hasNumericalValue": received},
    }


def ledger(*items: dict, attributed_to: str = COLLECTIVE) -> dict:
    return {"id": f"{COLLECTIVE}/ledger", "attributedTo": attributed_to, "orderedItems": list(items)}


def test_readable_lines_are_kept_and_the_others_left_out() -> None:
    doc = ledger(
        line("coaching.example"),
        line("bad.example", given="-1"),
        line("nan.example", given="NaN"),
        line("euros.example", unit="euro"),
        line(None),
        line("cowork.example"),  # about itself
        "not an object",  # type: ignore[arg-type]
    )
    assert parse_ledger(doc, collective_ap_id=COLLECTIVE) == [
        LedgerEntryDoc("coaching.example", "https://coaching.example/c/x", Decimal("2.00"), Decimal("0.50"))
    ]


def test_a_ledger_attributed_to_someone_else_is_refused() -> None:
    with pytest.raises(InvalidActivity):
        parse_ledger(
            ledger(line("coaching.example"), attributed_to="https://evil.example/c/x"), collective_ap_id=COLLECTIVE
        )


def test_the_ledger_link_must_be_on_the_collectives_server() -> None:
    assert ledger_link({"id": COLLECTIVE, "ledger": f"{COLLECTIVE}/ledger"}) == f"{COLLECTIVE}/ledger"
    assert ledger_link({"id": COLLECTIVE, "ledger": "https://elsewhere.example/ledger"}) is None
    assert ledger_link({"id": COLLECTIVE}) is None
