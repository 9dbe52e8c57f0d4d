"""The range a query's dates may take: 2000-01-01 to 2100-12-31. Nothing the mechanism holds lies
outside it, and a date far outside (year 1 or 9999) would only reach the calendar and the SQL
text as a fault; outside it the answer is a 400 naming the argument. A query's text arguments
hold no control characters either (PostgreSQL refuses a NUL in any text parameter)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from domain.errors import InvalidCommand

EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)
_RANGE = f"{EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}"
# What commands refuse in text (application/commands.py NO_CONTROL); an argument has no line breaks.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")


def query_text(value: str, field: str) -> str:
    if _CONTROL.search(value):
        raise InvalidCommand(field, "must not contain control characters")
    return value


def query_day(value: date, field: str) -> date:
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise InvalidCommand(field, f"must lie from {_RANGE}")
    return value


def query_instant(value: datetime | None, field: str) -> datetime | None:
    """An instant argument, in UTC: it must carry an offset and lie within the range."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidCommand(field, "must carry a UTC offset")
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        raise InvalidCommand(field, f"must lie from {_RANGE}") from None
    query_day(in_utc.date(), field)
    return in_utc
