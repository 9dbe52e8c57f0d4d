"""Working days, deemed acceptance and deadlines under the official holiday notices."""

from __future__ import annotations

import importlib.resources
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from domain.calendar import (
    SHANGHAI,
    CalendarError,
    CalendarPeriodEnd,
    OfficialCalendar,
    WorkingDayDeadline,
    YearSchedule,
    deemed_acceptance,
    parse_year_schedule,
    period_in_days,
    period_in_months,
    working_day_deadline,
)
from tests.domain.test_calendar_notices import MISSED_MAKE_UP_DAYS

CAL = OfficialCalendar.shipped()
ACCEPTANCE = "the day of acceptance"
TRANSFER = "the day of the transfer"


def _shipped_json() -> dict[str, Any]:
    raw = importlib.resources.files("domain.data").joinpath("cn-official-calendar.json")
    data: dict[str, Any] = json.loads(raw.read_bytes())
    return data


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _deadline(start: date, days: int, label: str = ACCEPTANCE) -> date:
    return working_day_deadline(start, days, CAL, start_label=label).due_on


def _raw_2024(**changes: Any) -> dict[str, Any]:
    raw = {
        "notice": "test notice",
        "days_off": {"国庆节": ["2024-10-01", "2024-10-02"]},
        "make_up_working_days": ["2024-10-12"],
    }
    raw.update(changes)
    return raw


def _test_2027() -> YearSchedule:
    return YearSchedule(
        year=2027, notice="test schedule, not an official notice",
        days_off={date(2027, 1, 1): "元旦"}, make_up_working_days=(),
    )


# --- the loaded data ------------------------------------------------------------------------


def test_shipped_calendar_knows_2004_to_2026_and_has_a_stable_version() -> None:
    assert CAL.years == tuple(range(2004, 2027))
    assert CAL.knows(2004) and CAL.knows(2025) and not CAL.knows(2027) and not CAL.knows(2003)
    assert re.fullmatch(r"cn-official:2004-2026:sha256:[0-9a-f]{12}", CAL.version)
    assert OfficialCalendar.shipped() is CAL


def test_version_ignores_json_layout_but_not_content() -> None:
    doc = _shipped_json()
    reformatted = json.dumps(doc, ensure_ascii=True, indent=None).encode()
    assert OfficialCalendar.from_json_bytes(reformatted).version == CAL.version
    doc["years"]["2025"]["make_up_working_days"].remove("2025-10-11")
    changed = OfficialCalendar.from_json_bytes(json.dumps(doc).encode())
    assert changed.version != CAL.version
    assert changed.version.startswith("cn-official:2004-2026:sha256:")


def test_every_listed_make_up_day_works_every_listed_day_off_rests() -> None:
    years = _shipped_json()["years"]
    make_up = {date.fromisoformat(d) for y in years.values() for d in y["make_up_working_days"]}
    off = {
        date.fromisoformat(d): name
        for y in years.values() for name, ds in y["days_off"].items() for d in ds
    }
    assert len([d for d in make_up if d.year >= 2024]) == 8 + 5 + 6
    assert len([d for d in off if d.year >= 2024]) == 28 + 28 + 33
    for d in make_up:
        assert d.weekday() >= 5
        assert CAL.is_working_day(d), d
        assert CAL.explain_day(d).endswith(": make-up working day (调休上班)")
    for d, name in off.items():
        assert not CAL.is_working_day(d), d
        assert CAL.explain_day(d).endswith(f": {name} holiday")
    d = date(2004, 1, 1)
    unlisted_weekend_days = 0
    while d <= date(2026, 12, 31):
        if d.weekday() >= 5 and d not in make_up and d not in off:
            assert not CAL.is_working_day(d), d
            unlisted_weekend_days += 1
        elif d.weekday() < 5 and d not in off:
            assert CAL.is_working_day(d), d
        d += timedelta(days=1)
    assert unlisted_weekend_days > 23 * 80


def test_every_day_2004_to_2026_agrees_with_chinese_calendar_package() -> None:
    chinese_calendar = pytest.importorskip("chinese_calendar")
    d, checked = date(2004, 1, 1), 0
    while d <= date(2026, 12, 31):
        expected = bool(chinese_calendar.is_workday(d)) or d in MISSED_MAKE_UP_DAYS
        assert CAL.is_working_day(d) == expected, CAL.explain_day(d)
        d += timedelta(days=1)
        checked += 1
    assert checked == (date(2027, 1, 1) - date(2004, 1, 1)).days


