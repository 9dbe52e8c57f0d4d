"""Working days, deemed acceptance and deadlines under the official holiday notices, and the
provisional calendar of a year without a notice (docs/domain.md, "Deadlines and the calendar").

Two independent oracles judge the calendar: chinese-calendar for the notices of 2004-2026, and,
for the years without a notice, the regulation itself computed here with other libraries than
the product's (lunardate for the lunar dates, chinese-calendar's solar-term formula for 清明).
"""

from __future__ import annotations

import importlib.resources
import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.statutory_holidays import STATUTORY_HOLIDAYS
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
from domain.provisional import ProvisionalYear, provisional_year
from tests.domain.test_calendar_notices import MISSED_MAKE_UP_DAYS

chinese_calendar = pytest.importorskip("chinese_calendar")
lunardate = pytest.importorskip("lunardate")

CAL = OfficialCalendar.shipped(STATUTORY_HOLIDAYS)  # as the application builds it
BARE = OfficialCalendar.shipped()  # no statutory provider: years without a notice count weekends only
ACCEPTANCE = "the day of acceptance"
TRANSFER = "the day of the transfer"
KNOWN = "the day the act became known"
LAST_NOTICE = 2026
NOTE_2027 = "(provisional: no notice loaded for 2027)"
CLOSING_2027 = (
    "provisional: no official holiday notice loaded for 2027; weekends and the statutory holidays of"
    " 全国年节及纪念日放假办法 with their days off in lieu (补假, art. 6) were skipped there, make-up"
    " working days are not known — recomputed when the notice is loaded"
)


# --- the oracles ----------------------------------------------------------------------------


def regulation_days_off(year: int) -> set[date]:
    """全国年节及纪念日放假办法 (2024) art. 2 and art. 6 for a year without a notice."""
    spring = lunardate.LunarDate(year, 1, 1).to_solar_date()
    (qingming,) = [d for d, term in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30)) if term == "清明"]
    statutory = {
        date(year, 1, 1),
        *(spring + timedelta(days=n) for n in (-1, 0, 1, 2)),
        qingming,
        date(year, 5, 1), date(year, 5, 2),
        lunardate.LunarDate(year, 5, 5).to_solar_date(),
        lunardate.LunarDate(year, 8, 15).to_solar_date(),
        date(year, 10, 1), date(year, 10, 2), date(year, 10, 3),
    }
    # Art. 6, holiday by holiday: a run of consecutive statutory days owes as many weekdays off
    # as it has days on a weekend, taken from the first free weekdays after the run.
    off = set(statutory)
    for first in sorted(d for d in statutory if d - timedelta(days=1) not in statutory):
        run = [first]
        while run[-1] + timedelta(days=1) in statutory:
            run.append(run[-1] + timedelta(days=1))
        owed = sum(d.weekday() >= 5 for d in run)
        d = run[-1]
        while owed:
            d += timedelta(days=1)
            if d.weekday() < 5 and d not in off:
                off.add(d)
                owed -= 1
    return off


_REGULATION: dict[int, set[date]] = {}


def oracle_is_working_day(d: date) -> bool:
    if d.year <= LAST_NOTICE:
        return d in MISSED_MAKE_UP_DAYS or bool(chinese_calendar.is_workday(d))
    if d.year not in _REGULATION:
        _REGULATION[d.year] = regulation_days_off(d.year)
    return d.weekday() < 5 and d not in _REGULATION[d.year]


def oracle_deadline(start: date, days: int) -> date:
    d = start
    while days:
        d += timedelta(days=1)
        days -= oracle_is_working_day(d)
    return d


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


def _schedules() -> dict[int, YearSchedule]:
    return {year: BARE.schedule(year) for year in BARE.years}


class _CountingProvider:
    def __init__(self, version: str = "test provider 1") -> None:
        self.version = version
        self.asked: list[int] = []

    def of_year(self, year: int) -> Mapping[date, str]:
        self.asked.append(year)
        return {date(year, 1, 1): "元旦"}


# --- the loaded data ------------------------------------------------------------------------


