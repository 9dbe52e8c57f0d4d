"""Supervision that reads right (issue 12, item 14): no on-time rate where nothing was due, the
township named beside its code, and a 通报 list (`lateUnits`) of misses that were never undone."""

from __future__ import annotations

from tests.graphql.support import Api

Q = """query($from: Date!, $to: Date!) {
  supervision(from: $from, to: $to) {
    units { unit missedDeadlines onTimeRate }
    byTownship { key code name received }
    lateUnits { unit name missedDeadlines }
    unitsWithMissedDeadlines
  }
}"""
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
CASE = "GP-2026-000001"


def report(api: Api) -> dict:
    api.sync()
    return api.data(Q, NOVEMBER, token=api.taskforce())["supervision"]


def test_a_unit_with_nothing_due_has_no_on_time_rate(api: Api):
    api.at("2026-11-24T02:10:00Z")
    api.register(received_at="2026-11-24T02:00:00+00:00")
    api.at("2026-11-24T03:00:00Z")
    api.transfer(CASE, "hrss")  # tax met its transfer deadline; hrss's handling deadline is not due yet

    units = {u["unit"]: u for u in report(api)["units"]}

    assert units["tax"]["onTimeRate"] == 1.0
    assert units["hrss"] == {"unit": "hrss", "missedDeadlines": 0, "onTimeRate": None}


def test_by_township_names_the_township_beside_its_code(api: Api):
    api.at("2026-11-24T02:10:00Z")
    api.register(received_at="2026-11-24T02:00:00+00:00", township="米山镇")

    assert report(api)["byTownship"] == [{"key": "米山镇", "code": "140581101", "name": "米山镇", "received": 1}]


def test_a_missed_handling_deadline_stays_counted_after_the_unit_returns_the_case(api: Api):
    api.at("2026-11-23T02:10:00Z")
    api.register(received_at="2026-11-23T02:00:00+00:00", category="benefit")
    api.transfer(CASE, "hrss")  # handling due at the end of Mon 30 Nov
    api.at("2026-12-01T02:00:00Z")
    api.sync()
    assert api.runtime.fengqiao.record_missed_deadlines(CASE) == 1  # the scheduler's sweep
    api.act(CASE, "return", api.handler("hrss"), {"reason": "非本单位职责"})
    api.transfer(CASE, "tax", note="转税务局")  # a fresh handling deadline for tax

    s = report(api)

    assert s["lateUnits"] == [{"unit": "hrss", "name": "市人社局", "missedDeadlines": 1}]
    assert s["unitsWithMissedDeadlines"] == ["hrss"]
    assert {u["unit"]: u["missedDeadlines"] for u in s["units"]}["hrss"] == 1
