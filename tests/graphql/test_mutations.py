"""Mutations: the REST commands over GraphQL, with expected failures as typed results and nothing
recorded on a failure."""

from __future__ import annotations

from tests.graphql.support import ID_NUMBER, Api, body

OUTCOME = """
  __typename
  ... on CommandSuccess { id caseNumber status version position }
  ... on InvalidInput { field message }
  ... on NotAllowed { status message }
  ... on NotFound { message }
  ... on Denied { message }
"""
REGISTER = f"mutation($input: JSON!) {{ registerDispute(input: $input) {{ {OUTCOME} }} }}"
TRANSFER = f"mutation($id: String!, $input: JSON!) {{ transferDispute(id: $id, input: $input) {{ {OUTCOME} }} }}"
CASE = "GP-2026-000001"


def test_register_then_transfer_answer_command_success_and_are_read_back(api: Api):
    tax = api.clerk("tax")

    registered = api.data(REGISTER, {"input": body()}, token=tax)["registerDispute"]
    transferred = api.data(TRANSFER, {"id": CASE, "input": {"to_unit": "hrss", "note": "转人社局"}}, token=tax)["transferDispute"]

    assert registered == {"__typename": "CommandSuccess", "id": registered["id"], "caseNumber": CASE,
                          "status": "ACCEPTED", "version": 1, "position": 2}
    assert transferred == {"__typename": "CommandSuccess", "id": registered["id"], "caseNumber": CASE,
                           "status": "TRANSFERRED", "version": 2, "position": 3}
    api.sync()
    d = api.dispute(CASE, tax, "status handlingUnit version")
    assert d == {"status": "TRANSFERRED", "handlingUnit": "hrss", "version": 2}
    # The UUID works as the id too.
    again = api.data(TRANSFER, {"id": registered["id"], "input": {"to_unit": "tax"}}, token=tax)["transferDispute"]
    assert again["__typename"] == "NotAllowed"


def test_bad_input_names_the_field_and_records_nothing(api: Api):
    tax = api.clerk("tax")
    head = api.head()
    bad_id = ID_NUMBER[:-1] + "1"  # wrong check character
    cases = {
        "channel": body(channel="carrier_pigeon"),
        "summary": {k: v for k, v in body().items() if k != "summary"},
        "payer.id_number": body(payer={"kind": "individual", "name": "张三", "id_number": bad_id, "phone": "13812345678"}),
        "payer.phone": body(payer={"kind": "individual", "name": "张三", "id_number": ID_NUMBER, "phone": "12345"}),
        "received_at": body(received_at="2027-01-01T00:00:00+00:00"),  # in the future
        "people_involved": body(people_involved=0),
        "township": body(township="不存在镇"),
    }
    for field, data in cases.items():
        answer = api.data(REGISTER, {"input": data}, token=tax)["registerDispute"]
        assert answer["__typename"] == "InvalidInput", (field, answer)
        assert answer["field"] == field, (field, answer)
        assert answer["message"]

    assert api.head() == head, "nothing was recorded"


def test_an_unknown_field_in_a_case_command_is_invalid_input(api: Api):
    api.register()
    head = api.head()

    answer = api.data(TRANSFER, {"id": CASE, "input": {"to_unit": "hrss", "urgent": True}}, token=api.clerk("tax"))["transferDispute"]

    assert (answer["__typename"], answer["field"]) == ("InvalidInput", "urgent")
    assert api.head() == head


def test_an_illegal_transition_is_not_allowed_and_names_the_status(api: Api):
    api.register()
    api.transfer(CASE, "hrss")
    head = api.head()

    answer = api.data(TRANSFER, {"id": CASE, "input": {"to_unit": "tax"}}, token=api.clerk("tax"))["transferDispute"]

    assert answer["__typename"] == "NotAllowed"
    assert answer["status"] == "TRANSFERRED"
    assert api.head() == head


def test_out_of_reach_is_not_found_and_a_wrong_role_is_denied(api: Api):
    api.register()
    head = api.head()

    hidden = api.data(TRANSFER, {"id": CASE, "input": {"to_unit": "hrss"}}, token=api.clerk("hrss"))["transferDispute"]
    denied = api.data(TRANSFER, {"id": CASE, "input": {"to_unit": "hrss"}}, token=api.auditor())["transferDispute"]
    unknown = api.data(TRANSFER, {"id": "GP-2026-000404", "input": {"to_unit": "hrss"}}, token=api.clerk("tax"))["transferDispute"]
    foreign = api.data(REGISTER, {"input": body(accepting_unit="hrss")}, token=api.clerk("tax"))["registerDispute"]

    assert hidden["__typename"] == "NotFound"
    assert unknown["__typename"] == "NotFound"
    assert hidden["message"].replace(CASE, "X") == unknown["message"].replace("GP-2026-000404", "X")
    assert denied["__typename"] == "Denied"
    assert foreign["__typename"] == "Denied"
    assert api.head() == head


def test_an_idempotency_key_replays_the_first_answer(api: Api):
    q = "mutation($input: JSON!) { registerDispute(input: $input, idempotencyKey: \"k-1\") { ... on CommandSuccess { caseNumber position } } }"
    first = api.data(q, {"input": body()}, token=api.clerk("tax"))["registerDispute"]
    head = api.head()

    second = api.data(q, {"input": body()}, token=api.clerk("tax"))["registerDispute"]

    assert first == second == {"caseNumber": CASE, "position": 2}
    assert api.head() == head