def test_shipped_calendar_knows_2004_to_2026_and_has_a_stable_version() -> None:
    assert CAL.years == tuple(range(2004, 2027))
    assert CAL.knows(2004) and CAL.knows(2025) and not CAL.knows(2027) and not CAL.knows(2003)
    assert re.fullmatch(r"cn-official:2004-2026\+statutory:sha256:[0-9a-f]{12}", CAL.version)
    assert re.fullmatch(r"cn-official:2004-2026:sha256:[0-9a-f]{12}", BARE.version)
    assert OfficialCalendar.shipped(STATUTORY_HOLIDAYS) is CAL
    assert OfficialCalendar.shipped() is BARE


def test_version_ignores_json_layout_but_not_content() -> None:
    doc = _shipped_json()
    reformatted = json.dumps(doc, ensure_ascii=True, indent=None).encode()
    assert OfficialCalendar.from_json_bytes(reformatted).version == BARE.version
    assert OfficialCalendar.from_json_bytes(reformatted, STATUTORY_HOLIDAYS).version == CAL.version
    doc["years"]["2025"]["make_up_working_days"].remove("2025-10-11")
    changed = OfficialCalendar.from_json_bytes(json.dumps(doc).encode(), STATUTORY_HOLIDAYS)
    assert changed.version != CAL.version
    assert changed.version.startswith("cn-official:2004-2026+statutory:sha256:")


def test_version_changes_with_the_statutory_provider() -> None:
    # given the same notices, counted with two releases of a statutory provider
    first = OfficialCalendar(_schedules(), _CountingProvider("test provider 1"))
    second = OfficialCalendar(_schedules(), _CountingProvider("test provider 2"))
    # then each gives another version, and none is the weekends-only one
    assert len({first.version, second.version, BARE.version, CAL.version}) == 4
    assert OfficialCalendar(_schedules(), _CountingProvider("test provider 1")).version == first.version
    # and loading a notice keeps the provider
    assert "+statutory" in first.with_year(_test_2027()).version
    assert first.with_year(_test_2027()).provisional(2028) is not None


def test_version_names_the_years_as_spans() -> None:
    schedules = {y: s for y, s in _schedules().items() if y != 2010}
    assert OfficialCalendar(schedules).version.startswith("cn-official:2004-2009,2011-2026:sha256:")
    assert OfficialCalendar({2024: BARE.schedule(2024)}).version.startswith("cn-official:2024:sha256:")


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
    d, checked = date(2004, 1, 1), 0
    while d <= date(2026, 12, 31):
        expected = bool(chinese_calendar.is_workday(d)) or d in MISSED_MAKE_UP_DAYS
        assert CAL.is_working_day(d) == expected, CAL.explain_day(d)
        assert BARE.is_working_day(d) == expected, d
        d += timedelta(days=1)
        checked += 1
    assert checked == (date(2027, 1, 1) - date(2004, 1, 1)).days


def test_the_one_day_chinese_calendar_misses_is_the_2006_notices_make_up_saturday() -> None:
    # chinese-calendar counts Sat 31 Dec 2005 as a weekend; the 2006 notice made it a working day.
    assert MISSED_MAKE_UP_DAYS == (date(2005, 12, 31),)
    assert not chinese_calendar.is_workday(date(2005, 12, 31))
    assert CAL.explain_day(date(2005, 12, 31)) == "2005-12-31 (Sat): make-up working day (调休上班)"
    assert "国务院办公厅关于2006年部分节假日安排的通知" in CAL.schedule(2005).notice


@settings(max_examples=400, deadline=None)
@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31)))
def test_property_any_day_2004_to_2026_agrees_with_chinese_calendar(d: date) -> None:
    assert CAL.is_working_day(d) == oracle_is_working_day(d), CAL.explain_day(d)


def test_every_shipped_year_names_its_notice() -> None:
    for year in CAL.years:
        notice = CAL.schedule(year).notice
        assert f"{year}年部分节假日安排的通知" in notice or "国办发明电" in notice, year


