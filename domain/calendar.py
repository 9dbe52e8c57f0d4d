"""Working days and deadlines under the State Council's yearly holiday notices.

Rules (docs/domain.md, "Deadlines and the calendar"): the start day is not counted (Civil Code
art. 201); a deadline ends at 24:00 Asia/Shanghai; a year without a loaded notice is never
guessed: it counts weekends and the statutory holidays with their days off in lieu (see
domain/provisional.py; weekends only where no statutory rule is given or applies), and everything
touching it is marked provisional.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from domain.provisional import (
    STATUTORY_RULE,
    STATUTORY_RULE_FROM,
    ProvisionalYear,
    StatutoryHolidays,
    provisional_year,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Fixed names rather than strftime("%a"), which follows the process locale.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DATA_PACKAGE = "domain.data"
_DATA_FILE = "cn-official-calendar.json"
_ART_201 = "not counted (Civil Code art. 201)"


class CalendarError(ValueError):
    """Malformed schedule data."""


class YearSchedule(msgspec.Struct, frozen=True):
    year: int
    notice: str
    days_off: dict[date, str]
    make_up_working_days: tuple[date, ...]


class _RawYear(msgspec.Struct, forbid_unknown_fields=True):
    notice: str
    days_off: dict[str, list[date]]
    make_up_working_days: list[date]


def _label(d: date) -> str:
    return f"{d.isoformat()} ({_WEEKDAYS[d.weekday()]})"


def _utc(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _check_schedule(s: YearSchedule) -> None:
    for d in (*s.days_off, *s.make_up_working_days):
        if d.year != s.year:
            raise CalendarError(f"{d.isoformat()} is listed in the schedule for {s.year}")
    if len(set(s.make_up_working_days)) != len(s.make_up_working_days):
        raise CalendarError(f"a make-up working day is listed twice in {s.year}")
    for d in s.make_up_working_days:
        if d in s.days_off:
            raise CalendarError(f"{_label(d)} is both a day off and a make-up working day")
        # Make-up days replace weekend rest; a weekday one can only be a data error.
        if d.weekday() < 5:
            raise CalendarError(f"make-up working day {_label(d)} is not a Saturday or Sunday")


def parse_year_schedule(year: int, raw: dict[str, Any]) -> YearSchedule:
    """One entry of the data file's "years", validated."""
    try:
        parsed = msgspec.convert(raw, _RawYear)
    except msgspec.ValidationError as exc:
        raise CalendarError(f"schedule for {year}: {exc}") from exc
    days_off: dict[date, str] = {}
    for name, dates in parsed.days_off.items():
        for d in dates:
            if d in days_off:
                raise CalendarError(f"{_label(d)} is listed twice as a day off in {year}")
            days_off[d] = name
    schedule = YearSchedule(
        year=year,
        notice=parsed.notice,
        days_off=dict(sorted(days_off.items())),
        make_up_working_days=tuple(sorted(parsed.make_up_working_days)),
    )
    _check_schedule(schedule)
    return schedule


@functools.cache
def _shipped(statutory: StatutoryHolidays | None) -> OfficialCalendar:
    data = importlib.resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_bytes()
    return OfficialCalendar.from_json_bytes(data, statutory)


def _spans(years: Iterable[int]) -> Iterator[str]:
    """2004-2026 rather than 23 numbers: the version is repeated in every derivation."""
    ordered = sorted(years)
    for i, year in enumerate(ordered):
        if i and ordered[i - 1] == year - 1:
            continue
        last = year
        while last + 1 in ordered:
            last += 1
        yield str(year) if last == year else f"{year}-{last}"


