"""`queue(unit, kind)`: a unit's work of each kind, the earliest open deadline first (cases with no
open deadline last, oldest intake first). Registration order is shuffled on purpose, so that
neither insertion order nor case numbers can pass for the deadline order."""

from __future__ import annotations

from typing import Any

from tests.graphql.support import Api

Q = """query($u: String!, $k: QueueKind!) {
  queue(unit: $u, kind: $k) { edges { node { caseNumber status deadlines { kind dueAt metAt } } } }
}"""


def n(i: int) -> str:
    return f"GP-2026-{i:06d}"


def queue(api: Api, unit: str, kind: str, token: str) -> list[str]:
    views = [e["node"] for e in api.data(Q, {"u": unit, "k": kind}, token=token)["queue"]["edges"]]
    dues = [min((d["dueAt"] for d in v["deadlines"] if d["metAt"] is None), default="~") for v in views]
    assert dues == sorted(dues), f"not ordered by the earliest open deadline: {dues}"
    return [v["caseNumber"] for v in views]


def register_backdated(api: Api, received_at: str, **overrides: Any) -> str:
    """A case registered now for an intake in the past, the registration itself dated at intake."""
    return api.register(received_at=received_at, at=received_at, **overrides)["case_number"]


def test_to_transfer_lists_accepted_cases_of_the_accepting_unit(api: Api):
    api.register(received_at="2026-11-24T02:00:00+00:00")  # 1: due Wed 25 Nov
    api.register(received_at="2026-11-20T02:00:00+00:00")  # 2: due Mon 23 Nov
    api.register(received_at="2026-11-23T02:00:00+00:00")  # 3: due Tue 24 Nov
    api.register(api.clerk("hrss"), accepting_unit="hrss")  # 4
    api.register(received_at="2026-11-19T02:00:00+00:00")  # 5: transferred, no longer to transfer
    api.transfer(n(5), "hrss")
    api.sync()

    assert queue(api, "tax", "TO_TRANSFER", api.clerk("tax")) == [n(2), n(3), n(1)]
    assert queue(api, "hrss", "TO_TRANSFER", api.clerk("hrss")) == [n(4)]
    # The queue of a unit, as another unit may see it: only cases it is involved in.
    assert queue(api, "tax", "TO_TRANSFER", api.clerk("hrss")) == []
    assert queue(api, "tax", "TO_TRANSFER", api.auditor()) == [n(2), n(3), n(1)]


def test_in_handling_lists_transferred_and_deliberated_cases_of_the_handling_unit(api: Api):
    api.register()  # 1: transferred now (Thu 26 Nov): handling due Thu 3 Dec
    api.transfer(n(1), "hrss")
    register_backdated(api, "2026-11-18T02:00:00+00:00")  # 2: transferred Wed 18 Nov: due Wed 25 Nov
    api.transfer(n(2), "hrss", at="2026-11-18T03:00:00+00:00")
    api.register()  # 3: handled by tax
    api.transfer(n(3), "tax")
    register_backdated(api, "2026-11-19T02:00:00+00:00")  # 4: deliberated, hrss executes: no open deadline
    api.transfer(n(4), "tax", at="2026-11-19T03:00:00+00:00")
    api.act(n(4), "escalate", api.handler("tax"), {"reason": "需专班研判", "at": "2026-11-25T02:00:00+00:00"})
    api.act(n(4), "deliberation", api.taskforce(), {
        "held_at": "2026-11-26T01:00:00+00:00", "attendees": [{"unit": "hrss", "name": "李四"}, {"unit": "tax", "name": "王五"}],
        "minutes": "会议纪要", "written_opinion": "由人社局办理", "executing_unit": "hrss"})
    api.sync()

    assert queue(api, "hrss", "IN_HANDLING", api.handler("hrss")) == [n(2), n(1), n(4)]
    assert queue(api, "tax", "IN_HANDLING", api.handler("tax")) == [n(3)]


def test_to_deliberate_lists_escalated_cases_for_the_task_force_office(api: Api):
    api.register()  # 1: accepted Wed 25 Nov: deliberation due Wed 9 Dec
    api.transfer(n(1), "tax")
    api.act(n(1), "escalate", api.handler("tax"), {"reason": "跨部门"})
    register_backdated(api, "2026-11-20T02:00:00+00:00")  # 2: accepted Fri 20 Nov: due Fri 4 Dec
    api.transfer(n(2), "hrss", at="2026-11-20T03:00:00+00:00")
    api.act(n(2), "escalate", api.handler("hrss"), {"reason": "历史欠费"})
    api.register()  # 3: transferred, not escalated
    api.transfer(n(3), "tax")
    api.sync()

    everything = [n(2), n(1)]
    assert queue(api, "taskforce", "TO_DELIBERATE", api.taskforce()) == everything
    assert queue(api, "tax", "TO_DELIBERATE", api.taskforce()) == everything  # the office sits in the tax bureau
    assert queue(api, "hrss", "TO_DELIBERATE", api.handler("hrss")) == [n(2)]
    views = [e["node"] for e in api.data(Q, {"u": "taskforce", "k": "TO_DELIBERATE"}, token=api.taskforce())["queue"]["edges"]]
    assert [[d["kind"] for d in v["deadlines"] if d["metAt"] is None] for v in views] == [["DELIBERATION"]] * 2
    assert views[0]["deadlines"][-1]["dueAt"] == "2026-12-04T16:00:00+00:00"
    assert views[1]["deadlines"][-1]["dueAt"] == "2026-12-09T16:00:00+00:00"