def test_explain_day_names_holiday_make_up_weekend_and_working_day() -> None:
    assert CAL.explain_day(date(2024, 10, 1)) == "2024-10-01 (Tue): 国庆节 holiday"
    assert CAL.explain_day(date(2025, 9, 28)) == "2025-09-28 (Sun): make-up working day (调休上班)"
    assert CAL.explain_day(date(2024, 10, 12)) == "2024-10-12 (Sat): make-up working day (调休上班)"
    assert CAL.explain_day(date(2024, 9, 21)) == "2024-09-21 (Sat): weekend"
    assert CAL.explain_day(date(2024, 9, 30)) == "2024-09-30 (Mon): working day"
    assert CAL.explain_day(date(2011, 12, 31)) == "2011-12-31 (Sat): make-up working day (调休上班)"
    assert CAL.explain_day(date(2015, 9, 3)) == (
        "2015-09-03 (Thu): 中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日 holiday"
    )


def test_next_working_day_is_strictly_after_and_skips_holidays() -> None:
    assert CAL.next_working_day(date(2024, 9, 30)) == date(2024, 10, 8)
    assert CAL.next_working_day(date(2024, 10, 8)) == date(2024, 10, 9)
    assert CAL.next_working_day(date(2025, 9, 26)) == date(2025, 9, 28)
    assert CAL.next_working_day(date(2019, 4, 30)) == date(2019, 5, 5)  # the adjusted 2019 notice
    assert CAL.next_working_day(date(2020, 1, 23)) == date(2020, 2, 3)  # the 2020 extension


# --- the provisional calendar: 2027 has no notice -------------------------------------------


def test_2027_rests_on_each_statutory_holiday_and_its_days_off_in_lieu() -> None:
    # given no notice for 2027
    assert not CAL.knows(2027)
    # when the calendar counts the year
    provisional = CAL.provisional(2027)
    # then the statutory days of the regulation rest, named for their holiday
    assert provisional == ProvisionalYear(
        year=2027,
        holidays={
            date(2027, 1, 1): "元旦",
            date(2027, 2, 5): "春节", date(2027, 2, 6): "春节", date(2027, 2, 7): "春节", date(2027, 2, 8): "春节",
            date(2027, 4, 5): "清明节",
            date(2027, 5, 1): "劳动节", date(2027, 5, 2): "劳动节",
            date(2027, 6, 9): "端午节",
            date(2027, 9, 15): "中秋节",
            date(2027, 10, 1): "国庆节", date(2027, 10, 2): "国庆节", date(2027, 10, 3): "国庆节",
        },
        # and each one on a Saturday or Sunday gives the next free working day off (art. 6)
        in_lieu={
            date(2027, 2, 9): date(2027, 2, 6), date(2027, 2, 10): date(2027, 2, 7),
            date(2027, 5, 3): date(2027, 5, 1), date(2027, 5, 4): date(2027, 5, 2),
            date(2027, 10, 4): date(2027, 10, 2), date(2027, 10, 5): date(2027, 10, 3),
        },
    )
    assert not CAL.is_working_day(date(2027, 1, 1))  # a Friday, 元旦
    assert CAL.explain_day(date(2027, 1, 1)) == f"2027-01-01 (Fri): 元旦 statutory holiday {NOTE_2027}"
    assert CAL.explain_day(date(2027, 10, 5)) == (
        f"2027-10-05 (Tue): 国庆节 day off in lieu (补假) of 2027-10-03 (Sun) {NOTE_2027}"
    )
    assert CAL.explain_day(date(2027, 1, 9)) == f"2027-01-09 (Sat): weekend {NOTE_2027}"
    assert CAL.explain_day(date(2027, 10, 6)) == f"2027-10-06 (Wed): working day {NOTE_2027}"


def test_every_day_of_2027_agrees_with_the_regulation() -> None:
    d = date(2027, 1, 1)
    rest_days = 0
    while d.year == 2027:
        assert CAL.is_working_day(d) == oracle_is_working_day(d), CAL.explain_day(d)
        rest_days += not CAL.is_working_day(d)
        d += timedelta(days=1)
    # 104 weekend days, 7 statutory days on weekdays, 6 days off in lieu.
    assert rest_days == 104 + 7 + 6


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(2027, 1, 1), max_value=date(2099, 12, 31)))
def test_property_any_day_of_a_year_without_notice_agrees_with_the_regulation(d: date) -> None:
    assert CAL.is_working_day(d) == oracle_is_working_day(d), CAL.explain_day(d)


