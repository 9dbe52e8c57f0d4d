"""Deadline colours on the official calendar, times in Asia/Shanghai, weeks, CSV cells."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import OfficialCalendar
from interfaces.console import present as p

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = OfficialCalendar.shipped()


def deadline(due_on: date, met_at: datetime | None = None) -> dict[str, str | None]:
    due_at = datetime.combine(due_on + timedelta(days=1), datetime.min.time(), SHANGHAI).astimezone(UTC)
    return {"dueOn": due_on.isoformat(), "dueAt": due_at.isoformat(), "metAt": met_at.isoformat() if met_at else None}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("now", "due_on", "state"),
    [
        ("2026-11-26 10:00", date(2026, 11, 25), p.OVERDUE),  # ended at 24:00 yesterday: red
        ("2026-11-26 00:00:01", date(2026, 11, 25), p.OVERDUE),
        ("2026-11-26 10:00", date(2026, 11, 26), p.TODAY),  # ends at 24:00 today: yellow
        ("2026-11-26 23:59:59", date(2026, 11, 26), p.TODAY),
        ("2026-11-26 10:00", date(2026, 11, 27), p.SOON),  # Thursday, due Friday: within a working day, blue
        ("2026-11-26 10:00", date(2026, 11, 30), p.OPEN),  # due Monday: two working days away
        ("2026-11-27 10:00", date(2026, 11, 30), p.SOON),  # Friday, due Monday: the weekend does not count
        ("2026-11-28 10:00", date(2026, 11, 30), p.SOON),  # a rest day, due the next working day
        ("2026-09-30 10:00", date(2026, 10, 8), p.SOON),  # before the National Day holidays
        ("2026-09-30 10:00", date(2026, 10, 9), p.OPEN),
    ],
)
def test_deadline_colours(now: str, due_on: date, state: str) -> None:
    assert p.deadline_state(deadline(due_on), at(now), CALENDAR) == state


def test_met_deadlines_are_judged_by_when_they_were_met() -> None:
    assert p.deadline_state(deadline(date(2026, 11, 25), at("2026-11-25 23:00")), at("2026-12-20 10:00"), CALENDAR) == p.MET
    assert p.deadline_state(deadline(date(2026, 11, 25), at("2026-11-26 08:00")), at("2026-11-26 09:00"), CALENDAR) == p.MET_LATE


def test_met_at_24_00_exactly_is_late_and_the_case_is_red_from_that_instant() -> None:
    assert p.deadline_state(deadline(date(2026, 11, 25), at("2026-11-26 00:00")), at("2026-11-26 09:00"), CALENDAR) == p.MET_LATE
    assert p.deadline_state(deadline(date(2026, 11, 25)), at("2026-11-26 00:00"), CALENDAR) == p.OVERDUE


def test_a_clock_closed_by_a_return_is_neither_open_nor_red_and_is_never_the_one_shown() -> None:
    closed = {**deadline(date(2026, 11, 20)), "closedAt": at("2026-11-19 10:00").isoformat()}
    assert p.deadline_state(closed, at("2026-11-26 10:00"), CALENDAR) == p.CLOSED
    assert p.most_urgent([closed, deadline(date(2026, 11, 27))], at("2026-11-26 10:00"), CALENDAR)[1] == p.SOON


def test_the_earliest_open_deadline_is_the_one_shown() -> None:
    deadlines = [deadline(date(2026, 11, 20), at("2026-11-19 10:00")), deadline(date(2026, 12, 3)), deadline(date(2026, 11, 27))]
    first, state = p.most_urgent(deadlines, at("2026-11-26 10:00"), CALENDAR)
    assert first is deadlines[2] and state == p.SOON
    assert p.most_urgent([deadlines[0]], at("2026-11-26 10:00"), CALENDAR) == (None, None)


def test_times_are_shown_and_read_in_asia_shanghai() -> None:
    assert p.local("2026-11-25T16:00:00+00:00") == "2026-11-26 00:00:00"
    assert p.local(None) == "—"
    assert p.parse_local_input("2026-11-26T10:30:15") == datetime(2026, 11, 26, 2, 30, 15, tzinfo=UTC)
    # Without seconds, the whole minute counts.
    assert p.parse_local_input("2026-11-26T10:30") == datetime(2026, 11, 26, 2, 30, 59, 999999, tzinfo=UTC)
    assert p.parse_local_input("2026-11-26T02:30:15.5+00:00") == datetime(2026, 11, 26, 2, 30, 15, 500000, tzinfo=UTC)
    with pytest.raises(ValueError):
        p.parse_local_input("yesterday")
    assert p.local_input(datetime(2026, 11, 26, 2, 30, 15, tzinfo=UTC)) == "2026-11-26T10:30:15"


def test_weeks_run_monday_to_sunday_clipped_to_the_period() -> None:
    weeks = p.weeks_of(date(2026, 11, 1), date(2026, 11, 30))  # a Sunday to a Monday
    assert weeks[0] == (date(2026, 11, 1), date(2026, 11, 1))
    assert weeks[1] == (date(2026, 11, 2), date(2026, 11, 8))
    assert weeks[-1] == (date(2026, 11, 30), date(2026, 11, 30))
    assert len(weeks) == 6
    assert p.weeks_of(date(2026, 11, 3), date(2026, 11, 3)) == [(date(2026, 11, 3), date(2026, 11, 3))]


def test_csv_cells_never_run_as_formulas() -> None:
    data = p.csv_bytes(["单位", "n"], [["=HYPERLINK(\"x\")", 3], ["+1", None], ["市人社局", 0]]).decode("utf-8")
    assert data.startswith("\ufeff单位,n\r\n")
    assert "'=HYPERLINK" in data and "'+1," in data and "市人社局,0" in data


def test_shares_as_percentages() -> None:
    assert p.percent(None) == "—"
    assert p.percent(0.3456) == "34.6%"
    assert p.percent(1.0) == "100.0%"


def test_form_days_and_their_bounds_in_gaoping() -> None:
    assert p.form_day("2026-11-26") == date(2026, 11, 26)
    assert p.form_day("") is None and p.form_day("26/11/2026") is None
    assert p.day_bounds(date(2026, 11, 1), date(2026, 11, 30)) == (
        "2026-10-31T16:00:00+00:00", "2026-11-30T15:59:59.999999+00:00")
    assert p.day_bounds(None, None) == (None, None)
