"""Idempotency keys and concurrent commands, with real threads against the real server."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx

from tests.e2e import support as s
from tests.e2e.conftest import Caller, Server


def _together(server: Server, n: int, call: Callable[[httpx.Client], httpx.Response]) -> list[httpx.Response]:
    """Run `call` from n threads, each with its own connection, released at the same moment."""
    barrier = threading.Barrier(n)

    def run(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.url, timeout=60.0) as client:
            barrier.wait()
            return call(client)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _register_with(caller: Caller, body: dict[str, Any], key: str | None) -> Callable[[httpx.Client], httpx.Response]:
    return lambda client: caller.post("/api/v1/disputes", body, key=key, client=client)


def test_retry_with_the_same_key_returns_the_first_answer(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    key = f"e2e-{uuid.uuid4()}"
    body = s.registration()
    first = clerk.register(body, key=key)
    again = clerk.register(body, key=key)
    case = s.expect_answer(first, 201, "ACCEPTED", 1)
    assert again.status_code == 201 and again.json() == case
    following = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    assert s.sequence_of(following["case_number"]) == s.sequence_of(case["case_number"]) + 1

    transfer_key = f"e2e-{uuid.uuid4()}"
    moved = s.expect_answer(
        clerk.command(case["id"], "transfer", s.transfer_body(), key=transfer_key), 200, "TRANSFERRED", 2
    )
    assert clerk.command(case["id"], "transfer", s.transfer_body(), key=transfer_key).json() == moved
    progress = server.caller("handler", "hrss").command(case["id"], "progress", s.progress_body())
    s.expect_answer(progress, 200, "TRANSFERRED", 3, same_case=moved)


def test_ten_concurrent_registrations_with_one_key_record_one_case(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    before = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    key = f"e2e-{uuid.uuid4()}"
    body = s.registration()
    answers = _together(server, 10, _register_with(clerk, body, key))
    codes = Counter(r.status_code for r in answers)
    assert set(codes) <= {201, 409}, [(r.status_code, r.text) for r in answers]
    for r in answers:
        if r.status_code == 409:
            # "still running", not a refusal of the case's state (which would name a status)
            assert "case_status" not in s.expect_error(r, 409), r.text
    created = {r.text for r in answers if r.status_code == 201}
    # At least one request did the work; every 201 is the same answer.
    assert len(created) == 1, created
    case = s.expect_answer(next(r for r in answers if r.status_code == 201), 201, "ACCEPTED", 1)
    assert s.sequence_of(case["case_number"]) == s.sequence_of(before["case_number"]) + 1
    assert clerk.register(body, key=key).json() == case
    after = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    assert s.sequence_of(after["case_number"]) == s.sequence_of(case["case_number"]) + 1


def test_ten_concurrent_commands_with_one_key_record_one_event(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    handler = server.caller("handler", "hrss")
    case = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    moved = s.expect_answer(clerk.command(case["id"], "transfer", s.transfer_body()), 200, "TRANSFERRED", 2)
    key = f"e2e-{uuid.uuid4()}"
    body = s.progress_body("同一请求重试")
    answers = _together(
        server, 10, lambda client: handler.command(case["id"], "progress", body, key=key, client=client)
    )
    assert {r.status_code for r in answers} <= {200, 409}, [(r.status_code, r.text) for r in answers]
    done = {r.text for r in answers if r.status_code == 200}
    assert len(done) == 1, done
    recorded = s.expect_answer(next(r for r in answers if r.status_code == 200), 200, "TRANSFERRED", 3, same_case=moved)
    for r in answers:
        if r.status_code == 409:
            assert "case_status" not in s.expect_error(r, 409), r.text
    s.expect_answer(
        handler.command(case["id"], "progress", s.progress_body()), 200, "TRANSFERRED", 4, same_case=recorded
    )


def test_idempotency_key_is_scoped_to_the_caller(server: Server) -> None:
    first = server.caller("clerk", "tax", "e2e-clerk-window-1")
    second = server.caller("clerk", "tax", "e2e-clerk-window-2")
    key = f"e2e-{uuid.uuid4()}"
    body = s.registration()
    mine = s.expect_answer(first.register(body, key=key), 201, "ACCEPTED", 1)
    theirs = s.expect_answer(second.register(body, key=key), 201, "ACCEPTED", 1)
    assert theirs["case_number"] != mine["case_number"]
    assert s.sequence_of(theirs["case_number"]) == s.sequence_of(mine["case_number"]) + 1
    # Each caller's retry still gets its own first answer; a different body is no clash for the other.
    assert first.register(body, key=key).json() == mine
    assert second.register(body, key=key).json() == theirs
    s.expect_answer(
        server.caller("clerk", "hrss", "e2e-clerk-window-1").register(s.registration("hrss"), key=key),
        201,
        "ACCEPTED",
        1,
    )


DEFAULT_AT_BUG = (
    "bug: application/disputes.py Fengqiao._act() takes `now = self.clock()` and defaults `at` to "
    "it before `dispute = self._get(dispute_id, ref)` loads the case; when another command on the "
    "case is recorded in between, or the previous event's `at` lies up to 5 s (CLOCK_SKEW) ahead "
    "of now, a command that sent no `at` is refused with 400 'at: is before the case's previous "
    "event' instead of succeeding (or 409 for a lost race)"
)
ROUNDS = 20  # the race does not show in every round (about one round in three shows it)


def _progress_round(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    handler = server.caller("handler", "hrss")
    case = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    moved = s.expect_answer(clerk.command(case["id"], "transfer", s.transfer_body()), 200, "TRANSFERRED", 2)
    answers = _together(
        server, 8, lambda client: handler.command(case["case_number"], "progress", s.progress_body(), client=client)
    )
    assert {r.status_code for r in answers} <= {200, 409}, [(r.status_code, r.text) for r in answers]
    ok = [s.expect_answer(r, 200, "TRANSFERRED", same_case=moved) for r in answers if r.status_code == 200]
    for r in answers:
        if r.status_code == 409:
            s.expect_error(r, 409, status="TRANSFERRED")
    assert ok, "no progress command succeeded"
    versions = sorted(a["version"] for a in ok)
    assert versions == list(range(3, 3 + len(ok))), versions  # no version given twice
    # Final version = 1 (registration) + 1 (transfer) + the number of 200s.
    final = s.expect_answer(handler.command(case["id"], "progress", s.progress_body()), 200, "TRANSFERRED")
    assert final["version"] - 1 == 1 + 1 + len(ok), (final, len(ok))


def test_eight_concurrent_progress_commands(server: Server) -> None:
    for _ in range(ROUNDS):
        _progress_round(server)


def test_concurrent_progress_records_exactly_the_accepted_commands(server: Server) -> None:
    """The invariant that holds despite DEFAULT_AT_BUG: only the 200s were recorded, each once.
    (The bug's spurious 400 naming `at` is tolerated here and held against in the strict xfails.)"""
    clerk = server.caller("clerk", "tax")
    handler = server.caller("handler", "hrss")
    case = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    moved = s.expect_answer(clerk.command(case["id"], "transfer", s.transfer_body()), 200, "TRANSFERRED", 2)
    answers = _together(
        server, 8, lambda client: handler.command(case["id"], "progress", s.progress_body(), client=client)
    )
    ok = []
    for r in answers:
        if r.status_code == 200:
            ok.append(s.expect_answer(r, 200, "TRANSFERRED", same_case=moved))
        elif r.status_code == 409:
            s.expect_error(r, 409, status="TRANSFERRED")
        else:
            s.expect_error(r, 400, field="at")  # DEFAULT_AT_BUG
    assert sorted(a["version"] for a in ok) == list(range(3, 3 + len(ok)))
    final = s.expect_answer(handler.command(case["id"], "progress", s.progress_body()), 200, "TRANSFERRED")
    assert final["version"] == 1 + 1 + len(ok) + 1


def test_a_command_without_at_is_not_refused_for_the_previous_events_at(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    handler = server.caller("handler", "hrss")
    case = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    s.expect_answer(clerk.command(case["id"], "transfer", s.transfer_body()), 200, "TRANSFERRED", 2)
    # A client whose clock runs 3 s fast: accepted within the server's clock-skew tolerance.
    ahead = {**s.progress_body(), "at": s.iso(s.now() + timedelta(seconds=3))}
    s.expect_answer(handler.command(case["id"], "progress", ahead), 200, "TRANSFERRED", 3)
    # The next command sends no `at` at all; it must not be refused over a field it did not send.
    s.expect_answer(handler.command(case["id"], "progress", s.progress_body()), 200, "TRANSFERRED", 4)


def test_concurrent_registrations_get_consecutive_case_numbers(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    before = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    answers = _together(server, 10, lambda client: clerk.post("/api/v1/disputes", s.registration(), client=client))
    numbers = sorted(s.sequence_of(s.expect_answer(r, 201, "ACCEPTED", 1)["case_number"]) for r in answers)
    first = s.sequence_of(before["case_number"]) + 1
    assert numbers == list(range(first, first + 10)), numbers