def test_explain_day_names_holiday_make_up_weekend_and_working_day() -> None:
    assert CAL.explain_day(date(2024, 10, 1)) == "2024-10-01 (Tue): 国庆节 holiday"
    assert CAL.explain_day(date(2025, 9, 28)) == "2025-09-28 (Sun): make-up working day (调休上班)"
    assert CAL.explain_day(date(2024, 10, 12)) == "2024-10-12 (Sat): make-up working day (调休上班)"
    assert CAL.explain_day(date(2024, 9, 21)) == "2024-09-21 (Sat): weekend"
    assert CAL.explain_day(date(2024, 9, 30)) == "2024-09-30 (Mon): working day"
    assert CAL.explain_day(date(2027, 1, 1)) == (
        "2027-01-01 (Fri): working day [no official notice loaded for 2027: weekends only]"
    )


def test_next_working_day_is_strictly_after_and_skips_holidays() -> None:
    assert CAL.next_working_day(date(2024, 9, 30)) == date(2024, 10, 8)
    assert CAL.next_working_day(date(2024, 10, 8)) == date(2024, 10, 9)
    assert CAL.next_working_day(date(2025, 9, 26)) == date(2025, 9, 28)


def test_unknown_year_falls_back_to_monday_to_friday() -> None:
    assert CAL.is_working_day(date(2027, 1, 1))  # a Friday; no notice, so no holiday guessed
    assert not CAL.is_working_day(date(2027, 1, 2))
    assert not CAL.is_working_day(date(2027, 1, 3))


# --- parsing --------------------------------------------------------------------------------


def test_parse_year_schedule_sorts_and_names_days() -> None:
    schedule = parse_year_schedule(2024, _raw_2024())
    assert schedule == YearSchedule(
        year=2024, notice="test notice",
        days_off={date(2024, 10, 1): "国庆节", date(2024, 10, 2): "国庆节"},
        make_up_working_days=(date(2024, 10, 12),),
    )


def test_parse_rejects_make_up_day_on_a_weekday() -> None:
    with pytest.raises(CalendarError, match="2024-10-08"):
        parse_year_schedule(2024, _raw_2024(make_up_working_days=["2024-10-08"]))


def test_parse_rejects_a_date_of_another_year() -> None:
    with pytest.raises(CalendarError, match="2025-01-01"):
        parse_year_schedule(2024, _raw_2024(days_off={"元旦": ["2025-01-01"]}))
    with pytest.raises(CalendarError, match="2023-12-30"):
        parse_year_schedule(2024, _raw_2024(make_up_working_days=["2023-12-30"]))


def test_parse_rejects_a_day_both_off_and_make_up() -> None:
    raw = _raw_2024(days_off={"国庆节": ["2024-10-12"]}, make_up_working_days=["2024-10-12"])
    with pytest.raises(CalendarError, match="2024-10-12"):
        parse_year_schedule(2024, raw)


def test_parse_rejects_malformed_dates_and_shapes() -> None:
    with pytest.raises(CalendarError):
        parse_year_schedule(2024, _raw_2024(make_up_working_days=["2024/10/12"]))
    with pytest.raises(CalendarError):
        OfficialCalendar.from_json_bytes(b'{"years": {"2024": {"notice": "x"}}}')
    with pytest.raises(CalendarError):
        OfficialCalendar.from_json_bytes(b"not json")


# --- deemed acceptance ----------------------------------------------------------------------


def test_received_on_spring_festival_sunday_is_accepted_on_tuesday_24_feb_2026() -> None:
    for received in ("2026-02-14T16:00:00", "2026-02-15T01:30:00", "2026-02-15T15:59:59"):
        acceptance = deemed_acceptance(_utc(received), CAL)
        assert acceptance.received_on == date(2026, 2, 15)
        assert acceptance.accepted_on == date(2026, 2, 24)
        assert acceptance.provisional is False
        assert sum(line.startswith("skipped ") for line in acceptance.derivation) == 9
        assert "skipped 2026-02-23 (Mon): 春节 holiday" in acceptance.derivation
        assert f"calendar: {CAL.version}" in acceptance.derivation
    deadline = working_day_deadline(date(2026, 2, 24), 1, CAL, start_label=TRANSFER)
    assert deadline.due_on == date(2026, 2, 25)
    assert deadline.due_at == _utc("2026-02-25T16:00:00")


