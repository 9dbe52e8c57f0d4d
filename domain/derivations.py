"""Deadline derivations said in Chinese.

Derivations are stored in events as English lines (domain/calendar.py, domain/dispute.py) and
events never change, so `derivation_line` says a stored line in Chinese by its form: one entry of
LINE_FORMS, _DAY_FORMS or _DAY_NOTES per form the code can produce. A line of a form not listed is
shown as it is, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from domain.vocabulary import DAY_KIND, EN, HOLIDAY, ZH, Codes, holiday_name

_WEEKDAYS = {"Mon": "一", "Tue": "二", "Wed": "三", "Thu": "四", "Fri": "五", "Sat": "六", "Sun": "日"}
_DAY = r"\d{4}-\d{2}-\d{2} \((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\)"
_START = {  # why the start day is the start (the start_label/label arguments in domain/)
    "the day of acceptance": "受理之日",
    "the day of the transfer": "转交之日",
    "the day the party knew of the act": "知道行政行为之日",
    "the day the reconsideration decision was received": "收到行政复议决定之日",
}


class _Unknown(Exception):
    """A part of a line has no Chinese form: the line is shown as it is."""


def _day(text: str) -> str:
    """2024-10-08 (Tue) → 2024-10-08（星期二）, as the dossier writes days."""
    return f"{text[:10]}（星期{_WEEKDAYS[text[12:15]]}）"


def _start(text: str) -> str:
    if text not in _START:
        raise _Unknown(text)
    return _START[text]


def _explained(text: str) -> str:
    """calendar.explain_day's "2024-10-01 (Tue): 国庆节 holiday [note]" → 2024-10-01（星期二，国庆节假期；note）."""
    day, _, what = text.partition(": ")
    note = ""
    for form, zh in _DAY_NOTES:
        found = form.search(what)
        if found:
            what, note = what[: found.start()], _fill(zh, found)
            break
    return f"{day[:10]}（星期{_WEEKDAYS[day[12:15]]}，{_say(_DAY_FORMS, what)}{note}）"


def _any_label(codes: Codes) -> str:
    """Any label of these codes, as a regular expression (the longest first)."""
    names = {name for code in codes for name in codes.get(code) or ()}
    return "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))


# Each slot of a form matches a piece of a line and says it in Chinese; a slot named with a
# trailing digit ({n2}) is a second slot of the same kind.
_SLOTS: dict[str, tuple[str, Callable[[str], str]]] = {
    "day": (_DAY, _day),
    "date": (r"\d{4}-\d{2}-\d{2}", str),
    "n": (r"\d+", str),
    "nth": (r"\d+(?:st|nd|rd|th)", lambda text: text[:-2]),
    "local": (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", str),
    "utc": (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", str),
    "year": (r"\d{4}", str),
    "years": (r"\d{4}(?:, \d{4})*", lambda text: text.replace(", ", "、")),
    "version": (r"\S+", str),
    "start": (r".+?", _start),
    "explained": (_DAY + r": .+?", _explained),
    # A known name (English ones have spaces), else one word: "元旦 statutory holiday" is then not
    # read as the holiday "元旦 statutory".
    "holiday": (rf"(?:{_any_label(HOLIDAY)}|\S+)", holiday_name),
}


def _compile(form: str, *, tail: bool = False) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", form)
    pattern = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>{_SLOTS[part.rstrip('0123456789')][0]})"
        for i, part in enumerate(parts)
    )
    return re.compile(pattern + r"\Z" if tail else r"\A" + pattern + r"\Z")


def _fill(zh: str, found: re.Match[str]) -> str:
    return zh.format(**{name: _SLOTS[name.rstrip("0123456789")][1](value) for name, value in found.groupdict().items()})


def _forms(pairs: Iterable[tuple[str, str]], *, tail: bool = False) -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((_compile(en, tail=tail), zh) for en, zh in pairs)


def _say(forms: Iterable[tuple[re.Pattern[str], str]], text: str) -> str:
    for form, zh in forms:
        found = form.match(text)
        if found:
            return _fill(zh, found)
    raise _Unknown(text)


