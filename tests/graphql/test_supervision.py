"""`supervision(from, to)`: per-unit figures over the cases received in the period (Asia/Shanghai
days), deadlines judged as of now; for the task-force office, auditors and legal staff only."""

from __future__ import annotations

import pytest

from tests.graphql.support import Api

Q = """query($from: Date!, $to: Date!) {
  supervision(from: $from, to: $to) {
    units { unit received handled concluded overdueNow missedDeadlines onTimeRate }
    received settled settledOnSpotShare settledWithoutEscalationShare settledInOneVisitShare objected
    unitsWithMissedDeadlines
    byChannel { key received settled overdueNow missedDeadlines onTimeRate }
  }
}"""
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def n(i: int) -> str:
    return f"GP-2026-{i:06d}"


@pytest.fixture
def cohort(api: Api) -> Api:
    """Four November cases and one from October, judged at Thu 26 Nov 03:00Z.

    1 tax  received Fri 30 Oct, never transferred: outside the period
    2 tax  received Fri 20 Nov, never transferred                          transfer open, overdue (tax)
    3 hrss received Mon 23 Nov, transferred to tax on Thu 26 Nov           transfer met late (hrss),
                                                                           handling open, due Thu 3 Dec (tax)
    4 tax  received Tue 24 Nov, transferred to hrss an hour later,         transfer met on time (tax),
           concluded by hrss on Wed 25 Nov                                 handling met on time (hrss)
    5 tax  received Wed 25 Nov, settled on the spot an hour later          transfer met on time (tax)
    """
    api.at("2026-10-30T02:10:00Z")
    api.register(received_at="2026-10-30T02:00:00+00:00", channel="service_window")  # 1 (October)
    api.at("2026-11-20T02:10:00Z")
    api.register(received_at="2026-11-20T02:00:00+00:00", channel="hotline_12345")  # 2
    api.at("2026-11-23T02:10:00Z")
    api.register(api.clerk("hrss"), accepting_unit="hrss", received_at="2026-11-23T02:00:00+00:00",
                 channel="hotline_12333", category="benefit")  # 3
    api.at("2026-11-24T02:10:00Z")
    api.register(received_at="2026-11-24T02:00:00+00:00", channel="hotline_12366")  # 4
    api.at("2026-11-24T03:00:00Z")
    api.transfer(n(4), "hrss")
    api.at("2026-11-25T02:00:00Z")
    api.act(n(4), "conclude", api.handler("hrss"), {"outcome": "refunded", "result": "已退费"})
    api.at("2026-11-25T02:10:00Z")
    api.register(received_at="2026-11-25T02:00:00+00:00", channel="hotline_12366")  # 5
    api.at("2026-11-25T03:00:00Z")
    api.act(n(5), "resolve-on-spot", api.clerk("tax"), {"result": "当场解释", "feedback_method": "phone"})
    api.at("2026-11-26T02:00:00Z")
    api.transfer(n(3), "tax", token=api.clerk("hrss"))
    api.at("2026-11-26T03:00:00Z")
    api.sync()
    return api


def test_figures_per_unit_for_the_period(cohort: Api):
    s = cohort.data(Q, NOVEMBER, token=cohort.taskforce())["supervision"]

    assert s["units"] == [
        # hrss: received 3; handled and concluded 4 on time; missed the transfer of 3.
        {"unit": "hrss", "received": 1, "handled": 1, "concluded": 1, "overdueNow": 0, "missedDeadlines": 1,
         "onTimeRate": 0.5},
        # tax: received 2, 4, 5; handles 3; settled 5 on the spot; transfer of 2 overdue now;
        # on time: transfers of 4 and 5 (the open handling deadline of 3 is not decided yet).
        {"unit": "tax", "received": 3, "handled": 1, "concluded": 1, "overdueNow": 1, "missedDeadlines": 1,
         "onTimeRate": 0.6667},
    ]
    assert (s["received"], s["settled"], s["objected"]) == (4, 2, 0)
    assert s["settledOnSpotShare"] == 0.25  # 1 of 4 received
    assert s["settledWithoutEscalationShare"] == 1.0  # 2 of 2 settled
    assert s["settledInOneVisitShare"] == 0.5  # 2 of 4 received
    assert sorted(s["unitsWithMissedDeadlines"]) == ["hrss", "tax"]
    by_channel = {g["key"]: g for g in s["byChannel"]}
    assert set(by_channel) == {"hotline_12345", "hotline_12333", "hotline_12366"}
    assert by_channel["hotline_12366"] == {"key": "hotline_12366", "received": 2, "settled": 2, "overdueNow": 0,
                                           "missedDeadlines": 0, "onTimeRate": 1.0}
    assert by_channel["hotline_12345"]["overdueNow"] == 1


def test_figures_follow_the_clock(cohort: Api):
    # Fri 4 Dec: the handling deadline of case 3 (Thu 3 Dec, tax) has passed unmet.
    cohort.at("2026-12-04T00:00:00Z")

    units = {u["unit"]: u for u in cohort.data(Q, NOVEMBER, token=cohort.auditor())["supervision"]["units"]}

    assert (units["tax"]["overdueNow"], units["tax"]["missedDeadlines"], units["tax"]["onTimeRate"]) == (2, 2, 0.5)


def test_the_period_selects_by_intake_day_in_shanghai(cohort: Api):
    october = cohort.data(Q, {"from": "2026-10-01", "to": "2026-10-31"}, token=cohort.legal())["supervision"]
    assert october["received"] == 1
    assert [(u["unit"], u["received"], u["overdueNow"]) for u in october["units"]] == [("tax", 1, 1)]

    # Fri 20 Nov 10:00 in Shanghai is 02:00Z: the one-day period holds exactly case 2.
    day = cohort.data(Q, {"from": "2026-11-20", "to": "2026-11-20"}, token=cohort.legal())["supervision"]
    assert day["received"] == 1
    empty = cohort.data(Q, {"from": "2026-11-21", "to": "2026-11-22"}, token=cohort.legal())["supervision"]
    assert (empty["received"], empty["units"], empty["settledOnSpotShare"], empty["settledWithoutEscalationShare"]) == (
        0, [], None, None)


def test_an_intake_just_after_midnight_in_shanghai_belongs_to_that_day(api: Api):
    api.at("2026-11-26T03:00:00Z")
    api.register(received_at="2026-11-24T15:59:59+00:00")  # Tue 24 Nov 23:59:59 in Shanghai
    api.register(received_at="2026-11-24T16:00:00+00:00")  # Wed 25 Nov 00:00:00 in Shanghai
    api.sync()

    def received(day: str) -> int:
        return api.data(Q, {"from": day, "to": day}, token=api.auditor())["supervision"]["received"]

    assert (received("2026-11-24"), received("2026-11-25")) == (1, 1)


def test_supervision_is_forbidden_to_units_and_integrators(cohort: Api):
    for token in (cohort.clerk("tax"), cohort.handler("hrss"), cohort.integrator()):
        answer = cohort.gql(Q, NOVEMBER, token=token)
        assert answer["data"] is None
        [error] = answer["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert "supervision" in error["message"]


def test_a_period_ending_before_it_starts_is_bad_input(cohort: Api):
    answer = cohort.gql(Q, {"from": "2026-11-30", "to": "2026-11-01"}, token=cohort.taskforce())

    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
