"""The real `fengqiao serve` on SQLite sends webhooks by itself; a receiver holds what it got
against the case's timeline, and `fengqiao deliveries status` reports it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook

from tests.e2e import support as s
from tests.e2e.conftest import FENGQIAO, Server, clean_env
from tests.webhooks.receiver import Receiver

TIMELINE = """query($n: String!) { timeline(caseNumber: $n) { events { sequence type at } } }"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server("sqlite", tmp_path, clean_env(FENGQIAO_WEBHOOK_ALLOW_HOSTS="127.0.0.1"))
    srv.start()
    try:
        yield srv
    finally:
        srv.kill()


def test_serve_delivers_what_the_timeline_holds(server: Server, local: Receiver) -> None:
    platform = server.caller("integrator", "tax")
    made = platform.post("/api/v1/subscriptions", {"url": local.url, "description": "12366"})
    assert made.status_code == 201, made.text
    case = s.expect_answer(platform.register(), 201, "ACCEPTED", 1)["case_number"]
    clerk = server.caller("clerk", "tax")
    s.expect_answer(clerk.command(case, "transfer", s.transfer_body()), 200, "TRANSFERRED", 2)
    got = local.wait_for(2, timeout=20)
    verifier = Webhook(made.json()["secret"])
    messages = [verifier.verify(r.body, r.headers) for r in got]
    answer = server.http.post("/graphql", json={"query": TIMELINE, "variables": {"n": case}}, headers=platform.headers())
    events = answer.json()["data"]["timeline"]["events"]
    delivered = [(m["subject"], m["data"]["version"], m["time"]) for m in messages]
    assert delivered == [(case, e["sequence"], e["at"]) for e in events], (delivered, events)
    done = subprocess.run([FENGQIAO, "deliveries", "status"], cwd=server.cwd, env=server.env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    status: dict[str, Any] = json.loads(done.stdout)
    assert (status["delivered"], status["dead"], status["lag"]) == (2, 0, 0)
