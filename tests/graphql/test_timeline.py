"""`timeline(caseNumber, asOf)`: the audit trail as recorded, time travel by recording instant, and
the deadline scheduler putting missed deadlines on the record."""

from __future__ import annotations

import re

from application.schedulers import DeadlineScheduler
from infrastructure.scheduling import ReadSideDeadlines
from tests.graphql.support import Api

CASE = "GP-2026-000001"

TIMELINE = """query($n: String!, $asOf: DateTime) {
  timeline(caseNumber: $n, asOf: $asOf) {
    caseNumber
    events { sequence type at recordedAt actor actorRole actorUnit data hash backdated }
    state { status level version overdue handlingUnit deadlines { kind dueAt metAt overdue } }
  }
}"""
VERIFY = "query($n: String!) { verifyCase(caseNumber: $n) { valid events headHash firstInvalidSequence } }"


def timeline(api: Api, token: str, as_of: str | None = None, case: str = CASE) -> dict:
    return api.data(TIMELINE, {"n": case, "asOf": as_of}, token=token)["timeline"]


def _life(api: Api) -> None:
    """t0 register; t1 transfer (late); t2 progress back-dated to t1+1h; t3 conclude."""
    api.at("2026-11-25T02:00:00Z")  # t0
    api.register(received_at="2026-11-25T01:00:00+00:00")  # transfer due Thu 26 Nov 16:00Z
    api.at("2026-11-27T02:00:00Z")  # t1
    api.transfer(CASE, "hrss", note="转人社局")
    api.at("2026-11-28T02:00:00Z")  # t2
    api.act(CASE, "progress", api.handler("hrss"), {"note": "已约谈", "at": "2026-11-27T03:00:00+00:00"})
    api.at("2026-11-30T02:00:00Z")  # t3
    api.act(CASE, "conclude", api.handler("hrss"), {"outcome": "corrected", "result": "已更正"})
    api.at("2026-11-30T03:00:00Z")
    api.sync()


def test_the_timeline_lists_every_event_with_its_envelope_and_a_chained_hash(api: Api):
    _life(api)

    t = timeline(api, api.auditor())

    assert t["caseNumber"] == CASE
    events = t["events"]
    assert [e["sequence"] for e in events] == [1, 2, 3, 4]
    assert [e["type"] for e in events] == ["DisputeRegistered", "DisputeTransferred", "ProgressRecorded", "HandlingConcluded"]
    assert [e["recordedAt"] for e in events] == [
        "2026-11-25T02:00:00+00:00", "2026-11-27T02:00:00+00:00", "2026-11-28T02:00:00+00:00", "2026-11-30T02:00:00+00:00"]
    assert [e["at"] for e in events] == [
        "2026-11-25T02:00:00+00:00", "2026-11-27T02:00:00+00:00", "2026-11-27T03:00:00+00:00", "2026-11-30T02:00:00+00:00"]
    assert [(e["actor"], e["actorRole"], e["actorUnit"]) for e in events] == [
        ("clerk-tax", "clerk", "tax"), ("clerk-tax", "clerk", "tax"),
        ("handler-hrss", "handler", "hrss"), ("handler-hrss", "handler", "hrss")]
    assert [e["backdated"] for e in events] == [False, False, True, False]
    assert events[1]["data"]["to_unit"] == "hrss"
    assert events[1]["data"]["note"] == "转人社局"
    assert events[2]["data"]["note"] == "已约谈"
    assert events[3]["data"]["outcome"] == "corrected"
    for e in events:
        assert re.fullmatch(r"[0-9a-f]{64}", e["hash"]), e["hash"]
        for envelope in ("originator_id", "originator_version", "timestamp", "at", "actor"):
            assert envelope not in e["data"]
    assert len({e["hash"] for e in events}) == 4
    # The head of the chain is what verification recomputes from the event store.
    v = api.data(VERIFY, {"n": CASE}, token=api.auditor())["verifyCase"]
    assert (v["valid"], v["events"], v["headHash"]) == (True, 4, events[-1]["hash"])
    assert t["state"]["status"] == "CONCLUDED"


