"""The provisional calendar of a year whose holiday notice is not loaded (docs/domain.md,
"Deadlines and the calendar — decided rules").

Such a year is never guessed: it rests on weekends and on the statutory holidays that
全国年节及纪念日放假办法 (as amended in 2024, in force 2025) fixes every year, and, by its art. 6, a
statutory holiday that falls on a Saturday or Sunday gives a day off (补假) on the next working day
after the holiday. Make-up working days (调休上班) exist only in a notice, so none are assumed.

The statutory dates themselves (lunar dates, the 清明 solar term) come from a calendar library
outside the domain, through a `StatutoryHolidays` provider.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import date, timedelta
from typing import Protocol

import msgspec

# The amended regulation applies from this year on; an earlier year without a notice has no
# statutory rule here (its older versions had other holidays), so it counts weekends only.
STATUTORY_RULE_FROM = 2025
# Identifies the art. 6 rule below in the calendar version: change it whenever the rule changes,
# so that deadlines computed under the old rule are seen to differ.
STATUTORY_RULE = "全国年节及纪念日放假办法 2024, art. 6 补假 on the next working day after the holiday"


class StatutoryHolidays(Hashable, Protocol):
    """The statutory holiday dates of a year, each with its holiday's name (元旦, 春节, …).
    Hashable: the shipped calendar is kept once per provider."""

    @property
    def version(self) -> str:
        """Changes whenever the dates it gives could change (its rule or its library)."""
        ...

    def of_year(self, year: int) -> Mapping[date, str]: ...


class ProvisionalYear(msgspec.Struct, frozen=True):
    year: int
    holidays: dict[date, str]
    # Each 补假 day, with the statutory day on a weekend that it makes up for.
    in_lieu: dict[date, date]

    def rests(self, d: date) -> bool:
        return d.weekday() >= 5 or d in self.holidays or d in self.in_lieu


def provisional_year(year: int, statutory: Mapping[date, str]) -> ProvisionalYear:
    """Art. 6: each statutory day on a Saturday or Sunday gives a day off on the next working day
    after it, a day that is neither a weekend, a statutory day nor another day off in lieu."""
    for d in statutory:
        if d.year != year:
            raise ValueError(f"statutory holiday {d.isoformat()} given for {year}")
    holidays = dict(sorted(statutory.items()))
    in_lieu: dict[date, date] = {}
    for d in holidays:
        if d.weekday() < 5:
            continue
        off = d + timedelta(days=1)
        while off.weekday() >= 5 or off in holidays or off in in_lieu:
            off += timedelta(days=1)
        in_lieu[off] = d
    return ProvisionalYear(year=year, holidays=holidays, in_lieu=in_lieu)