def test_a_mid_autumn_festival_within_national_day_is_one_day_named_for_both() -> None:
    # 2039: 中秋 on Sun 2 Oct, inside 国庆 (Sat 1 - Mon 3 Oct); two weekend days, two days in lieu.
    provisional = CAL.provisional(2039)
    assert provisional is not None
    assert provisional.holidays[date(2039, 10, 2)] == "中秋节、国庆节"
    october = {d: weekend_day for d, weekend_day in provisional.in_lieu.items() if d.month == 10}
    assert october == {date(2039, 10, 4): date(2039, 10, 1), date(2039, 10, 5): date(2039, 10, 2)}
    assert CAL.next_working_day(date(2039, 9, 30)) == date(2039, 10, 6)


def test_the_day_in_lieu_comes_after_the_whole_holiday() -> None:
    # given a Saturday holiday followed by two weekday holidays, and a Sunday one
    statutory = {
        date(2031, 3, 1): "甲",  # Sat
        date(2031, 3, 2): "甲",  # Sun
        date(2031, 3, 3): "甲",  # Mon
        date(2031, 3, 4): "乙",  # Tue
        date(2031, 3, 9): "丙",  # Sun
    }
    # when art. 6 is applied
    year = provisional_year(2031, statutory)
    # then the days in lieu follow the run of holidays, and one never takes another's day
    assert year.in_lieu == {
        date(2031, 3, 5): date(2031, 3, 1),
        date(2031, 3, 6): date(2031, 3, 2),
        date(2031, 3, 10): date(2031, 3, 9),
    }
    assert year.rests(date(2031, 3, 8)) and not year.rests(date(2031, 3, 7))
    with pytest.raises(ValueError, match="2030-12-31"):
        provisional_year(2031, {date(2030, 12, 31): "元旦"})


def test_a_year_before_the_amended_regulation_or_without_a_provider_counts_weekends_only() -> None:
    # 2003 predates the notices shipped and the amended regulation: weekends only, and said so.
    assert CAL.provisional(2003) is None
    assert CAL.is_working_day(date(2003, 10, 1))
    assert CAL.explain_day(date(2003, 10, 1)) == (
        "2003-10-01 (Wed): working day [no official notice loaded for 2003: weekends only]"
    )
    assert BARE.provisional(2027) is None
    assert BARE.is_working_day(date(2027, 1, 1))
    assert BARE.explain_day(date(2027, 1, 1)) == (
        "2027-01-01 (Fri): working day [no official notice loaded for 2027: weekends only]"
    )
    deadline = working_day_deadline(date(2026, 12, 29), 5, BARE, start_label=TRANSFER)
    assert deadline.due_on == date(2027, 1, 5) and deadline.provisional is True
    assert deadline.derivation[-1] == (
        "provisional: no official holiday notice loaded for 2027; weekends only were skipped"
        " there — recomputed when the notice is loaded"
    )


def test_the_statutory_dates_are_asked_once_per_year() -> None:
    provider = _CountingProvider()
    calendar = OfficialCalendar(_schedules(), provider)
    for _ in range(3):
        working_day_deadline(date(2027, 12, 20), 10, calendar, start_label=TRANSFER)
    assert sorted(provider.asked) == [2027, 2028]
    assert calendar.provisional(2026) is None and provider.asked.count(2026) == 0


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


