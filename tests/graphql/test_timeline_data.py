"""The timeline's shortcuts give what the long way gives: an event's `data` read straight from
its stored JSON equals its typed decoding turned back into plain values, and the `state` taken
from the case's read-model view equals the fold of the timeline's own events."""

from __future__ import annotations

import msgspec

from application.event_codec import decode_event
from interfaces.demo import load_demo, minimum_size
from interfaces.graphql.timeline import _ENVELOPE, _event_data
from tests.graphql.support import Api

STATE = "state { caseNumber status level version overdue handlingUnit acceptingUnit deadlines { kind dueAt metAt overdue } }"
NOW = "query($n: String!) { timeline(caseNumber: $n) { " + STATE + " } }"
FOLDED = "query($n: String!, $asOf: DateTime) { timeline(caseNumber: $n, asOf: $asOf) { " + STATE + " } }"


def _as_client_sees(value: object) -> object:
    return msgspec.json.decode(msgspec.json.encode(value))


def test_every_stored_event_reads_the_same_untyped_as_typed(api: Api):
    load_demo(api.runtime.fengqiao, size=minimum_size())
    notifications = api.runtime.fengqiao.recorder.select_notifications(start=1, limit=100_000)
    types = set()
    for n in notifications:
        typed = msgspec.to_builtins(decode_event(n.topic, n.state))
        if not isinstance(typed, dict) or "at" not in typed:
            continue  # reference-data events are not on a timeline
        for key in _ENVELOPE:
            typed.pop(key, None)
        # Compared as the client gets them: as JSON (a tuple and a list are the same array).
        assert _as_client_sees(_event_data(n.state)) == _as_client_sees(typed), n.topic
        types.add(n.topic.rsplit(":", 1)[-1])
    assert len(types) >= 12, types  # the demo covers the lifecycle's events


def test_the_state_from_the_view_equals_the_fold_of_the_events(api: Api):
    summary = load_demo(api.runtime.fengqiao, size=minimum_size())
    api.sync()
    numbers = [r[0] for r in api.runtime.reads.query(lambda cur: cur.execute("SELECT case_number FROM rm_cases") or cur.fetchall())]
    assert len(numbers) >= minimum_size(), summary
    token = api.auditor()
    far = "2099-01-01T00:00:00+00:00"  # an asOf after everything: the timeline folds its events
    for number in numbers:
        now = api.data(NOW, {"n": number}, token=token)["timeline"]["state"]
        folded = api.data(FOLDED, {"n": number, "asOf": far}, token=token)["timeline"]["state"]
        for deadline in folded["deadlines"] + now["deadlines"]:
            deadline.pop("overdue")  # judged at asOf for the folded one
        folded.pop("overdue"), now.pop("overdue")
        assert now == folded, number
