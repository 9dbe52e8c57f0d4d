"""The shipped notices of 2004-2023 are chinese-calendar's transcription of the State Council's
notices, day for day.

They were written into domain/data/cn-official-calendar.json once by

    .venv/bin/python -m tests.domain.test_calendar_notices

and the test below keeps the file equal to what that would write, so a chinese-calendar release
that corrects a day shows up here. The years from 2024 on were typed from the notices themselves
and are left as they are; test_calendar.py checks every shipped day against chinese-calendar.
"""

from __future__ import annotations

import importlib.resources
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

chinese_calendar = pytest.importorskip("chinese_calendar")

GENERATED = range(2004, 2024)
NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
# Notices besides the yearly one that changed a year's days.
LATER_NOTICES = {
    2015: "国务院关于中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日调休放假的通知",
    2019: "国务院办公厅关于调整2019年劳动节假期安排的通知",
    2020: "国务院办公厅关于延长2020年春节假期的通知",
}
# chinese-calendar misses this one. The 2006 notice: "元旦：1月1日—3日放假，共3天。其中1月1日为
# 法定假日，将12月31日(星期六)、1月1日(星期日)两个公休日调至1月2日(星期一)、3日(星期二)，
# 12月31日(星期六)上班。"
MISSED_MAKE_UP_DAYS = (date(2005, 12, 31),)


def _title(year: int) -> str:
    return f"国务院办公厅关于{year}年部分节假日安排的通知"


def _in(year: int, days: Any) -> list[date]:
    return sorted(d for d in days if d.year == year)


def year_entry(year: int) -> dict[str, Any]:
    """One year of the data file, as chinese-calendar has it."""
    days_off: dict[str, list[str]] = {}
    for d in _in(year, chinese_calendar.holidays):
        days_off.setdefault(NAMES[chinese_calendar.holidays[d]], []).append(d.isoformat())
    make_up = _in(year, [*chinese_calendar.workdays, *MISSED_MAKE_UP_DAYS])
    notices = [_title(year)]
    if year in LATER_NOTICES:
        notices.append(LATER_NOTICES[year])
    # December days belong to the next New Year's Day holiday, arranged by the next year's notice.
    december = [d.isoformat() for d in sorted([*_in(year, chinese_calendar.holidays), *make_up]) if d.month == 12]
    if december:
        notices.append(f"{', '.join(december)}: {_title(year + 1)}")
    return {
        "notice": "; ".join(notices),
        "days_off": days_off,
        "make_up_working_days": [d.isoformat() for d in make_up],
    }


def _data_file() -> Path:
    return Path(str(importlib.resources.files("domain.data").joinpath("cn-official-calendar.json")))


def test_the_shipped_years_before_2024_are_chinese_calendars_data() -> None:
    years = json.loads(_data_file().read_bytes())["years"]
    for year in GENERATED:
        assert years[str(year)] == year_entry(year), year
    assert min(map(int, years)) == min(GENERATED)
    assert min(chinese_calendar.holidays).year == min(GENERATED)


def test_the_generator_knows_every_holiday_name_and_every_notice_title() -> None:
    assert set(chinese_calendar.holidays.values()) <= set(NAMES)
    assert year_entry(2007)["notice"] == (
        "国务院办公厅关于2007年部分节假日安排的通知; 2007-12-29, 2007-12-30, 2007-12-31:"
        " 国务院办公厅关于2008年部分节假日安排的通知"
    )
    assert year_entry(2005)["make_up_working_days"][-1] == "2005-12-31"
    assert year_entry(2020)["days_off"]["春节"][-1] == "2020-02-02"  # the extension


def write() -> None:
    """Rewrite the generated years in the data file, keeping every other year byte for byte."""
    path = _data_file()
    doc = json.loads(path.read_bytes())
    years = {**doc["years"], **{str(y): year_entry(y) for y in GENERATED}}
    doc["years"] = {y: years[y] for y in sorted(years, key=int)}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    write()
