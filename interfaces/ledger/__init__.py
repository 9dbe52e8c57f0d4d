"""The intake ledger (台账): export the cases of a period to a spreadsheet, and import historical
cases kept in the same form.

- `columns`: the Chinese headers, in sheet order; `labels`: the Chinese names of coded values.
- `files`: xlsx and CSV, written and read.
- `export`: one row per case received in a period, personal data as the exporting role may see it.
- `validation` and `cells`: every row checked before anything is recorded (all rows or none).
- `importing`: the import and its report. Which commands a row becomes, and recording them, is the
  application's (`application.ledger_import`).
"""

from __future__ import annotations

from application.ledger_import import IMPORT_SUBJECT
from interfaces.ledger.columns import COLUMNS, LedgerError
from interfaces.ledger.export import EXPORT_ROLES, export_ledger, format_of, parse_day
from interfaces.ledger.files import Limits, open_table, read_table
from interfaces.ledger.importing import import_ledger

__all__ = [
    "COLUMNS",
    "EXPORT_ROLES",
    "IMPORT_SUBJECT",
    "LedgerError",
    "Limits",
    "export_ledger",
    "format_of",
    "import_ledger",
    "open_table",
    "parse_day",
    "read_table",
]