def test_received_on_the_2027_labour_day_weekend_is_accepted_after_the_days_in_lieu() -> None:
    # given an intake at 09:30 on Sat 1 May 2027, a statutory holiday without a notice
    received_at = datetime(2027, 5, 1, 9, 30, tzinfo=SHANGHAI)
    # when acceptance is deemed
    acceptance = deemed_acceptance(received_at, CAL)
    # then it is the first day after 劳动节 (1-2 May) and its days in lieu (3-4 May)
    assert (acceptance.received_on, acceptance.accepted_on) == (date(2027, 5, 1), date(2027, 5, 5))
    assert acceptance.provisional is True
    assert acceptance.derivation[1:-2] == (
        f"skipped 2027-05-01 (Sat): 劳动节 statutory holiday {NOTE_2027}",
        f"skipped 2027-05-02 (Sun): 劳动节 statutory holiday {NOTE_2027}",
        f"skipped 2027-05-03 (Mon): 劳动节 day off in lieu (补假) of 2027-05-01 (Sat) {NOTE_2027}",
        f"skipped 2027-05-04 (Tue): 劳动节 day off in lieu (补假) of 2027-05-02 (Sun) {NOTE_2027}",
        "accepted: 2027-05-05 (Wed), the next working day after receipt",
    )
    assert acceptance.derivation[-1] == CLOSING_2027


@pytest.mark.parametrize(
    ("received_at", "accepted_on"),
    [
        ("2027-01-01T02:00:00", date(2027, 1, 4)),  # Fri 元旦, 10:00 in Shanghai
        ("2027-02-07T15:59:59", date(2027, 2, 11)),  # 23:59:59 Sun, 春节 初二
        ("2027-02-07T16:00:00", date(2027, 2, 11)),  # 00:00 Mon, 初三
        ("2027-02-10T16:30:00", date(2027, 2, 11)),  # 00:30 Thu, the first working day
        ("2027-04-05T06:00:00", date(2027, 4, 6)),  # Mon 清明
        ("2027-06-09T09:00:00", date(2027, 6, 10)),  # Wed 端午
        ("2027-09-15T01:00:00", date(2027, 9, 16)),  # Wed 中秋
        ("2027-10-04T23:00:00", date(2027, 10, 6)),  # 07:00 Tue 5 Oct, a day in lieu
        ("2027-09-30T15:59:00", date(2027, 9, 30)),  # 23:59 Thu 30 Sep, a working day
    ],
)
def test_rest_day_intakes_in_2027_are_deemed_accepted_on_the_next_working_day(
    received_at: str, accepted_on: date
) -> None:
    acceptance = deemed_acceptance(_utc(received_at), CAL)
    assert acceptance.accepted_on == accepted_on
    assert acceptance.provisional is True
    local_day = _utc(received_at).astimezone(SHANGHAI).date()
    assert accepted_on == (local_day if oracle_is_working_day(local_day) else oracle_deadline(local_day, 1))


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
        # Spring Festival 2027, provisional: off 5-8 Feb, days in lieu 9-10 Feb.
        (date(2027, 2, 3), date(2027, 2, 16), date(2027, 2, 23)),
        # National Day 2027, provisional: off 1-3 Oct, days in lieu 4-5 Oct.
        (date(2027, 9, 29), date(2027, 10, 11), date(2027, 10, 18)),
    ],
)
def test_five_and_ten_working_days_across_the_long_holidays(
    start: date, five: date, ten: date
) -> None:
    assert _deadline(start, 5, TRANSFER) == five == oracle_deadline(start, 5)
    assert _deadline(start, 10, TRANSFER) == ten == oracle_deadline(start, 10)


_STARTS = [
    date(2004, 9, 29), date(2008, 2, 1), date(2012, 9, 27), date(2015, 9, 2), date(2019, 4, 26),
    date(2020, 1, 22), date(2023, 9, 27), date(2023, 12, 28),
    date(2024, 1, 31), date(2024, 4, 3), date(2024, 5, 10), date(2024, 6, 7), date(2024, 9, 13),
    date(2024, 12, 27), date(2025, 1, 27), date(2025, 4, 25), date(2025, 5, 30), date(2025, 10, 9),
    date(2025, 12, 31), date(2026, 1, 2), date(2026, 4, 2), date(2026, 5, 8), date(2026, 6, 18),
    date(2026, 9, 18), date(2026, 9, 24), date(2026, 12, 23), date(2026, 12, 31),
    date(2027, 1, 8), date(2027, 2, 4), date(2027, 3, 31), date(2027, 4, 30), date(2027, 6, 8),
    date(2027, 9, 13), date(2027, 9, 30), date(2027, 10, 8), date(2027, 12, 24),
]


