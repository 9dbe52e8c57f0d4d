"""Import, first part: every row is validated (required fields, coded values by Chinese name or
code, ID check characters, phone, date-times, township, units) before anything is recorded."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import msgspec

from application import commands as cmd
from application.ledger_import import LedgerRow
from domain import identifiers as ids
from domain.values import PayerKind, Status, parse_township
from interfaces.ledger.cells import Issue, RowReader
from interfaces.ledger.columns import (
    FIELD_COLUMNS,
    H_CATEGORY,
    H_CHANNEL,
    H_EXTERNAL,
    H_HANDLING,
    H_ID,
    H_KIND,
    H_NAME,
    H_NUMBER,
    H_OUTCOME,
    H_PHONE,
    H_RECEIVED,
    H_RESULT,
    H_SETTLED,
    H_STATUS,
    H_SUMMARY,
    H_TOWNSHIP,
    H_UNIT,
    REQUIRED,
)
from interfaces.ledger.files import Table, blank
from interfaces.ledger.labels import (
    CATEGORIES,
    CHANNELS,
    ON_SPOT_NAMES,
    OUTCOMES,
    PAYER_KINDS,
    STATUSES,
    norm,
    unit_lookup,
)

_CLOCK_SKEW = timedelta(seconds=5)


MAX_REPORTED = 100  # the report lists the first problems and counts all of them


class Issues(list[Issue]):
    """Every problem counted, the first `keep` kept: a file with a bad column on every row must
    not fill memory with its report."""

    def __init__(self, keep: int = MAX_REPORTED) -> None:
        super().__init__()
        self.keep = keep
        self.total = 0

    def append(self, issue: Issue) -> None:
        self.total += 1
        if len(self) < self.keep:
            super().append(issue)


def validate(table: Table, units: Mapping[str, str], *, unit: str | None, now: datetime, issues: Issues) -> Iterator[LedgerRow]:
    """Check every row as the table streams; yields the rows ready to record, and puts every
    problem in `issues` (a row with a problem is not yielded)."""
    present = set(table.headers.values())
    for column in (*REQUIRED, *(() if unit else (H_UNIT,))):
        if column not in present:
            issues.append(Issue(table.header_row, column, "column is missing from the header row"))
    if issues.total:
        return
    unit_names = unit_lookup(units)
    # Each row's fingerprint by its SHA-256 only: a summary may be 8,000 characters long.
    first_seen: dict[bytes, int] = {}
    for number, cells in table.rows:
        parsed = _validate_row(RowReader(number, cells, issues), unit_names, unit, now)
        if parsed is None:
            continue
        seen = hashlib.sha256(parsed.fingerprint.encode()).digest()
        if seen in first_seen:
            issues.append(Issue(number, None, f"repeats row {first_seen[seen]} exactly: remove the duplicate"))
            continue
        first_seen[seen] = number
        yield parsed


def _validate_row(r: RowReader, unit_names: Mapping[str, str], unit: str | None, now: datetime) -> LedgerRow | None:
    original = r.text(H_NUMBER)
    channel = r.choice(H_CHANNEL, CHANNELS, required=True)
    received = r.time(H_RECEIVED, required=True)
    accepting = _accepting_unit(r, unit_names, unit)
    payer = _payer(r)
    category = r.choice(H_CATEGORY, CATEGORIES, required=True)
    insurance = r.insurance()
    people = r.people()
    township = _township(r)
    external = r.text(H_EXTERNAL)
    summary = r.text(H_SUMMARY, required=True, max_length=8000)
    handling = r.choice(H_HANDLING, unit_names)
    status = r.choice(H_STATUS, STATUSES) or Status.ACCEPTED
    outcome_text = r.text(H_OUTCOME)
    on_spot = outcome_text is not None and norm(outcome_text) in ON_SPOT_NAMES
    outcome = None if on_spot else r.choice(H_OUTCOME, OUTCOMES)
    result = r.text(H_RESULT, max_length=8000)
    settled = r.time(H_SETTLED)
    _check_times(r, received, settled, now)
    if not r.ok:
        return None
    body = {
        "channel": channel, "received_at": received, "at": received, "accepting_unit": accepting, "payer": payer,
        "category": category, "summary": summary, "external_ref": external or original,
        "insurance_types": insurance, "people_involved": people, "township": township,
    }  # fmt: skip
    try:
        register = msgspec.convert(body, cmd.RegisterDispute)
    except msgspec.ValidationError as e:
        r.fail(_column_of(str(e)), str(e))
        return None
    return LedgerRow(
        row=r.number, original_number=original, register=register, status=status, handling_unit=handling,
        outcome=outcome, on_spot=on_spot, result=result, settled_at=settled,
    )


def _accepting_unit(r: RowReader, unit_names: Mapping[str, str], unit: str | None) -> str | None:
    accepting: str | None = r.choice(H_UNIT, unit_names, required=unit is None)
    if accepting is None and unit is not None and blank(r.cells.get(H_UNIT)):
        return unit
    if accepting is not None and unit is not None and accepting != unit:
        r.fail(H_UNIT, f"names {accepting}, but this import is for unit {unit} (--unit)")
    return accepting


def _payer(r: RowReader) -> dict[str, Any]:
    kind = r.choice(H_KIND, PAYER_KINDS, required=True)
    name = r.text(H_NAME, required=True)
    raw_id = r.identifier(H_ID)
    id_number = None
    if raw_id is not None and kind is not None:
        try:
            id_number = ids.parse_resident_id(raw_id) if kind == PayerKind.INDIVIDUAL else ids.parse_credit_code(raw_id)
        except ids.InvalidIdentifier as e:
            r.fail(H_ID, str(e))
    raw_phone = r.identifier(H_PHONE)
    phone = None
    if raw_phone is not None:
        try:
            phone = ids.parse_phone(raw_phone)
        except ids.InvalidIdentifier as e:
            r.fail(H_PHONE, str(e))
    return {"kind": kind, "name": name, "id_number": id_number, "phone": phone}


def _township(r: RowReader) -> str | None:
    text = r.text(H_TOWNSHIP)
    if text is None:
        return None
    try:
        return parse_township(unicodedata.normalize("NFKC", text))
    except ValueError:
        r.fail(H_TOWNSHIP, f"unknown township {text!r}: a Gaoping township or street office, by name or code")
        return None


def _check_times(r: RowReader, received: datetime | None, settled: datetime | None, now: datetime) -> None:
    if received is not None and received > now + _CLOCK_SKEW:
        r.fail(H_RECEIVED, "is in the future")
    if settled is not None:
        if settled > now + _CLOCK_SKEW:
            r.fail(H_SETTLED, "is in the future")
        if received is not None and settled < received:
            r.fail(H_SETTLED, f"is before {H_RECEIVED}: a case is settled after it came in")


def _column_of(message: str) -> str | None:
    match = re.search(r"at `\$\.([\w.]+)", message)
    return FIELD_COLUMNS.get(match.group(1)) if match else None
