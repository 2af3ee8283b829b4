"""Tables handed out as CSV (a member's data, a demand's supporters and co-signers): RFC 4180 with the header
first, and no cell a spreadsheet would run as a formula, since names and titles may come from anyone."""

from __future__ import annotations

import csv
import io
from decimal import Decimal


def as_csv(rows: list[dict[str, str]], columns: list[str]) -> str:
    """A table as CSV (RFC 4180, header first); a cell a spreadsheet would run as a formula starts with `'`."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({key: _inert(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()


def _inert(cell: str) -> str:
    """OWASP's advice on CSV injection: a leading = + - @ tab or CR makes a formula; numbers stay numbers."""
    if cell[:1] in ("=", "+", "@", "\t", "\r") or (cell.startswith("-") and not _is_number(cell)):
        return "'" + cell
    return cell


def _is_number(cell: str) -> bool:
    try:
        Decimal(cell)
    except ArithmeticError:
        return False
    return True