@pytest.mark.parametrize("start", _STARTS, ids=str)
@pytest.mark.parametrize("days", [1, 5, 10])
def test_working_day_deadlines_agree_with_the_oracles(start: date, days: int) -> None:
    deadline = working_day_deadline(start, days, CAL, start_label=TRANSFER)
    assert deadline.due_on == oracle_deadline(start, days)
    assert deadline.provisional is (deadline.due_on.year > LAST_NOTICE)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2028, 12, 15)), st.integers(1, 10))
def test_property_any_deadline_agrees_with_the_oracles(start: date, days: int) -> None:
    deadline = working_day_deadline(start, days, CAL, start_label=TRANSFER)
    assert deadline.due_on == oracle_deadline(start, days)
    assert deadline.provisional is (deadline.due_on.year > LAST_NOTICE)
    counted = [line for line in deadline.derivation if line.startswith("counted ")]
    assert len(counted) == days


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


def test_a_deadline_over_national_day_2027_names_each_provisional_day_off() -> None:
    # given a case accepted on Thu 30 Sep 2027, with no 2027 notice loaded
    # when its one-working-day transfer deadline is computed
    deadline = working_day_deadline(date(2027, 9, 30), 1, CAL, start_label=ACCEPTANCE)
    # then 国庆节 and its two days in lieu are skipped, and the deadline stays provisional
    assert deadline.due_on == date(2027, 10, 6)
    assert deadline.due_at == _utc("2027-10-06T16:00:00")
    assert deadline.provisional is True
    assert deadline.derivation == (
        "start: 2027-09-30 (Thu), the day of acceptance; not counted (Civil Code art. 201)",
        "rule: due by the end (24:00 Asia/Shanghai) of the 1st working day after the start",
        f"skipped 2027-10-01 (Fri): 国庆节 statutory holiday {NOTE_2027}",
        f"skipped 2027-10-02 (Sat): 国庆节 statutory holiday {NOTE_2027}",
        f"skipped 2027-10-03 (Sun): 国庆节 statutory holiday {NOTE_2027}",
        f"skipped 2027-10-04 (Mon): 国庆节 day off in lieu (补假) of 2027-10-02 (Sat) {NOTE_2027}",
        f"skipped 2027-10-05 (Tue): 国庆节 day off in lieu (补假) of 2027-10-03 (Sun) {NOTE_2027}",
        f"counted 2027-10-06 (Wed): working day {NOTE_2027} = working day 1 of 1",
        "due: end of 2027-10-06 (Wed) = 2027-10-06T16:00:00Z",
        f"calendar: {CAL.version}",
        CLOSING_2027,
    )


def test_deadline_into_2027_skips_new_years_day_and_is_provisional() -> None:
    # Wed 30 Dec, Thu 31 Dec; Fri 1 Jan 2027 is 元旦 although no notice says so; Mon 4 - Wed 6 Jan.
    deadline = working_day_deadline(date(2026, 12, 29), 5, CAL, start_label=TRANSFER)
    assert deadline.due_on == date(2027, 1, 6)
    assert deadline.due_at == _utc("2027-01-06T16:00:00")
    assert deadline.provisional is True
    assert f"skipped 2027-01-01 (Fri): 元旦 statutory holiday {NOTE_2027}" in deadline.derivation
    assert "counted 2026-12-31 (Thu): working day 2 of 5" in deadline.derivation
    assert deadline.derivation[-1] == CLOSING_2027


def test_deadline_wholly_inside_2026_is_not_provisional() -> None:
    deadline = working_day_deadline(date(2026, 12, 24), 5, CAL, start_label=TRANSFER)
    assert deadline.due_on == date(2026, 12, 31)
    assert deadline.provisional is False
    assert not any(line.startswith("provisional:") for line in deadline.derivation)


