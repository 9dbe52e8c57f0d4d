"""Read-your-writes: with projections running in the background, a query carrying the position a
command answered sees that command's effect. And the background work itself: one projection
runner per deployment, woken by writes from other processes."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

import msgspec
import pytest

from application import commands as cmd
from infrastructure.coordination import PostgresLeadership
from infrastructure.store import open_application
from tests.application._support import CLERK_TAX, register_body
from tests.graphql.support import Api

Q = """query($n: String!) {
  dispute(caseNumber: $n) { status version }
  timeline(caseNumber: $n) { events { sequence } }
  disputes { totalCount }
}"""


def test_a_query_with_the_commands_position_sees_the_write_every_time(api: Api):
    api.runtime.start_background(scheduler=False)
    tax = api.clerk("tax")

    for i in range(1, 21):
        r = api.register(received_at="2026-11-25T02:00:00+00:00", external_ref=f"WO-{i}")
        data = api.data(Q, {"n": r["case_number"]}, token=tax, position=r["position"])
        assert data["dispute"] == {"status": "ACCEPTED", "version": 1}, (i, data)
        assert data["disputes"]["totalCount"] == i
        assert [e["sequence"] for e in data["timeline"]["events"]] == [1]

        t = api.transfer(r["case_number"], "hrss")
        data = api.data(Q, {"n": r["case_number"]}, token=tax, position=t["position"])
        assert data["dispute"] == {"status": "TRANSFERRED", "version": 2}, (i, data)
        assert [e["sequence"] for e in data["timeline"]["events"]] == [1, 2]


def test_the_consistency_header_must_be_a_position(api: Api):
    r = api.client.post("/graphql", json={"query": "{ disputes { totalCount } }"},
                        headers={**api.headers(api.clerk("tax")), "X-Consistency-Position": "latest"})

    assert r.status_code == 400
    assert "x-consistency-position" in r.text.lower()


def test_a_position_already_processed_answers_at_once_without_background_work(api: Api):
    # Nothing runs the projections: a position already processed (0 or below) does not wait at all.
    api.register()
    assert api.data("{ disputes { totalCount } }", token=api.auditor(), position=0)["disputes"]["totalCount"] == 0
    api.sync()
    assert api.data("{ disputes { totalCount } }", token=api.auditor(), position=api.head())["disputes"]["totalCount"] == 1


def _postgres_only(api: Api) -> None:
    if api.runtime.settings.store.kind != "postgresql":
        pytest.skip("advisory locks and LISTEN/NOTIFY are PostgreSQL's")


def test_another_deployment_in_the_same_database_does_not_keep_the_projections_standing_by(api: Api):
    _postgres_only(api)
    store = api.runtime.settings.store
    # The projection runner of a deployment in another schema of the same database, leading.
    other_deployment = PostgresLeadership(dataclasses.replace(store, schema=f"{store.schema}_other"))
    assert other_deployment.try_acquire()
    try:
        api.runtime.start_background(scheduler=False)
        r = api.register()

        assert api.runtime.reads.runner.wait_for(r["position"], 1.0), "this deployment's projections never ran"
    finally:
        other_deployment.release()


def test_a_second_runtime_on_the_same_store_stands_by_while_the_first_leads(api: Api, settings: Any, clock: Any):
    from interfaces.runtime import build_runtime

    api.runtime.start_background(scheduler=False)
    second = build_runtime(settings, with_http=False, clock=clock)
    try:
        second.start_background(scheduler=False)
        deadline = time.monotonic() + 5
        while api.runtime.reads.runner.status()["running_here"] is not True and time.monotonic() < deadline:
            time.sleep(0.01)
        r = api.register()
        assert second.reads.runner.wait_for(r["position"], 2.0), "the leader projected it for both"
        assert api.runtime.reads.runner.status()["running_here"] is True
        assert second.reads.runner.status()["running_here"] is False
    finally:
        second.close()


def test_a_write_from_another_process_wakes_the_projections_through_listen(api: Api, settings: Any,
                                                                          request: pytest.FixtureRequest):
    _postgres_only(api)
    woken = threading.Event()
    runner = api.runtime.reads.runner
    runner.wake = woken.set  # type: ignore[method-assign]  # what the listener calls
    api.runtime.start_background(scheduler=False)
    listener = api.runtime.background[-1]
    deadline = time.monotonic() + 5
    while not listener.connected and time.monotonic() < deadline:
        time.sleep(0.01)
    assert listener.connected
    time.sleep(0.05)
    woken.clear()  # the wake-up on connecting

    other_process = open_application(settings, clock=api.clock)  # its own listeners: none of ours
    try:
        other_process.register(msgspec.convert(register_body(), cmd.RegisterDispute), CLERK_TAX)
    finally:
        other_process.close()

    assert woken.wait(1.0), "no NOTIFY reached the listener"


def test_a_wait_that_times_out_says_so_in_a_header_and_the_extensions(api: Api, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("interfaces.graphql.controller.CONSISTENCY_WAIT", 0.2)
    tax = api.clerk("tax")
    r = api.register()  # the projections do not run in the background here: the read side stays behind
    api.sync()
    caught_up = api.client.post("/graphql", json={"query": "{ disputes { totalCount } }"},
                                headers=api.headers(tax, position=r["position"]))
    t = api.transfer(r["case_number"], "hrss")

    behind = api.client.post("/graphql", json={"query": "{ disputes { totalCount } }"},
                             headers=api.headers(tax, position=t["position"]))

    assert caught_up.headers["X-Consistency-Reached"] == "true"
    assert "extensions" not in caught_up.json() or "consistency" not in caught_up.json()["extensions"]
    assert behind.status_code == 200
    assert behind.headers["X-Consistency-Reached"] == "false"
    assert behind.json()["extensions"]["consistency"] == {"requested": t["position"], "reached": r["position"]}
    assert behind.json()["data"] == {"disputes": {"totalCount": 1}}
