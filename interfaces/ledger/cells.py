"""Reading one ledger row's cells: text, coded values by name, identifiers, date-times, counts;
every problem is collected instead of stopping at the first."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.calendar import SHANGHAI
from domain.values import InsuranceType
from interfaces.ledger.columns import H_INSURANCE, H_PEOPLE
from interfaces.ledger.files import blank
from interfaces.ledger.labels import INSURANCE, norm
from interfaces.spreadsheet import restored

_TIME = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+|(?=\d))(\d{1,2})[:时](\d{1,2})分?"
    r"(?:(?::|(?<=分))(\d{1,2})(\.\d{1,6})?秒?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_DATE_ONLY = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_PEOPLE = re.compile(r"^(\d+)\s*人?$")
_SEPARATORS = re.compile(r"[、,;/\s]+")
_DATE_ONLY_MESSAGE = "gives a date only; a time of day is needed (e.g. 2024-10-11 09:30)"
# An auditor's or task-force export masks ID numbers and phones (140581********1234, 138****5678).
MASKED = "is masked, as in an auditor's or task-force export: export the ledger with --as-role legal to import it"


@dataclass(frozen=True)
class Issue:
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class RowReader:
    """Reads one row's cells, collecting every problem instead of stopping at the first."""

    def __init__(self, number: int, cells: Mapping[str, Any], issues: list[Issue]) -> None:
        self.number = number
        self.cells = cells
        self.issues = issues
        self.ok = True

    def fail(self, column: str | None, message: str) -> None:
        self.ok = False
        self.issues.append(Issue(self.number, column, message))

    def text(self, column: str, *, required: bool = False, max_length: int = 200) -> str | None:
        value = self.cells.get(column)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        text = "" if value is None else restored(str(value).strip())
        if not text:
            if required:
                self.fail(column, "is required")
            return None
        if len(text) > max_length:
            self.fail(column, f"is {len(text)} characters long; at most {max_length}")
            return None
        return text

    def choice(self, column: str, table: Mapping[str, Any], *, required: bool = False) -> Any:
        text = self.text(column, required=required)
        if text is None:
            return None
        found = table.get(norm(text))
        if found is None:
            self.fail(column, f"unknown value {text!r}")
        return found

    def identifier(self, column: str) -> str | None:
        value = self.cells.get(column)
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.fail(column, "is stored as a number, so Excel may have lost digits: format the column as text")
            return None
        text = self.text(column, required=True, max_length=40)
        if text is not None and "*" in text:
            self.fail(column, MASKED)
            return None
        return text

    def time(self, column: str, *, required: bool = False) -> datetime | None:
        value = self.cells.get(column)
        if isinstance(value, datetime):
            local = value if value.tzinfo is not None else value.replace(tzinfo=SHANGHAI)
            # Excel keeps times as fractions of a day: round away the float noise.
            rounded = (local + timedelta(microseconds=500_000)).replace(microsecond=0)
            return rounded.astimezone(UTC)
        if isinstance(value, date):
            self.fail(column, _DATE_ONLY_MESSAGE)
            return None
        text = self.text(column, required=required, max_length=40)
        if text is None:
            return None
        return self._parse_time(column, unicodedata.normalize("NFKC", text))

    def _parse_time(self, column: str, text: str) -> datetime | None:
        match = _TIME.match(text)
        if match is None:
            if _DATE_ONLY.match(text):
                self.fail(column, _DATE_ONLY_MESSAGE)
            else:
                self.fail(column, f"{text!r} is not a date-time (expected e.g. 2024-10-11 09:30:00)")
            return None
        year, month, day, hour, minute, second, fraction, offset = match.groups()
        try:
            naive = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                             int((fraction or ".0")[1:].ljust(6, "0")))
        except ValueError:
            self.fail(column, f"{text!r} is not a real date-time")
            return None
        if offset is None:
            return naive.replace(tzinfo=SHANGHAI).astimezone(UTC)
        zone = "+00:00" if offset == "Z" else offset if ":" in offset else f"{offset[:3]}:{offset[3:]}"
        return datetime.fromisoformat(naive.isoformat() + zone).astimezone(UTC)

    def people(self) -> int:
        value = self.cells.get(H_PEOPLE)
        if blank(value):
            return 1
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        match = _PEOPLE.match(unicodedata.normalize("NFKC", str(value).strip()))
        count = int(match.group(1)) if match else 0
        if not 1 <= count <= 100000:
            self.fail(H_PEOPLE, f"{value!r} is not a number of people from 1 to 100000")
            return 1
        return count

    def insurance(self) -> list[InsuranceType]:
        text = self.text(H_INSURANCE, max_length=200)
        found: list[InsuranceType] = []
        for part in _SEPARATORS.split(unicodedata.normalize("NFKC", text or "")):
            if not part:
                continue
            code = INSURANCE.get(norm(part))
            if code is None:
                self.fail(H_INSURANCE, f"unknown insurance type {part!r} (养老、医疗、失业、工伤、生育)")
            elif code not in found:
                found.append(code)
        return found
