"""The console's words: its own in i18n, every code's label from the one vocabulary."""

from __future__ import annotations

from domain.values import BUILTIN_UNITS
from interfaces.console.site import event_lines
from interfaces.console.words import Words

UNITS = {**BUILTIN_UNITS, "labour_arbitration": "市劳动人事争议仲裁院"}


def test_codes_read_as_in_the_ledger_and_the_dossier() -> None:
    t = Words("zh", UNITS)
    assert t.status("TRANSFERRED") == "已转交"
    assert t.outcome("explained") == "政策解释"
    assert t.deadline("TRANSFER") == "转交期限（受理后1个工作日内）"
    assert t.deadline_short("HANDLING") == "办理期限"
    assert t.insurance(["pension", "unemployment"]) == "养老、失业"
    assert t.unit("labour_arbitration") == "市劳动人事争议仲裁院"
    assert t.unit("taskforce") == "工作专班办公室"
    assert t.status(None) == t.unit(None) == t.insurance([]) == "—"
    assert t("queues_title") == "工作队列"


def test_english_pages_use_the_english_labels() -> None:
    t = Words("en", UNITS)
    assert t.status("feedback_given") == "Feedback given"
    assert t.deadline("deliberation") == "Deliberation deadline (10 working days from acceptance)"
    assert t.remedies(["reconsideration", "litigation"]) == "administrative reconsideration, administrative litigation"
    assert t.township("140581101") == "Mishan Town"
    assert t.unit("labour_arbitration") == "市劳动人事争议仲裁院"  # an added unit keeps its registered name
    assert Words("fr", UNITS).lang == "zh"


def test_an_events_lines_name_its_codes() -> None:
    t = Words("zh", UNITS)
    assert event_lines(t, "HandlingConcluded", {"outcome": "refunded", "unit": "finance", "result": "已退费"}) == [
        ("单位", "市财政局"), ("结果类别", "退费"), ("处理结果", "已退费")]
    assert event_lines(t, "DeadlineMissed", {"kind": "handling", "satisfied": True, "attendees": []}) == [
        ("类别", "办理期限（转交后5个工作日内）"), ("满意", "是")]


def test_the_answering_facts_read_in_either_language() -> None:
    quiet = {"party": "OTHER_PARTY", "basis": "QUIET_PERIOD", "quietUntil": "2026-12-03T16:00:00+00:00"}
    window = {"party": "PAYER", "kind": "LITIGATION", "startsOn": "2026-11-24", "lastDay": "2027-05-24",
              "body": "高平市人民法院", "provisional": True}
    zh, en = Words("zh", UNITS), Words("en", UNITS)
    # The quiet period ends at 24:00 of Thu 3 Dec in Gaoping: that day is named.
    assert zh.basis(quiet) == "争议对方：异议期届满（异议期至 2026-12-03）"
    assert en.basis(quiet) == "other party: Quiet period passed (quiet period to 2026-12-03)"
    assert zh.window(window) == "缴费人申请行政诉讼：2026-11-24起至2027-05-24（暂定），向高平市人民法院"
    assert en.axis("acted") == "By act time" and zh.axis("RECORDED") == "按记录时间"
    assert zh.parties(["PAYER", "OTHER_PARTY"]) == "缴费人、争议对方"


def test_a_designation_a_return_and_a_group_risk_are_said_in_the_notices_words() -> None:
    t = Words("zh", UNITS)
    assert event_lines(t, "DisputeTransferred", {"to_unit": "hrss", "note": "指定", "designation": True}) == [
        ("转交至", "市人社局"), ("说明", "指定"), ("指定承办", "是")]
    assert event_lines(t, "DisputeTransferred", {"to_unit": "hrss", "designation": False}) == [("转交至", "市人社局")]
    assert event_lines(t, "RiskFlagged", {"kind": "group", "level": "medium"}) == [("类别", "群体性风险"), ("等级", "中")]
    assert event_lines(t, "DeadlineMissed", {"kind": "handling", "unit": "hrss"}) == [
        ("单位", "市人社局"), ("类别", "办理期限（转交后5个工作日内）")]
    assert t.event("DisputeReturned").startswith("退回")
    assert t.queue("TO_DESIGNATE") == "待指定承办" and t.queue("RISK") == "风险案件"
