"""Small pure helpers for the pages: times in Asia/Shanghai, deadline colours, shares, CSV cells."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.calendar import OfficialCalendar
from domain.deadlines import is_late
from interfaces.spreadsheet import neutralised

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Deadline states, most urgent first. The colour classes are in static/console.css.
OVERDUE, TODAY, SOON, OPEN, MET, MET_LATE = "overdue", "today", "soon", "open", "met", "met_late"
CLOSED = "closed"  # closed unmet by a return (退回); a new transfer clock follows it
URGENCY_ORDER = (OVERDUE, TODAY, SOON, OPEN)


def parse_instant(text: str | None) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def parse_day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def form_day(text: str | None) -> date | None:
    """A day typed in a form; None when empty or not a date."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def day_bounds(start: date | None, end: date | None) -> tuple[str | None, str | None]:
    """The first and last instant (UTC, ISO) of a span of days in Gaoping."""
    lo = None if start is None else datetime.combine(start, time(0), SHANGHAI).astimezone(UTC).isoformat()
    hi = None
    if end is not None:
        last = datetime.combine(end + timedelta(days=1), time(0), SHANGHAI) - timedelta(microseconds=1)
        hi = last.astimezone(UTC).isoformat()
    return lo, hi


def local(value: datetime | str | None, seconds: bool = True) -> str:
    """An instant as Asia/Shanghai wall-clock time: 2026-11-26 10:00:00."""
    if isinstance(value, str):
        value = parse_instant(value)
    if value is None:
        return "—"
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_input(value: datetime | None) -> str:
    """For <input type="datetime-local" step="1">."""
    return "" if value is None else value.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M:%S")


def parse_local_input(text: str) -> datetime:
    """A datetime-local value (Asia/Shanghai wall-clock time), or an ISO instant with an offset."""
    text = text.strip()
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
        if len(text) <= 16:  # no seconds given: the whole minute
            value += timedelta(seconds=59, microseconds=999999)
    return value.astimezone(UTC)


def deadline_state(deadline: dict[str, Any], now: datetime, calendar: OfficialCalendar) -> str:
    """overdue (red), due today (yellow), due within a working day (blue), open, met, met late.

    A deadline ends at 24:00 Asia/Shanghai of its last day (dueOn). "Due within a working day"
    means its last day is no later than the next working day after today."""
    due_at = parse_instant(deadline["dueAt"])
    met_at = parse_instant(deadline.get("metAt"))
    assert due_at is not None
    if met_at is not None:
        return MET_LATE if is_late(due_at, met_at) else MET
    if deadline.get("closedAt"):
        return CLOSED
    if is_late(due_at, now):
        return OVERDUE
    today = now.astimezone(SHANGHAI).date()
    due_on = parse_day(deadline["dueOn"]) or due_at.astimezone(SHANGHAI).date()
    if due_on <= today:
        return TODAY
    if due_on <= calendar.next_working_day(today):
        return SOON
    return OPEN


def most_urgent(deadlines: Iterable[dict[str, Any]], now: datetime, calendar: OfficialCalendar) -> tuple[dict[str, Any] | None, str | None]:
    """The open deadline to show for a case in a list: the earliest one due, and its state."""
    open_ones = [d for d in deadlines if not d.get("metAt") and not d.get("closedAt")]
    if not open_ones:
        return None, None
    first = min(open_ones, key=lambda d: d["dueAt"])
    return first, deadline_state(first, now, calendar)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def weeks_of(start: date, end: date) -> list[tuple[date, date]]:
    """Monday-to-Sunday weeks covering [start, end], the first and last clipped to the period."""
    out: list[tuple[date, date]] = []
    lo = start
    while lo <= end:
        hi = min(end, lo + timedelta(days=6 - lo.weekday()))
        out.append((lo, hi))
        lo = hi + timedelta(days=1)
    return out


def csv_cell(value: Any) -> str:
    """A cell that a spreadsheet will not run as a formula (interfaces/spreadsheet.py)."""
    return "" if value is None else neutralised(str(value))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Chinese text as Unicode."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def pretty_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
