"""The ledger's file formats: xlsx (openpyxl) and CSV (UTF-8 with BOM, so Excel opens it as
Unicode; GB18030 read too, as Excel on Chinese Windows saves it), written and read."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

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
from interfaces.spreadsheet import formula_like, neutralised, writable

_HEADERS = {norm(h): h for h in COLUMNS}
_LONG_DIGITS = re.compile(r"^\d{11,}[\dXx]?$")
_WIDTHS = {H_RECEIVED: 20, H_SETTLED: 20, H_ID: 22, H_SUMMARY: 48, H_RESULT: 40, H_CATEGORY: 28, H_UNIT: 24}

# --- writing ----------------------------------------------------------------------------------


def write(out: Path, fmt: str, rows: list[list[Any]]) -> None:
    """Write the header and `rows` (values in the order of COLUMNS) to `out` as xlsx or csv.

    The file holds personal data: it is written owner-only (0600) under a temporary name and
    renamed into place whole, so it is never readable by others, not even half-written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)  # mkstemp creates 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            if fmt == "xlsx":
                _write_xlsx(handle, rows)
            else:
                _write_csv(handle, rows)
        os.chmod(tmp, 0o600)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    text = neutralised(str(value))
    # A leading tab keeps Excel from turning an 18-digit ID into 1.40581E+17; import strips it.
    if header in TEXT_COLUMNS and _LONG_DIGITS.match(text):
        return "\t" + text
    return text


def _write_csv(out: BinaryIO, rows: list[list[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(h, v) for h, v in zip(COLUMNS, row, strict=True)])
    out.write(buffer.getvalue().encode("utf-8-sig"))


def _write_xlsx(out: BinaryIO, rows: list[list[Any]]) -> None:
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
            text = writable(value)
            cell.value = text
            cell.data_type = "s"  # never a formula, whatever the text starts with
            if formula_like(text):
                cell.quotePrefix = True  # and marked as text when someone edits it
    else:
        cell.value = value
    if header in TEXT_COLUMNS:
        cell.number_format = "@"


# --- reading ----------------------------------------------------------------------------------

MAX_BYTES = 20 * 1024 * 1024  # FENGQIAO_LEDGER_MAX_BYTES
MAX_ROWS = 50_000  # FENGQIAO_LEDGER_MAX_ROWS
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Limits:
    """How large a ledger file may be: an import streams its file, but a bound says so plainly."""

    max_bytes: int = MAX_BYTES
    max_rows: int = MAX_ROWS


DEFAULT_LIMITS = Limits()


@dataclass
class Table:
    """A ledger sheet: the header row's number and columns, and the data rows by row number,
    streamed from the file (read them once; open the file again for another pass)."""

    header_row: int
    headers: dict[int, str]  # column index -> canonical header
    rows: Iterator[tuple[int, dict[str, Any]]]  # (spreadsheet row number, header -> raw value)
    unknown_headers: list[str] = field(default_factory=list)


@contextmanager
def open_table(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[Table]:
    """An xlsx or CSV ledger, streamed. Row numbers are the spreadsheet's (the header is row 1
    unless title rows come before it), so a reported row is the row a person sees in Excel.
    LedgerError for a file over the size limit, over the row limit (while streaming), or unreadable."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            magic = handle.read(2)
    except OSError as e:
        raise LedgerError(f"cannot read {path}: {e.strerror or e}") from None
    if size > limits.max_bytes:
        raise LedgerError(
            f"the file is {size / 1048576:.1f} MB, over the limit of {limits.max_bytes / 1048576:.0f} MB "
            "(FENGQIAO_LEDGER_MAX_BYTES): split it into smaller files"
        )
    xlsx = magic == b"PK" or path.suffix.lower() in (".xlsx", ".xlsm")
    with _xlsx_grid(path) if xlsx else _csv_grid(path) as grid:
        yield _table(grid, limits.max_rows)


def read_table(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[Table, list[tuple[int, dict[str, Any]]]]:
    """The table and all its rows read at once (for small files and tests)."""
    with open_table(path, limits) as table:
        return table, list(table.rows)


@contextmanager
def _xlsx_grid(path: Path) -> Iterator[Iterator[list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - zipfile, XML and openpyxl errors alike
        raise LedgerError(f"not a readable xlsx workbook: {_one_line(e)}") from None
    try:
        sheet = book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # other tools write wrong or no dimensions: read what is there
        yield _xlsx_rows(sheet)
    finally:
        book.close()


def _xlsx_rows(sheet: Any) -> Iterator[list[Any]]:
    try:
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    except LedgerError:
        raise
    except Exception as e:  # noqa: BLE001 - a broken sheet surfaces while it is read
        raise LedgerError(f"not a readable xlsx workbook: {_one_line(e)}") from None


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030 (Excel on Chinese Windows saves CSV in the ANSI
    code page): decided by decoding the whole file in chunks, keeping none of it."""
    for name, codec in (("utf-8-sig", "utf-8"), ("gb18030", "gb18030")):
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return name
    raise LedgerError("CSV is neither UTF-8 nor GB18030 text")


@contextmanager
def _csv_grid(path: Path) -> Iterator[Iterator[list[Any]]]:
    encoding = _encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        yield _csv_rows(handle)


def _csv_rows(handle: Any) -> Iterator[list[Any]]:
    try:
        for row in csv.reader(handle):
            yield list(row)
    except csv.Error as e:
        raise LedgerError(f"malformed CSV: {e}") from None


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(grid: Iterator[list[Any]], max_rows: int) -> Table:
    head: list[list[Any]] = []
    for cells in grid:
        head.append(cells)
        index = len(head) - 1
        known = {c: _HEADERS.get(norm(str(v))) for c, v in enumerate(cells) if not blank(v)}
        if sum(1 for h in known.values() if h) < 3:
            if len(head) >= 10:
                break
            continue
        headers = {c: h for c, h in known.items() if h}
        seen: set[str] = set()
        for h in headers.values():
            if h in seen:
                raise LedgerError(f"row {index + 1}: column {h} appears twice")
            seen.add(h)
        unknown = [str(cells[c]).strip() for c, h in known.items() if not h]
        return Table(header_row=index + 1, headers=headers, rows=_rows(grid, headers, index + 2, max_rows),
                     unknown_headers=unknown)
    raise LedgerError("no header row found: the first rows name none of the ledger columns (案件编号, 受理渠道, …)")


def _rows(grid: Iterator[list[Any]], headers: dict[int, str], first: int, max_rows: int) -> Iterator[tuple[int, dict[str, Any]]]:
    count = 0
    for number, row in enumerate(grid, start=first):
        values = {h: row[c] if c < len(row) else None for c, h in headers.items()}
        if all(blank(v) for v in values.values()):
            continue
        count += 1
        if count > max_rows:
            raise LedgerError(
                f"more than {max_rows} rows (FENGQIAO_LEDGER_MAX_ROWS): split the file; nothing was recorded"
            )
        yield number, values
