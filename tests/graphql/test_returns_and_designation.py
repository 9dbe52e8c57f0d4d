"""Returns, designation, special matters and who answers for a miss, over REST and GraphQL
(issue 12 items 1, 2, 3 and 9; domain.md "Returns and designation", "Special matters").

The case: accepted by the tax bureau on Wed 25 Nov 2026 10:00 (Gaoping); transfer due at the end
of Thu 26 Nov; a transfer on 25 Nov is due for handling at the end of Wed 2 Dec; deliberation is
due at the end of Wed 9 Dec (10 working days after acceptance).
"""

from __future__ import annotations

from typing import Any

from tests.graphql.support import Api

CASE = "GP-2026-000001"
NOTE = "经核实属人社局职责"
CLOCKS = "overdue missedDeadlines awaitsDesignation deadlines { kind unit dueAt metAt closedAt closedBy missedUnit }"
SUPERVISION = """query { supervision(from: "2026-11-01", to: "2026-11-30") {
    units { unit missedDeadlines returned designated } unitsWithMissedDeadlines } }"""
TRANSFER = """mutation($id: String!, $input: TransferInput!) { transferDispute(caseNumber: $id, input: $input) {
    __typename ... on CommandSuccess { status } ... on NotAllowed { caseStatus message } } }"""
ESCALATE = """mutation($id: String!, $input: EscalateInput!) { escalateDispute(caseNumber: $id, input: $input) {
    __typename ... on CommandSuccess { status } ... on NotAllowed { caseStatus message } } }"""


def nodes(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in answer["queue"]["edges"]]


def units(api: Api) -> dict[str, dict[str, Any]]:
    report = api.data(SUPERVISION, token=api.taskforce())["supervision"]
    return {u["unit"]: u for u in report["units"]}


def returned_case(api: Api, times: int) -> None:
    """Register, then transfer to hrss and have it returned `times` times (a day apart)."""
    api.at("2026-11-25T02:30:00Z")
    api.register()
    for day in range(times):
        api.at(f"2026-11-{25 + day}T03:00:00Z")
        api.transfer(CASE, "hrss", note=NOTE)
        api.at(f"2026-11-{25 + day}T05:00:00Z")
        api.act(CASE, "return", api.handler("hrss"), {"reason": "不属于本单位职责"})


def problem(api: Api, action: str, token: str, data: dict[str, Any]) -> dict[str, Any]:
    before = api.head()
    answer = api.act(CASE, action, token, data, expect=409)
    assert api.head() == before, "a refusal records nothing"
    return answer


# --- item 1: no case without a clock ---------------------------------------------------------


def test_a_return_closes_the_handling_clock_and_opens_a_transfer_clock_for_the_accepting_unit(api: Api):
    returned_case(api, 1)
    api.sync()

    d = api.dispute(CASE, api.clerk("tax"), CLOCKS)

    assert d["deadlines"] == [
        {"kind": "TRANSFER", "unit": "tax", "dueAt": "2026-11-26T16:00:00+00:00",
         "metAt": "2026-11-25T03:00:00+00:00", "closedAt": None, "closedBy": None, "missedUnit": None},
        {"kind": "HANDLING", "unit": "hrss", "dueAt": "2026-12-02T16:00:00+00:00",
         "metAt": None, "closedAt": "2026-11-25T05:00:00+00:00", "closedBy": "return", "missedUnit": None},
        # One working day after the day of the return (Wed 25 Nov): the end of Thu 26 Nov.
        {"kind": "TRANSFER", "unit": "tax", "dueAt": "2026-11-26T16:00:00+00:00",
         "metAt": None, "closedAt": None, "closedBy": None, "missedUnit": None},
    ]
    assert (d["overdue"], d["missedDeadlines"]) == (False, 0)

    api.at("2026-11-26T16:00:00Z")  # the returned case does not sit unwatched
    assert api.dispute(CASE, api.clerk("tax"), "overdue")["overdue"] is True
    queue = 'query { queue(unit: "tax", kind: OVERDUE) { edges { node { caseNumber } } } }'
    assert nodes(api.data(queue, token=api.clerk("tax"))) == [{"caseNumber": CASE}]


