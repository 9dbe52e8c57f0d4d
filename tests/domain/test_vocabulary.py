"""The one vocabulary: every code has one Chinese and one English label, and every derivation line
the calendar and the aggregate write today reads in Chinese."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

import pytest

from application.statutory_holidays import STATUTORY_HOLIDAYS
from domain import events as ev
from domain import reference
from domain import vocabulary as v
from domain.calendar import (
    OfficialCalendar,
    YearSchedule,
    deemed_acceptance,
    period_in_days,
    period_in_months,
    working_day_deadline,
)
from domain.derivations import derivation, derivation_line
from domain.values import (
    BUILTIN_UNITS,
    TOWNSHIPS,
    Category,
    Channel,
    DeadlineKind,
    FeedbackMethod,
    InsuranceType,
    Level,
    Outcome,
    PartyRole,
    PayerKind,
    RemedyKind,
    RiskLevel,
    Role,
    Status,
)
from projections.queries import QUEUE_KINDS
from tests.domain.test_dispute import given, local, on, transfer

CAL = OfficialCalendar.shipped()  # a year without a notice: weekends only
STATUTORY = OfficialCalendar.shipped(STATUTORY_HOLIDAYS)  # the product's: statutory holidays, provisionally
# English left in a line: two words in a row (a lone "UTC" or the calendar's version is not a sentence).
ENGLISH = re.compile(r"[A-Za-z]{2,}[ ,;:=()]+[A-Za-z]{2,}")
VERSION = re.compile(r"工作日历版本：\S+")


@pytest.mark.parametrize(("enum", "table"), [
    (Status, v.STATUS), (Outcome, v.OUTCOME), (PartyRole, v.PARTY), (RemedyKind, v.REMEDY), (Channel, v.CHANNEL),
    (Category, v.CATEGORY), (InsuranceType, v.INSURANCE), (PayerKind, v.PAYER_KIND), (PayerKind, v.ID_DOCUMENT),
    (FeedbackMethod, v.FEEDBACK_METHOD), (Level, v.LEVEL), (DeadlineKind, v.DEADLINE_KIND),
    (DeadlineKind, v.DEADLINE_RULE), (RiskLevel, v.RISK_LEVEL), (Role, v.ROLE),
])  # fmt: skip
def test_every_code_has_one_chinese_and_one_english_label(enum: type[StrEnum], table: v.Codes) -> None:
    labels = [table.get(code) for code in enum]
    assert None not in labels
    assert all(label and label.zh and label.en for label in labels)
    assert len({label.zh for label in labels if label}) == len(labels)  # no two codes read alike
    # The API spells enum values in capitals, the events in lower case: both find the label.
    assert all(table.name(code.value.upper(), v.EN) == table.name(code.value, v.EN) for code in enum)


def test_every_event_type_queue_unit_and_township_has_a_label() -> None:
    event_types = {*ev.ALL_EVENTS, ev.DisputeSnapshot, reference.CaseNumberIssued, reference.UnitAdded,
                   reference.YearScheduleLoaded}
    assert [t.__name__ for t in event_types if t.__name__ not in v.EVENT] == []
    assert all(kind in v.QUEUE for kind in QUEUE_KINDS)
    assert all(v.UNIT.name(code) == name for code, name in BUILTIN_UNITS.items())
    assert all(v.TOWNSHIP.name(code) == name for code, name in TOWNSHIPS.items())
    assert v.TOWNSHIP.name("140581101", v.EN) == "Mishan Town"


def test_one_name_for_one_fact() -> None:
    assert v.STATUS.name("TRANSFERRED") == "已转交"
    assert v.OUTCOME.name("explained") == "政策解释"
    assert v.DEADLINE_KIND.name("transfer") == "转交期限"
    assert v.DEADLINE_RULE.name("deliberation") == "受理之日起10个工作日内"


def test_the_words_the_new_rules_will_need_are_there() -> None:
    assert v.STEP.name("returned") == "退回"
    assert v.STEP.name("designation") == "指定承办"
    assert v.STEP.name("no_objection") == "无异议确认"
    assert v.STEP.name("reopened") == "重新开启"
    assert v.RISK_KIND.name("group") == "群体性风险"
    assert v.DAY_KIND.name("statutory_holiday_provisional") == "法定节假日（暂定）"
    assert [v.ARCHIVE_BASIS.name(b) for b in ("confirmed", "quiet_period", "guided")] == [
        "无异议确认", "异议期届满", "已业务指导"]
    assert v.QUEUE.name("TO_DESIGNATE") == "待指定承办"


def test_units_added_later_keep_their_registered_name_and_unknown_codes_show_as_they_are() -> None:
    registered = {**BUILTIN_UNITS, "labour_arbitration": "市劳动人事争议仲裁院"}
    assert v.unit_name("hrss", v.ZH, registered) == "市人社局"
    assert v.unit_name("hrss", v.EN, registered) == "Human Resources and Social Security Bureau"
    assert v.unit_name("taskforce", v.ZH, registered) == "工作专班办公室"
    assert v.unit_name("labour_arbitration", v.ZH, registered) == "市劳动人事争议仲裁院"
    assert v.unit_name("labour_arbitration", v.EN, registered) == "市劳动人事争议仲裁院"
    assert v.unit_name("nowhere", v.ZH, registered) == "nowhere"
    assert v.STATUS.name("reconsidering") == "reconsidering"


# --- derivations ---------------------------------------------------------------------------------


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def every_derivation_line() -> set[str]:
    """Derivations from the calendar functions on every day of 2024-2027 (for a year without a notice,
    as weekends only and as the statutory holidays), and from the aggregate."""
    return _derivation_lines(CAL) | _derivation_lines(STATUTORY)


def _derivation_lines(CAL: OfficialCalendar) -> set[str]:  # noqa: N803 - the module's calendar, varied
    lines: set[str] = set()
    for d in _days(date(2024, 1, 1), date(2027, 12, 31)):
        lines.update(deemed_acceptance(datetime(d.year, d.month, d.day, 2, tzinfo=UTC), CAL).derivation)
        for days in (1, 10):
            lines.update(working_day_deadline(d, days, CAL, start_label="the day of acceptance").derivation)
        lines.update(working_day_deadline(d, 5, CAL, start_label="the day of the transfer").derivation)
        lines.update(period_in_days(d, 60, CAL, label="the day the party knew of the act").derivation)
        lines.update(period_in_days(d, 15, CAL, label="the day the reconsideration decision was received").derivation)
        lines.update(period_in_months(d, 6, CAL, label="the day the party knew of the act").derivation)
    # Two unknown years in one derivation, and a transfer on a rest day (its note comes first).
    lines.update(working_day_deadline(date(2027, 12, 20), 10, CAL, start_label="the day of acceptance").derivation)
    rest_day = given(on(local(2024, 10, 5, 10), transfer())).history[-1]
    assert isinstance(rest_day, ev.DisputeTransferred)
    lines.update(rest_day.handling_deadline.derivation)
    return lines


def test_every_derivation_line_the_code_writes_reads_in_chinese() -> None:
    lines = every_derivation_line()
    prefixes = {re.split(r"[: ]", line, maxsplit=1)[0] for line in lines}
    assert prefixes >= {"received", "accepted", "skipped", "counted", "start", "rule", "nominal", "last", "due",
                        "calendar", "provisional", "the"}  # every form the code writes is in the sample
    left = {line: zh for line in lines if ENGLISH.search(VERSION.sub("", zh := derivation_line(line)))}
    assert left == {}
    assert all(derivation_line(line) != line for line in lines)


def test_derivation_lines_in_their_chinese_form() -> None:
    deadline = working_day_deadline(date(2025, 9, 26), 1, CAL, start_label="the day of the transfer")
    assert derivation(deadline.derivation) == [
        "起算日：2025-09-26（星期五），为转交之日；当日不计入期间（《民法典》第二百零一条）",
        "计算规则：起算日后第1个工作日24:00（北京时间）届满",
        "跳过 2025-09-27（星期六，周末）",
        "计入 2025-09-28（星期日，调休上班日），为第1个工作日（共1个）",
        "届满时间：2025-09-28（星期日）24:00（UTC 2025-09-28T16:00:00Z）",
        f"工作日历版本：{CAL.version}",
    ]
    window = period_in_days(date(2026, 12, 8), 60, CAL, label="the day the party knew of the act")
    assert derivation(window.derivation)[3:6] == [
        "跳过 2027-02-06（星期六，周末；2027年放假通知尚未载入，仅按周末计）",
        "跳过 2027-02-07（星期日，周末；2027年放假通知尚未载入，仅按周末计）",
        "最后一日：2027-02-08（星期一），为顺延后的第一个工作日",
    ]
    assert derivation_line("skipped 2024-10-01 (Tue): 国庆节 holiday") == "跳过 2024-10-01（星期二，国庆节假期）"


def test_holiday_names_read_in_chinese_whatever_the_notice_called_them() -> None:
    calendar = CAL.with_year(YearSchedule(year=2027, notice="test", days_off={date(2027, 10, 1): "National Day"},
                                          make_up_working_days=()))
    line = f"skipped {calendar.explain_day(date(2027, 10, 1))}"
    assert derivation_line(line) == "跳过 2027-10-01（星期五，国庆节假期）"
    assert v.holiday_name("春节", v.EN) == "Spring Festival"
    provisional = "skipped 2027-01-01 (Fri): 元旦 statutory holiday (provisional: no notice loaded for 2027)"
    assert derivation_line(provisional) == "跳过 2027-01-01（星期五，元旦法定节假日（暂定）；2027年放假通知尚未载入）"
    # A holiday's name is a known name or one word, so a longer form is not read as a shorter one.
    odd = "skipped 2027-01-01 (Fri): New Year statutory holiday (provisional: no notice loaded for 2027)"
    assert derivation_line(odd) == odd


def test_a_line_of_an_unknown_form_is_shown_as_it_is_and_english_stays_english() -> None:
    odd = "start: 2027-01-04 (Mon), the day of the designation; not counted (Civil Code art. 201)"
    assert derivation_line(odd) == odd
    assert derivation(["something new", "calendar: x"]) == ["something new", "工作日历版本：x"]
    line = "counted 2026-11-24 (Tue): working day 1 of 1"
    assert derivation_line(line, v.EN) == line