def test_received_at_is_converted_to_shanghai_before_taking_the_date() -> None:
    # 23:30 Sun 29 Sep 2024 in Shanghai is a make-up working day: accepted that day.
    late = deemed_acceptance(_utc("2024-09-29T15:30:00"), CAL)
    assert (late.received_on, late.accepted_on) == (date(2024, 9, 29), date(2024, 9, 29))
    assert late.derivation[0] == "received: 2024-09-29 23:30 Asia/Shanghai (2024-09-29T15:30:00Z)"
    # One hour later it is 00:30 Mon 30 Sep in Shanghai, though still 29 Sep in UTC.
    early = deemed_acceptance(_utc("2024-09-29T16:30:00"), CAL)
    assert (early.received_on, early.accepted_on) == (date(2024, 9, 30), date(2024, 9, 30))
    assert _deadline(late.accepted_on, 1) == date(2024, 9, 30)
    assert _deadline(early.accepted_on, 1) == date(2024, 10, 8)
    # 23:30 Mon 30 Sep vs 00:30 Tue 1 Oct (National Day): the hour moves acceptance a week.
    assert deemed_acceptance(_utc("2024-09-30T15:30:00"), CAL).accepted_on == date(2024, 9, 30)
    assert deemed_acceptance(_utc("2024-09-30T16:30:00"), CAL).accepted_on == date(2024, 10, 8)


def test_received_at_in_another_offset_is_handled_and_naive_is_rejected() -> None:
    tokyo = datetime(2024, 10, 1, 0, 30, tzinfo=timezone(timedelta(hours=9)))  # 23:30 Shanghai
    assert deemed_acceptance(tokyo, CAL).accepted_on == date(2024, 9, 30)
    with pytest.raises(ValueError, match="timezone-aware"):
        deemed_acceptance(datetime(2024, 9, 30, 12, 0), CAL)


def test_acceptance_into_an_unknown_year_is_provisional() -> None:
    acceptance = deemed_acceptance(datetime(2027, 1, 2, 10, 0, tzinfo=SHANGHAI), CAL)
    assert acceptance.accepted_on == date(2027, 1, 4)
    assert acceptance.provisional is True
    assert acceptance.derivation[-1].startswith("provisional: no official holiday notice loaded")


# --- working-day deadlines ------------------------------------------------------------------


def test_accepted_30_sep_2024_transfer_due_end_of_8_oct_2024() -> None:
    deadline = working_day_deadline(date(2024, 9, 30), 1, CAL, start_label=ACCEPTANCE)
    assert deadline.due_on == date(2024, 10, 8)
    assert deadline.due_at == datetime(2024, 10, 8, 16, 0, tzinfo=UTC)
    assert deadline.due_at.tzinfo is UTC
    assert deadline.provisional is False
    assert deadline.calendar_version == CAL.version
    assert deadline.derivation == (
        "start: 2024-09-30 (Mon), the day of acceptance; not counted (Civil Code art. 201)",
        "rule: due by the end (24:00 Asia/Shanghai) of the 1st working day after the start",
        *(f"skipped 2024-10-0{n} ({wd}): 国庆节 holiday"
          for n, wd in zip(range(1, 8), ("Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mon"), strict=True)),
        "counted 2024-10-08 (Tue): working day 1 of 1",
        "due: end of 2024-10-08 (Tue) = 2024-10-08T16:00:00Z",
        f"calendar: {CAL.version}",
    )


def test_accepted_fri_26_sep_2025_transfer_due_on_make_up_sunday_28_sep() -> None:
    deadline = working_day_deadline(date(2025, 9, 26), 1, CAL, start_label=ACCEPTANCE)
    assert deadline.due_on == date(2025, 9, 28)
    assert deadline.due_at == _utc("2025-09-28T16:00:00")
    assert "skipped 2025-09-27 (Sat): weekend" in deadline.derivation
    assert (
        "counted 2025-09-28 (Sun): make-up working day (调休上班) = working day 1 of 1"
        in deadline.derivation
    )