# What a day is (calendar.explain_day after the day's date).
_DAY_FORMS = _forms((
    ("working day", DAY_KIND.name("working_day")),
    ("weekend", DAY_KIND.name("weekend")),
    ("make-up working day (调休上班)", DAY_KIND.name("make_up_working_day")),
    ("{holiday} holiday", "{holiday}" + DAY_KIND.name("holiday")),
    ("{holiday} statutory holiday", "{holiday}" + DAY_KIND.name("statutory_holiday_provisional")),
    ("{holiday} day off in lieu (补假) of {day}", "{holiday}补假（{day}逢周末，顺延补休）"),
))
# Qualifiers calendar.explain_day appends to what a day is.
_DAY_NOTES = _forms((
    (" [no official notice loaded for {year}: weekends only]", "；{year}年放假通知尚未载入，仅按周末计"),
    (" (provisional: no notice loaded for {year})", "；{year}年放假通知尚未载入"),
), tail=True)
LINE_FORMS = _forms((
    ("received: {local} Asia/Shanghai ({utc})", "收到时间：{local}（北京时间；UTC {utc}）"),
    ("accepted: {day}, the day of receipt (a working day)", "认定受理日：{day}，即收到当日（工作日）"),
    ("accepted: {day}, the next working day after receipt", "认定受理日：{day}，即收到后的第一个工作日"),
    ("start: {day}, {start}; not counted (Civil Code art. 201)",
     "起算日：{day}，为{start}；当日不计入期间（《民法典》第二百零一条）"),
    ("rule: due by the end (24:00 Asia/Shanghai) of the {nth} working day after the start",
     "计算规则：起算日后第{nth}个工作日24:00（北京时间）届满"),
    ("rule: {n} calendar days; a last day that is a rest day moves to the next working day",
     "计算规则：期间为{n}个自然日；最后一日是休息日的，顺延至休息日结束后的第一个工作日"),
    ("rule: {n} months; the last day is the corresponding day of the month, or that month's last day if it has none"
     " (Civil Code art. 202); a last day that is a rest day moves to the next working day",
     "计算规则：期间为{n}个月，到期月的对应日为最后一日，没有对应日的，以月末日为最后一日（《民法典》第二百零二条）；"
     "最后一日是休息日的，顺延至休息日结束后的第一个工作日"),
    ("nominal end: {day} = start + {n} days", "期间末日（顺延前）：{day}，即起算日后第{n}日"),
    ("nominal end: {day} = the corresponding day {n} months after the start", "期间末日（顺延前）：{day}，即起算日后{n}个月的对应日"),
    ("nominal end: {day} = the last day of the month {n} months after the start (no day {n2})",
     "期间末日（顺延前）：{day}，即起算日后第{n}个月的月末日（该月没有{n2}日）"),
    ("counted {day}: working day {n} of {n2}", "计入 {day}，为第{n}个工作日（共{n2}个）"),
    ("counted {explained} = working day {n} of {n2}", "计入 {explained}，为第{n}个工作日（共{n2}个）"),
    ("skipped {explained}", "跳过 {explained}"),
    ("last day: {day}, the next working day", "最后一日：{day}，为顺延后的第一个工作日"),
    ("last day: {explained}", "最后一日：{explained}"),
    ("due: end of {day} = {utc}", "届满时间：{day}24:00（UTC {utc}）"),
    ("calendar: {version}", "工作日历版本：{version}"),
    ("provisional: no official holiday notice loaded for {years}; weekends only were skipped there"
     " — recomputed when the notice is loaded",
     "暂定：{years}年国务院放假通知尚未载入，当年只按周末计休息日；载入通知后重新计算"),
    ("provisional: no official holiday notice loaded for {years}; weekends and the statutory holidays of"
     " 全国年节及纪念日放假办法 with their days off in lieu (补假, art. 6) were skipped there, make-up working days"
     " are not known — recomputed when the notice is loaded",
     "暂定：{years}年国务院放假通知尚未载入，该年跳过了周末及《全国年节及纪念日放假办法》规定的法定节假日和补假（第六条），"
     "调休上班日尚不可知；载入通知后重新计算"),
    ("the act on {date} fell on a rest day; counted from {date2}",
     "该行为发生于休息日（{date}），视为在下一个工作日（{date2}）作出，以该日为起算日"),
))


def derivation_line(line: str, lang: str = ZH) -> str:
    """A stored derivation line in `lang`; a line of a form not listed is shown as it is."""
    if lang == EN:
        return line
    try:
        return _say(LINE_FORMS, line)
    except _Unknown:
        return line


def derivation(lines: Iterable[str], lang: str = ZH) -> list[str]:
    return [derivation_line(line, lang) for line in lines]