def test_a_return_after_the_handling_deadline_keeps_the_miss_with_the_unit_that_held_the_case(api: Api):
    api.at("2026-11-25T02:30:00Z")
    api.register()
    api.at("2026-11-25T03:00:00Z")
    api.transfer(CASE, "hrss", note=NOTE)
    api.at("2026-12-04T02:00:00Z")  # two days after the handling deadline
    api.act(CASE, "return", api.handler("hrss"), {"reason": "不属于本单位职责"})
    api.at("2026-12-04T03:00:00Z")
    api.transfer(CASE, "tax", note="改由本局办理")
    api.at("2026-12-04T04:00:00Z")
    api.act(CASE, "conclude", api.handler("tax"), {"outcome": "explained", "result": "已解释"})
    api.sync()

    d = api.dispute(CASE, api.clerk("tax"), CLOCKS)
    events = api.data(
        'query { timeline(caseNumber: "GP-2026-000001") { events { type } } }', token=api.auditor()
    )["timeline"]["events"]

    assert [e["type"] for e in events][2:4] == ["DeadlineMissed", "DisputeReturned"]
    assert (d["overdue"], d["missedDeadlines"]) == (False, 1)
    stats = units(api)
    assert (stats["hrss"]["missedDeadlines"], stats["hrss"]["returned"]) == (1, 1)
    assert stats["tax"]["missedDeadlines"] == 0


# --- item 2: no ping-pong ----------------------------------------------------------------------


def test_after_the_second_return_only_gov_office_designates_and_the_designated_unit_cannot_return(api: Api):
    returned_case(api, 2)
    api.sync()
    to_designate = 'query { queue(unit: "gov_office", kind: TO_DESIGNATE) { edges { node { caseNumber awaitsDesignation } } } }'
    to_transfer = 'query { queue(unit: "tax", kind: TO_TRANSFER) { totalCount } }'

    assert nodes(api.data(to_designate, token=api.clerk("gov_office"))) == [{"caseNumber": CASE, "awaitsDesignation": True}]
    assert api.data(to_transfer, token=api.clerk("tax"))["queue"]["totalCount"] == 0
    clock = api.dispute(CASE, api.clerk("gov_office"), CLOCKS)["deadlines"][-1]
    assert (clock["kind"], clock["unit"]) == ("TRANSFER", "gov_office")

    refused = problem(api, "transfer", api.clerk("tax"), {"to_unit": "hrss", "note": NOTE})
    assert refused["case_status"] == "ACCEPTED"
    assert "designation" in refused["detail"] and "gov_office" in refused["detail"]
    by_graphql = api.data(TRANSFER, {"id": CASE, "input": {"toUnit": "tax"}}, token=api.clerk("tax"))
    assert by_graphql["transferDispute"]["__typename"] == "NotAllowed"

    api.at("2026-11-27T02:00:00Z")
    designated = api.transfer(CASE, "hrss", api.clerk("gov_office"), note="指定人社局承办")
    assert designated["status"] == "TRANSFERRED"

    refused = problem(api, "return", api.handler("hrss"), {"reason": "仍不属于本单位职责"})
    assert refused["case_status"] == "TRANSFERRED"
    assert "designated to hrss" in refused["detail"] and "指定承办" in refused["detail"]
    api.act(CASE, "conclude", api.handler("hrss"), {"outcome": "corrected", "result": "已补办"})
    api.sync()
    assert nodes(api.data(to_designate, token=api.clerk("gov_office"))) == []
    stats = units(api)
    # One case, returned twice by hrss and then designated to it: counted once each.
    assert (stats["hrss"]["returned"], stats["hrss"]["designated"]) == (1, 1)
    assert stats["gov_office"]["returned"] == 0