class OfficialCalendar:
    """Immutable: schedules are copied in, and with_year returns a new calendar.

    `statutory` gives the statutory holiday dates for the years without a notice; without it such
    years count weekends only."""

    def __init__(self, years: Mapping[int, YearSchedule], statutory: StatutoryHolidays | None = None) -> None:
        for year, schedule in years.items():
            if year != schedule.year:
                raise CalendarError(f"schedule for {schedule.year} filed under {year}")
            _check_schedule(schedule)
        self._years = {y: years[y] for y in sorted(years)}
        self._off = {d: n for s in self._years.values() for d, n in s.days_off.items()}
        self._make_up = frozenset(d for s in self._years.values() for d in s.make_up_working_days)
        self._statutory = statutory
        # Filled on first use: the command path asks for a handful of years, never all of them.
        self._provisional: dict[int, ProvisionalYear | None] = {}
        # The version must change whenever a rule or notice changes, but not with JSON layout
        # or listing order, so hash a canonical form rather than the file bytes. The statutory
        # rule and its provider are inputs too: they decide every provisional deadline.
        canonical: list[Any] = [
            [s.year, s.notice, sorted((d.isoformat(), n) for d, n in s.days_off.items()),
             sorted(d.isoformat() for d in s.make_up_working_days)]
            for s in self._years.values()
        ]
        rule = ""
        if statutory is not None:
            canonical.append([STATUTORY_RULE, STATUTORY_RULE_FROM, statutory.version])
            rule = "+statutory"
        digest = hashlib.sha256(msgspec.json.encode(canonical)).hexdigest()[:12]
        self._version = f"cn-official:{','.join(_spans(self._years))}{rule}:sha256:{digest}"

    @classmethod
    def from_json_bytes(cls, data: bytes, statutory: StatutoryHolidays | None = None) -> OfficialCalendar:
        try:
            doc = msgspec.json.decode(data, type=dict[str, Any])
            years = msgspec.convert(doc.get("years"), dict[int, dict[str, Any]], strict=False)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise CalendarError(f"calendar data: {exc}") from exc
        return cls({y: parse_year_schedule(y, raw) for y, raw in years.items()}, statutory)

    @classmethod
    def shipped(cls, statutory: StatutoryHolidays | None = None) -> OfficialCalendar:
        """The notices shipped in domain/data, one shared instance per statutory provider."""
        return _shipped(statutory)

    def with_year(self, schedule: YearSchedule) -> OfficialCalendar:
        return OfficialCalendar({**self._years, schedule.year: schedule}, self._statutory)

    @property
    def version(self) -> str:
        return self._version

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(self._years)

    def schedule(self, year: int) -> YearSchedule:
        return self._years[year]

    def knows(self, year: int) -> bool:
        return year in self._years

    def provisional(self, year: int) -> ProvisionalYear | None:
        """The statutory days off of a year without a notice; None for a year with a notice, or
        one counted on weekends only (no provider, or before the amended regulation)."""
        try:
            return self._provisional[year]
        except KeyError:
            pass
        found = None
        if self._statutory is not None and year >= STATUTORY_RULE_FROM and year not in self._years:
            found = provisional_year(year, self._statutory.of_year(year))
        self._provisional[year] = found
        return found

    def is_working_day(self, d: date) -> bool:
        if d.year in self._years:
            return d in self._make_up or (d not in self._off and d.weekday() < 5)
        provisional = self.provisional(d.year)
        return d.weekday() < 5 if provisional is None else not provisional.rests(d)

    def explain_day(self, d: date) -> str:
        if not self.knows(d.year):
            return self._explain_unknown(d)
        if d in self._make_up:
            text = "make-up working day (调休上班)"
        elif d in self._off:
            text = f"{self._off[d]} holiday"
        else:
            text = "weekend" if d.weekday() >= 5 else "working day"
        return f"{_label(d)}: {text}"

    def _explain_unknown(self, d: date) -> str:
        provisional = self.provisional(d.year)
        plain = "weekend" if d.weekday() >= 5 else "working day"
        if provisional is None:
            return f"{_label(d)}: {plain} [no official notice loaded for {d.year}: weekends only]"
        if d in provisional.holidays:
            text = f"{provisional.holidays[d]} statutory holiday"
        elif d in provisional.in_lieu:
            weekend_day = provisional.in_lieu[d]
            text = f"{provisional.holidays[weekend_day]} day off in lieu (补假) of {_label(weekend_day)}"
        else:
            text = plain
        return f"{_label(d)}: {text} (provisional: no notice loaded for {d.year})"

    def next_working_day(self, d: date) -> date:
        d += timedelta(days=1)
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def __repr__(self) -> str:
        return f"OfficialCalendar({self._version!r})"


def _end_of_day_utc(d: date) -> datetime:
    return datetime.combine(d + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC)


def _closing(calendar: OfficialCalendar, examined: Iterable[date]) -> tuple[bool, list[str]]:
    """Whether the result is provisional, and the derivation's closing lines."""
    unknown = sorted({d.year for d in examined if not calendar.knows(d.year)})
    statutory = [y for y in unknown if calendar.provisional(y) is not None]
    weekends_only = [y for y in unknown if y not in statutory]
    lines = [f"calendar: {calendar.version}"]
    if statutory:
        lines.append(
            f"provisional: no official holiday notice loaded for {', '.join(map(str, statutory))};"
            " weekends and the statutory holidays of 全国年节及纪念日放假办法 with their days off in"
            " lieu (补假, art. 6) were skipped there, make-up working days are not known"
            " — recomputed when the notice is loaded"
        )
    if weekends_only:
        lines.append(
            f"provisional: no official holiday notice loaded for {', '.join(map(str, weekends_only))};"
            " weekends only were skipped there — recomputed when the notice is loaded"
        )
    return bool(unknown), lines


class Acceptance(msgspec.Struct, frozen=True):
    received_on: date
    accepted_on: date
    provisional: bool
    derivation: tuple[str, ...]


