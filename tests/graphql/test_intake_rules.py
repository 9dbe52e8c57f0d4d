"""On the spot, collective deliberation, group risk and routing over REST and GraphQL (issue 12
items 6, 7, 8 and 11). The default case: the tax bureau, received Wed 25 Nov 2026 10:00 Gaoping."""

from __future__ import annotations

from typing import Any

from tests.graphql.support import Api

CASE = "GP-2026-000001"
RESOLVE = {"result": "当场解释滞纳金计算方法", "feedback_method": "in_person"}
RESOLVE_MUTATION = """mutation($id: String!, $input: ResolveOnSpotInput!) { resolveOnSpotDispute(caseNumber: $id, input: $input) {
    __typename ... on CommandSuccess { status } ... on NotAllowed { caseStatus message } } }"""
RESOLVE_INPUT = {"result": "当场解释滞纳金计算方法", "feedbackMethod": "IN_PERSON"}
DELIBERATION = {
    "held_at": "2026-11-25T07:00:00Z",
    "minutes": "专班集体商议",
    "written_opinion": "由人社局办理",
    "executing_unit": "hrss",
}


def refused(api: Api, action: str, token: str, data: dict[str, Any], expect: int) -> dict[str, Any]:
    before = api.head()
    answer = api.act(CASE, action, token, data, expect=expect)
    assert api.head() == before, "a refusal records nothing"
    return answer


# --- item 6 -------------------------------------------------------------------------------------


def test_resolve_on_spot_on_the_day_of_receipt(api: Api):
    api.at("2026-11-25T02:30:00Z")
    api.register()
    api.at("2026-11-25T15:59:59Z")  # 23:59:59 in Gaoping

    assert api.act(CASE, "resolve-on-spot", api.clerk("tax"), RESOLVE)["status"] == "FEEDBACK_GIVEN"


def test_resolve_on_spot_the_next_day_is_409_over_rest_and_not_allowed_over_graphql(api: Api):
    api.at("2026-11-25T02:30:00Z")
    api.register()
    api.at("2026-11-25T16:00:00Z")  # 24:00 in Gaoping: the next day

    answer = refused(api, "resolve-on-spot", api.clerk("tax"), RESOLVE, 409)
    outcome = api.data(RESOLVE_MUTATION, {"id": CASE, "input": RESOLVE_INPUT}, token=api.clerk("tax"))["resolveOnSpotDispute"]

    assert (answer["error"], answer["case_status"]) == ("rejected", "ACCEPTED")
    assert "only on the day of receipt (2026-11-25)" in answer["detail"]
    assert outcome["__typename"] == "NotAllowed" and outcome["caseStatus"] == "ACCEPTED"


def test_a_saturday_intake_is_settled_on_the_spot_by_monday_but_not_on_tuesday(api: Api):
    api.at("2026-11-28T02:30:00Z")
    api.register(received_at="2026-11-28T02:00:00+00:00")  # Sat 28 Nov: deemed accepted Mon 30 Nov
    api.at("2026-12-01T01:00:00Z")  # Tue 1 Dec 09:00

    answer = refused(api, "resolve-on-spot", api.clerk("tax"), RESOLVE, 409)
    assert "or by its deemed acceptance day 2026-11-30" in answer["detail"]
    api.act(CASE, "resolve-on-spot", api.clerk("tax"), {**RESOLVE, "at": "2026-11-30T09:00:00+08:00"})


# --- item 7 -------------------------------------------------------------------------------------


def _escalated(api: Api) -> None:
    api.at("2026-11-25T02:30:00Z")
    api.register()
    api.transfer(CASE, "tax")
    api.act(CASE, "escalate", api.handler("tax"), {"reason": "涉及多部门"})
    api.at("2026-11-25T08:00:00Z")


def test_a_deliberation_of_one_unit_is_400_naming_attendees(api: Api):
    _escalated(api)
    one_unit = [{"unit": "tax", "name": "李四"}, {"unit": "tax", "name": "王五"}]

    answer = refused(api, "deliberation", api.taskforce(), {**DELIBERATION, "attendees": one_unit}, 400)

    assert answer["field"] == "attendees"
    assert "at least 2 distinct member units" in answer["detail"]


def test_a_deliberation_with_an_unknown_unit_is_400_naming_it(api: Api):
    _escalated(api)
    attendees = [{"unit": "tax", "name": "李四"}, {"unit": "atlantis", "name": "X"}]

    answer = refused(api, "deliberation", api.taskforce(), {**DELIBERATION, "attendees": attendees}, 400)
    assert answer["field"] == "attendees[1].unit"
    answer = refused(api, "deliberation", api.taskforce(),
                     {**DELIBERATION, "attendees": attendees[:1] * 2, "executing_unit": "atlantis"}, 400)
    assert answer["field"] == "executing_unit"