def test_loading_a_2027_schedule_recomputes_the_deadline_as_final() -> None:
    # given a provisional deadline into 2027
    provisional = working_day_deadline(date(2026, 12, 30), 5, CAL, start_label=TRANSFER)
    assert (provisional.due_on, provisional.provisional) == (date(2027, 1, 7), True)
    # when a 2027 notice is loaded
    with_2027 = CAL.with_year(_test_2027())
    deadline = working_day_deadline(date(2026, 12, 30), 5, with_2027, start_label=TRANSFER)
    # then the calendar has a new version and the deadline is final, counted on the notice
    assert with_2027.years == (*range(2004, 2027), 2027)
    assert CAL.years == tuple(range(2004, 2027))  # the original is unchanged
    assert with_2027.version.startswith("cn-official:2004-2027+statutory:sha256:")
    assert with_2027.version != CAL.version
    assert deadline.due_on == date(2027, 1, 7)
    assert deadline.provisional is False
    assert deadline != provisional
    assert deadline.calendar_version == with_2027.version
    assert "skipped 2027-01-01 (Fri): 元旦 holiday" in deadline.derivation
    assert with_2027.provisional(2027) is None


def test_a_notice_with_make_up_days_replaces_the_days_in_lieu() -> None:
    # given a 2027 notice that moves the 国庆 days off and sets a make-up Saturday
    notice = YearSchedule(
        year=2027, notice="test schedule, not an official notice",
        days_off={date(2027, 10, d): "国庆节" for d in range(1, 8)},
        make_up_working_days=(date(2027, 10, 9),),
    )
    before = working_day_deadline(date(2027, 9, 30), 3, CAL, start_label=TRANSFER)
    # when it is loaded
    after = working_day_deadline(date(2027, 9, 30), 3, CAL.with_year(notice), start_label=TRANSFER)
    # then the deadline follows the notice, not the provisional rule
    assert (before.due_on, before.provisional) == (date(2027, 10, 8), True)
    assert (after.due_on, after.provisional) == (date(2027, 10, 11), False)


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
    period = period_in_days(date(2024, 8, 2), 60, CAL, label=KNOWN)
    assert period.nominal_end == date(2024, 10, 1)
    assert period.last_day == date(2024, 10, 8)
    assert period.due_at == _utc("2024-10-08T16:00:00")
    assert period.provisional is False
    assert [line for line in period.derivation if line.startswith("skipped ")] == [
        f"skipped {CAL.explain_day(date(2024, 10, d))}" for d in range(1, 8)
    ]


def test_period_ending_on_a_plain_weekday_or_make_up_day_stays() -> None:
    weekday = period_in_days(date(2024, 9, 2), 60, CAL, label=KNOWN)
    assert weekday.nominal_end == weekday.last_day == date(2024, 11, 1)  # a Friday
    make_up = period_in_days(date(2024, 9, 27), 15, CAL, label="the day of the decision")
    assert make_up.nominal_end == make_up.last_day == date(2024, 10, 12)  # make-up Saturday
    weekend = period_in_days(date(2024, 11, 1), 15, CAL, label="the day of the decision")
    assert (weekend.nominal_end, weekend.last_day) == (date(2024, 11, 16), date(2024, 11, 18))


def test_six_months_uses_the_corresponding_day_or_the_last_day_of_the_month() -> None:
    from_31_aug = period_in_months(date(2024, 8, 31), 6, CAL, label=KNOWN)
    assert from_31_aug.nominal_end == from_31_aug.last_day == date(2025, 2, 28)  # a Friday
    from_31_mar = period_in_months(date(2025, 3, 31), 6, CAL, label=KNOWN)
    assert from_31_mar.nominal_end == from_31_mar.last_day == date(2025, 9, 30)  # a Tuesday
    assert from_31_mar.due_at == _utc("2025-09-30T16:00:00")
    leap = period_in_months(date(2023, 8, 31), 6, CAL, label=KNOWN)
    assert leap.last_day == date(2024, 2, 29)
    across_year = period_in_months(date(2024, 11, 15), 3, CAL, label=KNOWN)
    assert across_year.last_day == date(2025, 2, 17)  # Sat 15 Feb -> Mon 17 Feb
    on_holiday = period_in_months(date(2024, 4, 1), 6, CAL, label=KNOWN)
    assert (on_holiday.nominal_end, on_holiday.last_day) == (date(2024, 10, 1), date(2024, 10, 8))