def deemed_acceptance(received_at: datetime, calendar: OfficialCalendar) -> Acceptance:
    """A case received on a non-working day is deemed accepted on the next working day."""
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("received_at must be timezone-aware")
    local = received_at.astimezone(SHANGHAI)
    received_on = local.date()
    lines = [f"received: {local:%Y-%m-%d %H:%M} Asia/Shanghai ({_utc(received_at)})"]
    if calendar.is_working_day(received_on):
        accepted_on = received_on
        lines.append(f"accepted: {_label(accepted_on)}, the day of receipt (a working day)")
    else:
        accepted_on = calendar.next_working_day(received_on)
        skipped = _days(received_on, accepted_on)[:-1]
        lines += [f"skipped {calendar.explain_day(d)}" for d in skipped]
        lines.append(f"accepted: {_label(accepted_on)}, the next working day after receipt")
    provisional, closing = _closing(calendar, _days(received_on, accepted_on))
    return Acceptance(received_on, accepted_on, provisional, tuple(lines + closing))


class WorkingDayDeadline(msgspec.Struct, frozen=True):
    start: date
    days: int
    due_on: date
    due_at: datetime
    provisional: bool
    calendar_version: str
    derivation: tuple[str, ...]


def working_day_deadline(
    start: date, days: int, calendar: OfficialCalendar, *, start_label: str
) -> WorkingDayDeadline:
    """Due by the end of the `days`-th working day after `start` (start itself not counted)."""
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    lines = [
        f"start: {_label(start)}, {start_label}; {_ART_201}",
        (f"rule: due by the end (24:00 Asia/Shanghai) of the {_ordinal(days)} working day after"
         " the start"),
    ]
    # Skipped and counted days are listed in date order, so the walk can be followed day by day.
    d, counted = start, 0
    while counted < days:
        d += timedelta(days=1)
        if calendar.is_working_day(d):
            counted += 1
            day = calendar.explain_day(d)
            # "2024-10-08 (Tue): working day" reads better as "… working day 1 of 1"
            plain = day.endswith(": working day")
            lines.append(f"counted {day} {counted} of {days}" if plain else f"counted {day} = working day {counted} of {days}")
        else:
            lines.append(f"skipped {calendar.explain_day(d)}")
    due_at = _end_of_day_utc(d)
    lines.append(f"due: end of {_label(d)} = {_utc(due_at)}")
    provisional, closing = _closing(calendar, _days(start + timedelta(days=1), d))
    derivation = tuple(lines + closing)
    return WorkingDayDeadline(start, days, d, due_at, provisional, calendar.version, derivation)


class CalendarPeriodEnd(msgspec.Struct, frozen=True):
    start: date
    nominal_end: date
    last_day: date
    due_at: datetime
    provisional: bool
    calendar_version: str
    derivation: tuple[str, ...]


def _period_end(
    start: date, nominal_end: date, calendar: OfficialCalendar, opening: list[str]
) -> CalendarPeriodEnd:
    # Only the last day matters: rest days inside a calendar period never extend it.
    lines = list(opening)
    if calendar.is_working_day(nominal_end):
        last_day = nominal_end
        lines.append(f"last day: {calendar.explain_day(last_day)}")
    else:
        last_day = calendar.next_working_day(nominal_end)
        lines += [f"skipped {calendar.explain_day(d)}" for d in _days(nominal_end, last_day)[:-1]]
        lines.append(f"last day: {_label(last_day)}, the next working day")
    due_at = _end_of_day_utc(last_day)
    lines.append(f"due: end of {_label(last_day)} = {_utc(due_at)}")
    provisional, closing = _closing(calendar, _days(nominal_end, last_day))
    return CalendarPeriodEnd(start, nominal_end, last_day, due_at, provisional,
                             calendar.version, tuple(lines + closing))


def period_in_days(
    start: date, days: int, calendar: OfficialCalendar, *, label: str
) -> CalendarPeriodEnd:
    """A period of calendar days: counting starts the day after `start`."""
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    nominal_end = start + timedelta(days=days)
    return _period_end(start, nominal_end, calendar, [
        f"start: {_label(start)}, {label}; {_ART_201}",
        f"rule: {days} calendar days; a last day that is a rest day moves to the next working day",
        f"nominal end: {_label(nominal_end)} = start + {days} days",
    ])


def period_in_months(
    start: date, months: int, calendar: OfficialCalendar, *, label: str
) -> CalendarPeriodEnd:
    """A period of months (Civil Code art. 202): the corresponding day, or the month's last day."""
    if months < 1:
        raise ValueError(f"months must be >= 1, got {months}")
    year, month0 = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month0 + 1
    month_length = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    nominal_end = date(year, month, min(start.day, month_length))
    how = f"the corresponding day {months} months after the start"
    if start.day > month_length:
        how = f"the last day of the month {months} months after the start (no day {start.day})"
    return _period_end(start, nominal_end, calendar, [
        f"start: {_label(start)}, {label}; {_ART_201}",
        (f"rule: {months} months; the last day is the corresponding day of the month, or that"
         " month's last day if it has none (Civil Code art. 202); a last day that is a rest day"
         " moves to the next working day"),
        f"nominal end: {_label(nominal_end)} = {how}",
    ])