@pytest.mark.parametrize(
    ("start", "five", "ten"),
    [
        # Spring Festival 2024: off 10-17 Feb, make-up Sun 18 Feb.
        (date(2024, 2, 8), date(2024, 2, 21), date(2024, 2, 28)),
        # Spring Festival 2025: make-up Sun 26 Jan, off 28 Jan-4 Feb, make-up Sat 8 Feb.
        (date(2025, 1, 24), date(2025, 2, 7), date(2025, 2, 13)),
        # Spring Festival 2026: make-up Sat 14 Feb, off 15-23 Feb, make-up Sat 28 Feb.
        (date(2026, 2, 12), date(2026, 2, 26), date(2026, 3, 4)),
        # National Day 2024: make-up Sun 29 Sep, off 1-7 Oct, make-up Sat 12 Oct.
        (date(2024, 9, 27), date(2024, 10, 10), date(2024, 10, 16)),
        # National Day + Mid-Autumn 2025: off 1-8 Oct, make-up Sat 11 Oct.
        (date(2025, 9, 30), date(2025, 10, 14), date(2025, 10, 21)),
        # National Day 2026: off 1-7 Oct, make-up Sat 10 Oct.
        (date(2026, 9, 30), date(2026, 10, 13), date(2026, 10, 20)),
    ],
)
def test_five_and_ten_working_days_across_the_long_holidays(
    start: date, five: date, ten: date
) -> None:
    assert _deadline(start, 5, TRANSFER) == five
    assert _deadline(start, 10, TRANSFER) == ten


def test_deadline_derivation_counts_make_up_days_and_lists_skipped_days() -> None:
    deadline = working_day_deadline(date(2025, 1, 24), 5, CAL, start_label=TRANSFER)
    counted = [line for line in deadline.derivation if line.startswith("counted ")]
    skipped = [line for line in deadline.derivation if line.startswith("skipped ")]
    assert counted == [
        "counted 2025-01-26 (Sun): make-up working day (调休上班) = working day 1 of 5",
        "counted 2025-01-27 (Mon): working day 2 of 5",
        "counted 2025-02-05 (Wed): working day 3 of 5",
        "counted 2025-02-06 (Thu): working day 4 of 5",
        "counted 2025-02-07 (Fri): working day 5 of 5",
    ]
    assert skipped[0] == "skipped 2025-01-25 (Sat): weekend"
    assert skipped[1:] == [
        f"skipped {CAL.explain_day(date(2025, 1, 28) + timedelta(days=i))}" for i in range(8)
    ]
    assert all(line.endswith("春节 holiday") for line in skipped[1:])
    assert "rule: due by the end (24:00 Asia/Shanghai) of the 5th working day after the start" in (
        deadline.derivation
    )


def test_deadline_into_2027_counts_weekdays_only_and_is_provisional() -> None:
    deadline = working_day_deadline(date(2026, 12, 30), 5, CAL, start_label=TRANSFER)
    assert deadline.due_on == date(2027, 1, 6)  # Thu 31 Dec, Fri 1 Jan, Mon 4-Wed 6 Jan
    assert deadline.due_at == _utc("2027-01-06T16:00:00")
    assert deadline.provisional is True
    assert deadline.derivation[-1] == (
        "provisional: no official holiday notice loaded for 2027; weekends only were skipped"
        " there — recomputed when the notice is loaded"
    )


def test_deadline_wholly_inside_2026_is_not_provisional() -> None:
    deadline = working_day_deadline(date(2026, 12, 24), 5, CAL, start_label=TRANSFER)
    assert deadline.due_on == date(2026, 12, 31)
    assert deadline.provisional is False
    assert not any(line.startswith("provisional:") for line in deadline.derivation)


def test_loading_a_2027_schedule_recomputes_the_deadline_as_final() -> None:
    with_2027 = CAL.with_year(_test_2027())
    assert with_2027.years == (*range(2004, 2027), 2027)
    assert CAL.years == tuple(range(2004, 2027))  # the original is unchanged
    assert with_2027.version.startswith("cn-official:2004-2027:sha256:")
    assert with_2027.version != CAL.version
    deadline = working_day_deadline(date(2026, 12, 30), 5, with_2027, start_label=TRANSFER)
    assert deadline.due_on == date(2027, 1, 7)
    assert deadline.provisional is False
    assert deadline.calendar_version == with_2027.version
    assert "skipped 2027-01-01 (Fri): 元旦 holiday" in deadline.derivation


def test_with_year_replaces_an_existing_year() -> None:
    bare_2024 = YearSchedule(year=2024, notice="none", days_off={}, make_up_working_days=())
    replaced = CAL.with_year(bare_2024)
    assert replaced.years == CAL.years
    assert replaced.is_working_day(date(2024, 10, 1))
    assert not replaced.is_working_day(date(2024, 10, 12))
    assert replaced.version != CAL.version


