"""CSV for people who open it in a spreadsheet: every exported cell is safe from formula injection.

Excel, LibreOffice and Google Sheets evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and some do after a leading tab or carriage return), so a reason typed as ``=HYPERLINK(...)`` would
run on the inspector's machine. Following OWASP's advice, such a cell is prefixed with a single
quote, which spreadsheets show as text. Every CSV the portal writes goes through :func:`csv_text`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """The cell as text a spreadsheet will not evaluate."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> str:
    """A CSV with a header row and one line per row, each cell neutralised."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows({k: neutralise_formula(v) for k, v in row.items()} for row in rows)
    return out.getvalue()