def test_a_deliberation_of_two_units_is_recorded(api: Api):
    _escalated(api)
    attendees = [{"unit": "tax", "name": "李四"}, {"unit": "hrss", "name": "王五"}]

    assert api.act(CASE, "deliberation", api.taskforce(), {**DELIBERATION, "attendees": attendees})["status"] == "DELIBERATED"


# --- item 8 -------------------------------------------------------------------------------------

RISK_QUEUE = 'query($u: String!) { queue(unit: $u, kind: RISK) { edges { node { caseNumber riskLevel peopleInvolved } } } }'


def test_a_group_of_five_is_flagged_at_registration_and_listed_in_the_risk_queue(api: Api):
    api.at("2026-11-25T02:30:00Z")
    registered = api.register(people_involved=5)
    api.register(people_involved=4)
    api.sync()
    police = api.clerk("police")

    assert registered["version"] == 2
    listed = [{"caseNumber": CASE, "riskLevel": "MEDIUM", "peopleInvolved": 5}]
    def risk(unit: str, token: str) -> list[dict[str, Any]]:
        return [e["node"] for e in api.data(RISK_QUEUE, {"u": unit}, token=token)["queue"]["edges"]]

    assert risk("police", police) == listed
    assert risk("taskforce", api.taskforce()) == listed
    assert risk("hrss", api.taskforce()) == []
    # MEDIUM: the queue shows it to the police; reading the case whole takes a HIGH flag.
    assert api.dispute(CASE, police, "caseNumber") is None
    api.act(CASE, "risk-flag", api.clerk("tax"), {"kind": "group", "level": "high", "people_involved": 40})
    api.sync()
    assert api.dispute(CASE, police, "caseNumber riskLevel") == {"caseNumber": CASE, "riskLevel": "HIGH"}


RISK_FILTER = 'query($l: RiskLevel) { disputes(filter: {riskLevel: $l}) { totalCount edges { node { caseNumber } } } }'


def test_disputes_filter_by_risk_level(api: Api):
    # given a group of five (flagged MEDIUM at registration) and a case without a flag
    api.at("2026-11-25T02:30:00Z")
    flagged = api.register(people_involved=5)["case_number"]
    api.register(people_involved=1)
    api.sync()
    auditor = api.auditor()

    def matching(level: str) -> list[str]:
        return [e["node"]["caseNumber"] for e in api.data(RISK_FILTER, {"l": level}, token=auditor)["disputes"]["edges"]]

    # then the filter takes the RiskLevel enum and matches the flag's level only
    assert matching("MEDIUM") == [flagged]
    assert matching("HIGH") == []
    assert api.data(RISK_FILTER, {"l": None}, token=auditor)["disputes"]["totalCount"] == 2


# --- item 11 ------------------------------------------------------------------------------------

ROUTING = "routing { suggestedUnit rule overrides { toUnit by reason at } } routingOverride"


def test_routing_names_the_suggestion_its_rule_and_each_override_with_who_and_why(api: Api):
    api.at("2026-11-25T02:30:00Z")
    api.register(category="special_assessment", insurance_types=["medical"])
    tax = api.clerk("tax")

    answer = refused(api, "transfer", tax, {"to_unit": "hrss"}, 400)
    assert answer["field"] == "note" and "suggested unit medical_insurance" in answer["detail"]
    api.transfer(CASE, "hrss", note="涉及养老保险部分，由人社局牵头")
    api.sync()

    assert api.dispute(CASE, tax, ROUTING) == {
        "routing": {
            "suggestedUnit": "medical_insurance",
            "rule": "special_assessment_medical_only",
            "overrides": [{"toUnit": "hrss", "by": "clerk-tax", "reason": "涉及养老保险部分，由人社局牵头",
                           "at": "2026-11-25T02:30:00+00:00"}],
        },
        "routingOverride": True,
    }


def test_a_transfer_to_the_suggested_unit_needs_no_note_and_records_no_override(api: Api):
    api.at("2026-11-25T02:30:00Z")
    api.register()  # late_fee: tax
    api.act(CASE, "transfer", api.clerk("tax"), {"to_unit": "tax"})
    api.sync()

    routing = api.dispute(CASE, api.clerk("tax"), ROUTING)["routing"]

    assert routing == {"suggestedUnit": "tax", "rule": "category", "overrides": []}


def test_graphql_transfer_without_a_note_is_invalid_input_naming_note(api: Api):
    api.at("2026-11-25T02:30:00Z")
    api.register()
    mutation = """mutation($id: String!, $input: TransferInput!) { transferDispute(caseNumber: $id, input: $input) {
        __typename ... on InvalidInput { field message } } }"""

    answer = api.data(mutation, {"id": CASE, "input": {"toUnit": "hrss"}}, token=api.clerk("tax"))

    assert answer["transferDispute"]["__typename"] == "InvalidInput"
    assert answer["transferDispute"]["field"] == "note"