def test_the_task_force_designates_too_but_not_before_a_second_return(api: Api):
    returned_case(api, 1)
    refused = problem(api, "transfer", api.taskforce(), {"to_unit": "hrss", "note": NOTE})
    assert "second return" in refused["detail"]

    api.at("2026-11-26T03:00:00Z")
    api.transfer(CASE, "hrss", note=NOTE)
    api.at("2026-11-26T05:00:00Z")
    api.act(CASE, "return", api.handler("hrss"), {"reason": "不属于本单位职责"})
    answer = api.data(TRANSFER, {"id": CASE, "input": {"toUnit": "finance", "note": "指定财政局承办"}},
                      token=api.taskforce())
    assert answer["transferDispute"] == {"__typename": "CommandSuccess", "status": "TRANSFERRED"}


# --- item 3: a special matter straight to the task force ----------------------------------------


def test_the_accepting_clerk_escalates_a_special_matter_before_any_transfer(api: Api):
    api.at("2026-11-25T02:30:00Z")
    api.register()
    api.at("2026-11-25T06:00:00Z")

    answer = api.act(CASE, "escalate", api.clerk("tax"), {"reason": "涉及多部门的历史欠费，提交专班"})
    api.sync()

    assert answer["status"] == "ESCALATED"
    d = api.dispute(CASE, api.clerk("tax"), "level " + CLOCKS)
    assert d["level"] == "SPECIAL"
    assert [(c["kind"], c["unit"], c["dueAt"], c["metAt"]) for c in d["deadlines"]] == [
        ("TRANSFER", "tax", "2026-11-26T16:00:00+00:00", "2026-11-25T06:00:00+00:00"),
        ("DELIBERATION", "taskforce", "2026-12-09T16:00:00+00:00", None),
    ]
    deliberate = 'query { queue(unit: "tax", kind: TO_DELIBERATE) { edges { node { caseNumber } } } }'
    assert nodes(api.data(deliberate, token=api.taskforce())) == [{"caseNumber": CASE}]


def test_a_clerk_cannot_escalate_once_the_case_was_transferred(api: Api):
    api.at("2026-11-25T02:30:00Z")
    api.register()
    api.transfer(CASE, "hrss", note=NOTE)

    refused = problem(api, "escalate", api.clerk("tax"), {"reason": "提交专班"})
    answer = api.data(ESCALATE, {"id": CASE, "input": {"reason": "提交专班"}}, token=api.clerk("tax"))

    assert refused["case_status"] == "TRANSFERRED"
    assert answer["escalateDispute"]["__typename"] == "NotAllowed"
    assert "handling unit escalates" in answer["escalateDispute"]["message"]


def test_a_clerk_of_another_unit_cannot_escalate(api: Api):
    api.at("2026-11-25T02:30:00Z")
    api.register()
    api.transfer(CASE, "hrss", note=NOTE)
    api.act(CASE, "return", api.handler("hrss"), {"reason": "不属于本单位职责"})

    api.act(CASE, "escalate", api.clerk("hrss"), {"reason": "提交专班"}, expect=403)


# --- item 9: who answers for a miss -----------------------------------------------------------


def test_a_deliberation_deadline_passed_before_the_escalation_counts_against_the_escalating_unit(api: Api):
    api.at("2026-11-25T02:30:00Z")
    api.register()
    api.transfer(CASE, "hrss", note=NOTE)
    api.at("2026-12-10T02:00:00Z")  # after the end of Wed 9 Dec
    api.act(CASE, "escalate", api.handler("hrss"), {"reason": "无法单独化解"})
    api.sync()

    d = api.dispute(CASE, api.auditor(), CLOCKS)
    deliberation = d["deadlines"][-1]
    stats = units(api)

    assert (deliberation["kind"], deliberation["unit"], deliberation["missedUnit"]) == ("DELIBERATION", "taskforce", "hrss")
    assert stats["hrss"]["missedDeadlines"] == 2  # its handling deadline (met late) and the deliberation one
    assert "taskforce" not in stats or stats["taskforce"]["missedDeadlines"] == 0