def test_as_of_gives_the_record_and_the_state_as_they_stood_at_that_instant(api: Api):
    _life(api)
    token = api.auditor()

    before = timeline(api, token, "2026-11-25T01:59:59Z")
    assert before["events"] == [] and before["state"] is None

    t0 = timeline(api, token, "2026-11-25T02:00:00Z")  # inclusive of the instant itself
    assert [e["type"] for e in t0["events"]] == ["DisputeRegistered"]
    assert t0["state"] == {
        "status": "ACCEPTED", "level": None, "version": 1, "overdue": False, "handlingUnit": None,
        "deadlines": [{"kind": "TRANSFER", "dueAt": "2026-11-26T16:00:00+00:00", "metAt": None, "overdue": False}],
    }

    # After the transfer deadline, before the (late) transfer was recorded: overdue as of then.
    late = timeline(api, token, "2026-11-26T20:00:00+00:00")
    assert [e["sequence"] for e in late["events"]] == [1]
    assert late["state"]["overdue"] is True
    assert late["state"]["deadlines"] == [
        {"kind": "TRANSFER", "dueAt": "2026-11-26T16:00:00+00:00", "metAt": None, "overdue": True}]

    t1 = timeline(api, token, "2026-11-27T10:00:00+08:00")  # = t1, given in Shanghai time
    assert [e["sequence"] for e in t1["events"]] == [1, 2]
    assert t1["state"]["status"] == "TRANSFERRED"
    assert t1["state"]["level"] == "GENERAL"
    assert t1["state"]["handlingUnit"] == "hrss"
    assert t1["state"]["deadlines"] == [
        {"kind": "TRANSFER", "dueAt": "2026-11-26T16:00:00+00:00", "metAt": "2026-11-27T02:00:00+00:00", "overdue": True},
        # transferred Fri 27 Nov: 5 working days → Fri 4 Dec
        {"kind": "HANDLING", "dueAt": "2026-12-04T16:00:00+00:00", "metAt": None, "overdue": False},
    ]

    # The back-dated progress (act at t1+1h) was recorded only at t2: it is not in the record at t1+1h.
    t1h = timeline(api, token, "2026-11-27T03:00:00Z")
    assert [e["sequence"] for e in t1h["events"]] == [1, 2]
    t2 = timeline(api, token, "2026-11-28T02:00:00Z")
    assert [e["sequence"] for e in t2["events"]] == [1, 2, 3]
    assert t2["events"][2]["backdated"] is True
    assert t2["state"]["version"] == 3

    t3 = timeline(api, token, "2026-11-30T02:00:00Z")
    now = timeline(api, token)
    assert t3 == now
    assert now["state"]["status"] == "CONCLUDED"
    assert now["state"]["deadlines"][1]["metAt"] == "2026-11-30T02:00:00+00:00"


def test_a_timeline_out_of_reach_or_unknown_is_null(api: Api):
    api.register()
    api.sync()

    assert api.data(TIMELINE, {"n": CASE}, token=api.clerk("hrss"))["timeline"] is None
    assert api.data(TIMELINE, {"n": "GP-2026-000404"}, token=api.auditor())["timeline"] is None
    assert api.data(TIMELINE, {"n": CASE}, token=api.integrator())["timeline"] is None


def test_as_of_without_an_offset_is_bad_input(api: Api):
    api.register()
    api.sync()

    answer = api.gql(TIMELINE, {"n": CASE, "asOf": "2026-11-26T02:00:00"}, token=api.auditor())

    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "asOf" in answer["errors"][0]["message"]


# --- the deadline scheduler ------------------------------------------------------------------


def test_the_scheduler_records_a_missed_deadline_once_the_clock_has_passed_it(api: Api):
    api.register()  # transfer due 2026-11-26T16:00Z
    api.register(received_at="2026-11-26T01:00:00+00:00")  # due Fri 27 Nov: not missed
    api.sync()
    scheduler = DeadlineScheduler(api.runtime.fengqiao, ReadSideDeadlines(api.runtime.reads))

    assert scheduler.sweep() == 0, "nothing is missed yet"

    api.at("2026-11-26T18:00:00Z")
    assert scheduler.sweep() == 1
    api.sync()

    events = timeline(api, api.auditor())["events"]
    assert [e["type"] for e in events] == ["DisputeRegistered", "DeadlineMissed"]
    missed = events[1]
    assert missed["data"]["kind"] == "transfer"
    assert missed["data"]["due_at"].startswith("2026-11-26T16:00:00")
    assert missed["at"] == "2026-11-26T16:00:00+00:00"  # the miss happened at the deadline
    assert missed["recordedAt"] == "2026-11-26T18:00:00+00:00"
    assert missed["backdated"] is True
    assert missed["actorRole"] == "system"
    assert timeline(api, api.auditor(), case="GP-2026-000002")["events"][-1]["type"] == "DisputeRegistered"

    # A second sweep records nothing more, whether or not the read models have caught up.
    head = api.head()
    assert scheduler.sweep() == 0
    api.sync()
    assert scheduler.sweep() == 0
    assert api.head() == head
    assert len(timeline(api, api.auditor())["events"]) == 2
    # The case stays overdue; the miss is on the record, the deadline still open.
    d = api.dispute(CASE, api.auditor(), "overdue version deadlines { metAt overdue }")
    assert d == {"overdue": True, "version": 2, "deadlines": [{"metAt": None, "overdue": True}]}


def test_the_scheduler_leaves_met_deadlines_alone(api: Api):
    api.register()
    api.transfer(CASE, "hrss")  # met on time; handling due Thu 3 Dec
    api.sync()
    api.at("2026-12-01T00:00:00Z")

    assert DeadlineScheduler(api.runtime.fengqiao, ReadSideDeadlines(api.runtime.reads)).sweep() == 0

    api.at("2026-12-03T16:00:01Z")
    assert DeadlineScheduler(api.runtime.fengqiao, ReadSideDeadlines(api.runtime.reads)).sweep() == 1
    api.sync()
    events = timeline(api, api.auditor())["events"]
    assert (events[-1]["type"], events[-1]["data"]["kind"]) == ("DeadlineMissed", "handling")
