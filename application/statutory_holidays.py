"""The statutory holiday dates fixed every year by 全国年节及纪念日放假办法 (as amended in 2024, in
force 2025), art. 2: 元旦 1 January; 春节 农历除夕 and 正月初一 to 初三; 清明节 the day of the 清明
solar term; 劳动节 1 and 2 May; 端午节 农历五月初五; 中秋节 农历八月十五; 国庆节 1 to 3 October.

The calendar uses them for a year whose holiday notice is not loaded (domain/provisional.py adds
the art. 6 days off in lieu). Lunar dates and the solar term come from lunar-python, a port of
the 寿星天文历 algorithms, never from a typed table.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, timedelta
from importlib.metadata import version

# Part of the calendar version: change it whenever the list of dates below changes.
_RULE = "全国年节及纪念日放假办法 2024 art. 2"


@functools.cache
def statutory_dates(year: int) -> Mapping[date, str]:
    """Each statutory holiday of `year` with its holiday's name, in the order of art. 2."""
    # Imported here: only a year without a notice needs it, and its import takes some 17 ms.
    from lunar_python import Lunar, Solar

    def lunar(month: int, day: int) -> date:
        solar = Lunar.fromYmd(year, month, day).getSolar()
        return date(solar.getYear(), solar.getMonth(), solar.getDay())

    # 清明 falls on 4, 5 or 6 April; the lunar year holding April has it in its table.
    qingming = Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"]
    new_year = lunar(1, 1)
    days: list[tuple[date, str]] = [
        (date(year, 1, 1), "元旦"),
        *((new_year + timedelta(days=n), "春节") for n in range(-1, 3)),
        (date(qingming.getYear(), qingming.getMonth(), qingming.getDay()), "清明节"),
        (date(year, 5, 1), "劳动节"),
        (date(year, 5, 2), "劳动节"),
        (lunar(5, 5), "端午节"),
        (lunar(8, 15), "中秋节"),
        *((date(year, 10, n), "国庆节") for n in (1, 2, 3)),
    ]
    named: dict[date, str] = {}
    for d, name in days:
        # 中秋 can fall within 1-3 October: one day off, named for both holidays.
        named[d] = f"{named[d]}、{name}" if d in named else name
    return named


class LunarStatutoryHolidays:
    """The provider OfficialCalendar asks for the statutory dates of a year without a notice."""

    @functools.cached_property
    def version(self) -> str:
        # The library's version too: a release that corrects a lunar date changes the deadlines.
        return f"{_RULE}; lunar-python {version('lunar-python')}"

    def of_year(self, year: int) -> Mapping[date, str]:
        return statutory_dates(year)


STATUTORY_HOLIDAYS = LunarStatutoryHolidays()