def test_a_remedy_window_whose_last_day_is_national_day_2027_moves_past_the_days_in_lieu() -> None:
    # given a reconsideration window of 60 days from Mon 2 Aug 2027
    # when its nominal last day, Fri 1 Oct 2027, is a provisional statutory holiday
    period = period_in_days(date(2027, 8, 2), 60, CAL, label=KNOWN)
    # then the last day moves past 国庆节 and its days in lieu, and stays provisional
    assert (period.nominal_end, period.last_day) == (date(2027, 10, 1), date(2027, 10, 6))
    assert period.due_at == _utc("2027-10-06T16:00:00")
    assert period.provisional is True
    assert period.derivation[3:] == (
        f"skipped 2027-10-01 (Fri): 国庆节 statutory holiday {NOTE_2027}",
        f"skipped 2027-10-02 (Sat): 国庆节 statutory holiday {NOTE_2027}",
        f"skipped 2027-10-03 (Sun): 国庆节 statutory holiday {NOTE_2027}",
        f"skipped 2027-10-04 (Mon): 国庆节 day off in lieu (补假) of 2027-10-02 (Sat) {NOTE_2027}",
        f"skipped 2027-10-05 (Tue): 国庆节 day off in lieu (补假) of 2027-10-03 (Sun) {NOTE_2027}",
        "last day: 2027-10-06 (Wed), the next working day",
        "due: end of 2027-10-06 (Wed) = 2027-10-06T16:00:00Z",
        f"calendar: {CAL.version}",
        CLOSING_2027,
    )


@pytest.mark.parametrize(
    ("period", "nominal_end", "last_day"),
    [
        # 15 days after a decision on Fri 22 Jan 2027: Sat 6 Feb is 春节 初一.
        (lambda: period_in_days(date(2027, 1, 22), 15, CAL, label="the day of the decision"),
         date(2027, 2, 6), date(2027, 2, 11)),
        # 30 days from Sat 6 Mar 2027: Mon 5 Apr is 清明.
        (lambda: period_in_days(date(2027, 3, 6), 30, CAL, label=KNOWN), date(2027, 4, 5), date(2027, 4, 6)),
        # 30 days from Sat 3 Apr 2027: Mon 3 May is a day in lieu of 劳动节.
        (lambda: period_in_days(date(2027, 4, 3), 30, CAL, label=KNOWN), date(2027, 5, 3), date(2027, 5, 5)),
        # 6 months from Wed 9 Dec 2026: Wed 9 Jun 2027 is 端午.
        (lambda: period_in_months(date(2026, 12, 9), 6, CAL, label=KNOWN), date(2027, 6, 9), date(2027, 6, 10)),
        # 6 months from Mon 15 Mar 2027: Wed 15 Sep 2027 is 中秋.
        (lambda: period_in_months(date(2027, 3, 15), 6, CAL, label=KNOWN), date(2027, 9, 15), date(2027, 9, 16)),
        # 60 days from Wed 2 Nov 2026: Fri 1 Jan 2027 is 元旦.
        (lambda: period_in_days(date(2026, 11, 2), 60, CAL, label=KNOWN), date(2027, 1, 1), date(2027, 1, 4)),
    ],
)
def test_remedy_windows_ending_on_a_provisional_holiday(period: Any, nominal_end: date, last_day: date) -> None:
    result: CalendarPeriodEnd = period()
    assert (result.nominal_end, result.last_day) == (nominal_end, last_day)
    assert result.last_day == oracle_deadline(result.nominal_end - timedelta(days=1), 1)
    assert result.provisional is True
    assert result.derivation[-1] == CLOSING_2027
    assert any(line.startswith("skipped ") and line.endswith(NOTE_2027) for line in result.derivation)


def test_period_ending_in_an_unknown_year_is_provisional() -> None:
    period = period_in_months(date(2026, 7, 2), 6, CAL, label=KNOWN)
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
        period_in_days(date(2024, 8, 2), 60, CAL, label=KNOWN),
        period_in_months(date(2024, 8, 31), 6, CAL, label=KNOWN),
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