def _concluded(api: Api, case: str, handler: str, *, accepting_clerk: str | None = None) -> None:
    api.transfer(case, handler, token=accepting_clerk)
    api.act(case, "conclude", api.handler(handler), {"outcome": "explained", "result": "已解释"})


def test_to_feedback_lists_concluded_cases_of_the_accepting_unit_oldest_intake_first(api: Api):
    api.register(received_at="2026-11-24T02:00:00+00:00")  # 1
    _concluded(api, n(1), "hrss")
    api.register(received_at="2026-11-23T02:00:00+00:00")  # 2
    _concluded(api, n(2), "tax")
    api.register(api.clerk("hrss"), accepting_unit="hrss")  # 3: hrss answers to the payer
    _concluded(api, n(3), "tax", accepting_clerk=api.clerk("hrss"))
    api.register()  # 4: feedback already given
    _concluded(api, n(4), "tax")
    api.act(n(4), "feedback", api.clerk("tax"), {"party": "payer", "method": "phone", "content": "已告知"})
    api.sync()

    # No open deadline on a concluded case: oldest intake first.
    assert queue(api, "tax", "TO_FEEDBACK", api.clerk("tax")) == [n(2), n(1)]
    assert queue(api, "hrss", "TO_FEEDBACK", api.clerk("hrss")) == [n(3)]


def test_objected_lists_cases_of_the_accepting_and_of_the_handling_unit(api: Api):
    tax = api.clerk("tax")
    for received, handler in (("2026-11-24T02:00:00+00:00", "hrss"), ("2026-11-23T02:00:00+00:00", "tax")):
        case = api.register(received_at=received)["case_number"]
        _concluded(api, case, handler)
        api.act(case, "feedback", tax, {"party": "payer", "method": "phone", "content": "已告知"})
        api.act(case, "objection", tax, {"party": "payer", "content": "不服"})
    api.register()  # 3: feedback given, no objection
    _concluded(api, n(3), "hrss")
    api.act(n(3), "feedback", tax, {"party": "payer", "method": "sms", "content": "已告知"})
    api.sync()

    assert queue(api, "tax", "OBJECTED", tax) == [n(2), n(1)]
    assert queue(api, "hrss", "OBJECTED", api.clerk("hrss")) == [n(1)]


def test_overdue_lists_the_open_deadlines_each_unit_answers_for(api: Api):
    api.register(received_at="2026-11-23T02:00:00+00:00")  # 1: transfer due Tue 24 Nov: overdue (tax)
    register_backdated(api, "2026-11-18T02:00:00+00:00")  # 2: transfer on time, handling due Wed 25 Nov: overdue (hrss)
    api.transfer(n(2), "hrss", at="2026-11-18T03:00:00+00:00")
    api.register()  # 3: transfer due Thu 26 Nov 24:00: not yet
    api.register(received_at="2026-11-20T02:00:00+00:00")  # 4: transfer due Mon 23 Nov: overdue (tax)
    api.register(received_at="2026-11-19T02:00:00+00:00")  # 5: transferred late: met late, nothing open is overdue
    api.transfer(n(5), "hrss")
    api.sync()

    assert queue(api, "tax", "OVERDUE", api.clerk("tax")) == [n(4), n(1)]
    assert queue(api, "hrss", "OVERDUE", api.clerk("hrss")) == [n(2)]
    assert queue(api, "finance", "OVERDUE", api.taskforce()) == []


def test_an_unknown_queue_kind_is_rejected_before_anything_runs(api: Api):
    answer = api.gql('query { queue(unit: "tax", kind: LATE) { caseNumber } }', token=api.clerk("tax"))

    assert answer.get("data") is None
    assert answer["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


PAGE = """query($first: Int, $after: String) {
  queue(unit: "tax", kind: TO_TRANSFER, first: $first, after: $after) {
    totalCount edges { cursor node { caseNumber } } pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""


def test_a_queue_is_paged_and_says_its_total_nothing_left_out(api: Api):
    api.at("2026-11-25T03:00:00Z")
    for i in range(7):
        api.register(received_at=f"2026-11-25T02:0{i}:00+00:00")
    api.sync()
    tax = api.clerk("tax")

    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = api.data(PAGE, {"first": 3, "after": after}, token=tax)["queue"]
        assert page["totalCount"] == 7
        seen += [e["node"]["caseNumber"] for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    everything = api.data(PAGE, {"first": 500}, token=tax)["queue"]

    assert pages == 3
    assert seen == [e["node"]["caseNumber"] for e in everything["edges"]] and len(set(seen)) == 7


def test_first_above_the_maximum_is_bad_user_input_naming_it(api: Api):
    tax = api.clerk("tax")
    too_many = api.gql(PAGE, {"first": 501}, token=tax)
    disputes = api.gql("{ disputes(first: 201) { totalCount } }", token=tax)
    bad_cursor = api.gql(PAGE, {"after": "bm9wZQ=="}, token=tax)

    for answer, maximum in ((too_many, "500"), (disputes, "200")):
        (error,) = answer["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert f"at most {maximum}" in error["message"]
    assert bad_cursor["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
