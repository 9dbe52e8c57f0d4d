"""The ledger's file formats: xlsx (openpyxl) and CSV (UTF-8 with BOM, so Excel opens it as
Unicode; GB18030 read too, as Excel on Chinese Windows saves it), written and read."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from domain.calendar import SHANGHAI
from interfaces.ledger.columns import (
    COLUMNS,
    H_CATEGORY,
    H_ID,
    H_RECEIVED,
    H_RESULT,
    H_SETTLED,
    H_SUMMARY,
    H_UNIT,
    TEXT_COLUMNS,
    LedgerError,
)
from interfaces.ledger.labels import norm

_HEADERS = {norm(h): h for h in COLUMNS}
_LONG_DIGITS = re.compile(r"^\d{11,}[\dXx]?$")
_WIDTHS = {H_RECEIVED: 20, H_SETTLED: 20, H_ID: 22, H_SUMMARY: 48, H_RESULT: 40, H_CATEGORY: 28, H_UNIT: 24}

# --- writing ----------------------------------------------------------------------------------


def write(out: Path, fmt: str, rows: list[list[Any]]) -> None:
    """Write the header and `rows` (values in the order of COLUMNS) to `out` as xlsx or csv."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        _write_xlsx(out, rows)
    else:
        _write_csv(out, rows)


def _local_text(value: datetime) -> str:
    local = value.astimezone(SHANGHAI)
    return local.strftime("%Y-%m-%d %H:%M:%S" + (".%f" if local.microsecond else ""))


def _csv_cell(header: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _local_text(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    # A leading tab keeps Excel from turning an 18-digit ID into 1.40581E+17 and from running a
    # cell that starts like a formula; import strips it.
    if text[:1] in ("=", "+", "-", "@") or (header in TEXT_COLUMNS and _LONG_DIGITS.match(text)):
        return "\t" + text
    return text


def _write_csv(out: Path, rows: list[list[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(h, v) for h, v in zip(COLUMNS, row, strict=True)])
    out.write_bytes(buffer.getvalue().encode("utf-8-sig"))


def _write_xlsx(out: Path, rows: list[list[Any]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "受理台账"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, row in enumerate(rows, start=2):
        for c, (header, value) in enumerate(zip(COLUMNS, row, strict=True), start=1):
            _set_cell(sheet.cell(row=r, column=c), header, value)
    for c, header in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = _WIDTHS.get(header, 14)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    book.save(out)


def _set_cell(cell: Any, header: str, value: Any) -> None:
    if isinstance(value, datetime):
        local = value.astimezone(SHANGHAI)
        if local.microsecond:
            cell.value = _local_text(value)
        else:
            cell.value = local.replace(tzinfo=None)
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, str):
        if value:
            cell.value = value
            cell.data_type = "s"  # never a formula, whatever the text starts with
    else:
        cell.value = value
    if header in TEXT_COLUMNS:
        cell.number_format = "@"


# --- reading ----------------------------------------------------------------------------------


@dataclass
class Table:
    """A ledger sheet: the header row's number and columns, and the data rows by row number."""

    header_row: int
    headers: dict[int, str]  # column index -> canonical header
    rows: list[tuple[int, dict[str, Any]]]  # (spreadsheet row number, header -> raw value)
    unknown_headers: list[str] = field(default_factory=list)


def read_table(path: Path) -> Table:
    """Read an xlsx or CSV ledger. Row numbers are the spreadsheet's (the header is row 1 unless
    title rows come before it), so a reported row is the row a person sees in Excel."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise LedgerError(f"cannot read {path}: {e.strerror or e}") from None
    if raw[:2] == b"PK" or path.suffix.lower() in (".xlsx", ".xlsm"):
        grid = _xlsx_grid(raw)
    else:
        grid = _csv_grid(raw)
    return _table(grid)


def _xlsx_grid(raw: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - zipfile, XML and openpyxl errors alike
        raise LedgerError(f"not a readable xlsx workbook: {e}") from None
    try:
        sheet = book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # other tools write wrong or no dimensions: read what is there
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _csv_grid(raw: bytes) -> list[list[Any]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")  # Excel on Chinese Windows saves CSV in the ANSI code page
        except UnicodeDecodeError:
            raise LedgerError("CSV is neither UTF-8 nor GB18030 text") from None
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as e:
        raise LedgerError(f"malformed CSV: {e}") from None


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(grid: list[list[Any]]) -> Table:
    for index, cells in enumerate(grid[:10]):
        known = {c: _HEADERS.get(norm(str(v))) for c, v in enumerate(cells) if not blank(v)}
        if sum(1 for h in known.values() if h) < 3:
            continue
        headers = {c: h for c, h in known.items() if h}
        seen: set[str] = set()
        for h in headers.values():
            if h in seen:
                raise LedgerError(f"row {index + 1}: column {h} appears twice")
            seen.add(h)
        unknown = [str(cells[c]).strip() for c, h in known.items() if not h]
        rows = []
        for number, row in enumerate(grid[index + 1 :], start=index + 2):
            values = {h: row[c] if c < len(row) else None for c, h in headers.items()}
            if all(blank(v) for v in values.values()):
                continue
            rows.append((number, values))
        return Table(header_row=index + 1, headers=headers, rows=rows, unknown_headers=unknown)
    raise LedgerError("no header row found: the first rows name none of the ledger columns (案件编号, 受理渠道, …)")
