"""`timeline(caseNumber, asOf, axis)` (issue 12, item 15): RECORDED (the default) is the record as
it stood at a recording instant; ACTED is the case as it stood at an act time, back-dated acts
recorded later included."""

from __future__ import annotations

from tests.graphql.support import Api

CASE = "GP-2026-000001"
Q = """query($n: String!, $asOf: DateTime, $axis: TimelineAxis) {
  timeline(caseNumber: $n, asOf: $asOf, axis: $axis) {
    axis asOf events { sequence type } state { status handlingUnit }
  }
}"""


def back_dated(api: Api) -> None:
    """A case called in on Mon 23 Nov 2026 and transferred that day, all recorded on Thu 26 Nov."""
    api.at("2026-11-26T02:00:00Z")
    api.register(received_at="2026-11-23T01:00:00+00:00", at="2026-11-23T01:30:00+00:00")
    api.at("2026-11-26T02:05:00Z")
    api.transfer(CASE, "hrss", at="2026-11-23T03:00:00+00:00")
    api.sync()


def timeline(api: Api, as_of: str | None, axis: str | None) -> dict:
    return api.data(Q, {"n": CASE, "asOf": as_of, "axis": axis}, token=api.auditor())["timeline"]


def test_on_the_acted_axis_a_back_dated_case_stands_as_it_did_then(api: Api):
    back_dated(api)

    acted = timeline(api, "2026-11-23T02:00:00Z", "ACTED")

    assert acted["axis"] == "ACTED"
    assert [e["type"] for e in acted["events"]] == ["DisputeRegistered"]
    assert acted["state"] == {"status": "ACCEPTED", "handlingUnit": None}
    later = timeline(api, "2026-11-24T00:00:00Z", "ACTED")
    assert later["state"] == {"status": "TRANSFERRED", "handlingUnit": "hrss"}


def test_on_the_recorded_axis_nothing_of_it_was_on_record_then(api: Api):
    back_dated(api)

    recorded = timeline(api, "2026-11-24T00:00:00Z", "RECORDED")
    default = timeline(api, "2026-11-24T00:00:00Z", None)

    assert recorded == default == {"axis": "RECORDED", "asOf": "2026-11-24T00:00:00+00:00", "events": [], "state": None}
    between = timeline(api, "2026-11-26T02:01:00Z", "RECORDED")
    assert between["state"] == {"status": "ACCEPTED", "handlingUnit": None}


def test_before_the_registration_act_there_is_no_case_on_either_axis(api: Api):
    back_dated(api)

    assert timeline(api, "2026-11-23T01:00:00Z", "ACTED")["state"] is None


def test_an_unknown_axis_is_refused_naming_the_enum(api: Api):
    back_dated(api)

    answer = api.gql(Q, {"n": CASE, "asOf": None, "axis": "SOMETIME"}, token=api.auditor())

    assert answer["data"] is None
    assert "TimelineAxis" in answer["errors"][0]["message"]