def test_deadline_rejects_zero_days() -> None:
    with pytest.raises(ValueError, match="days must be >= 1"):
        working_day_deadline(date(2024, 9, 30), 0, CAL, start_label=ACCEPTANCE)


# --- calendar periods -----------------------------------------------------------------------


def test_60_days_ending_on_national_day_moves_to_8_oct_2024() -> None:
    period = period_in_days(date(2024, 8, 2), 60, CAL, label="the day the act became known")
    assert period.nominal_end == date(2024, 10, 1)
    assert period.last_day == date(2024, 10, 8)
    assert period.due_at == _utc("2024-10-08T16:00:00")
    assert period.provisional is False
    assert [line for line in period.derivation if line.startswith("skipped ")] == [
        f"skipped {CAL.explain_day(date(2024, 10, d))}" for d in range(1, 8)
    ]


def test_period_ending_on_a_plain_weekday_or_make_up_day_stays() -> None:
    weekday = period_in_days(date(2024, 9, 2), 60, CAL, label="the day the act became known")
    assert weekday.nominal_end == weekday.last_day == date(2024, 11, 1)  # a Friday
    make_up = period_in_days(date(2024, 9, 27), 15, CAL, label="the day of the decision")
    assert make_up.nominal_end == make_up.last_day == date(2024, 10, 12)  # make-up Saturday
    weekend = period_in_days(date(2024, 11, 1), 15, CAL, label="the day of the decision")
    assert (weekend.nominal_end, weekend.last_day) == (date(2024, 11, 16), date(2024, 11, 18))


def test_six_months_uses_the_corresponding_day_or_the_last_day_of_the_month() -> None:
    label = "the day the act became known"
    from_31_aug = period_in_months(date(2024, 8, 31), 6, CAL, label=label)
    assert from_31_aug.nominal_end == from_31_aug.last_day == date(2025, 2, 28)  # a Friday
    from_31_mar = period_in_months(date(2025, 3, 31), 6, CAL, label=label)
    assert from_31_mar.nominal_end == from_31_mar.last_day == date(2025, 9, 30)  # a Tuesday
    assert from_31_mar.due_at == _utc("2025-09-30T16:00:00")
    leap = period_in_months(date(2023, 8, 31), 6, CAL, label=label)
    assert leap.last_day == date(2024, 2, 29)
    across_year = period_in_months(date(2024, 11, 15), 3, CAL, label=label)
    assert across_year.last_day == date(2025, 2, 17)  # Sat 15 Feb -> Mon 17 Feb
    on_holiday = period_in_months(date(2024, 4, 1), 6, CAL, label=label)
    assert (on_holiday.nominal_end, on_holiday.last_day) == (date(2024, 10, 1), date(2024, 10, 8))


def test_period_ending_in_an_unknown_year_is_provisional() -> None:
    period = period_in_months(date(2026, 7, 2), 6, CAL, label="the day the act became known")
    assert (period.nominal_end, period.last_day) == (date(2027, 1, 2), date(2027, 1, 4))
    assert period.provisional is True
    assert period.derivation[-1].startswith("provisional: no official holiday notice loaded")
    inside = period_in_days(date(2026, 12, 1), 15, CAL, label="the day of the decision")
    assert inside.last_day == date(2026, 12, 16) and inside.provisional is False


# --- derivations ----------------------------------------------------------------------------


def test_every_derivation_has_start_line_and_calendar_version() -> None:
    results: list[WorkingDayDeadline | CalendarPeriodEnd] = [
        working_day_deadline(date(2024, 9, 30), 1, CAL, start_label=ACCEPTANCE),
        working_day_deadline(date(2026, 12, 30), 5, CAL, start_label=TRANSFER),
        period_in_days(date(2024, 8, 2), 60, CAL, label="the day the act became known"),
        period_in_months(date(2024, 8, 31), 6, CAL, label="the day the act became known"),
    ]
    for result in results:
        assert result.derivation[0].startswith("start: ")
        assert f"calendar: {CAL.version}" in result.derivation
        assert result.calendar_version == CAL.version
        assert any(line.startswith("due: end of ") for line in result.derivation)
    assert results[0].derivation[0] == (
        "start: 2024-09-30 (Mon), the day of acceptance; not counted (Civil Code art. 201)"
    )
    assert results[3].derivation[2] == (
        "nominal end: 2025-02-28 (Fri) = the last day of the month 6 months after the start"
        " (no day 31)"
    )
