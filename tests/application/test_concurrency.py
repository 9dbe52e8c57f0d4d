"""Two writers on one case: exactly one wins, the other gets ConcurrencyConflict and records
nothing; a lost acknowledgement (the write landed, the caller saw an IntegrityError) is a success."""

from __future__ import annotations

import threading

import pytest
from eventsourcing.persistence import IntegrityError

from application import commands as cmd
from application.errors import ConcurrencyConflict
from domain.reference import dispute_id_for
from domain.values import Status
from tests.application._support import (
    AUDITOR,
    CLERK_TAX,
    HANDLER_TAX,
    command,
    hold_after_load,
    progress,
    register,
    run_concurrently,
    transfer,
)

CASE_1 = "GP-2026-000001"


@pytest.fixture
def two_apps_with_a_transferred_case(make_app):
    app1, app2 = make_app(), make_app()
    register(app1)
    transfer(app1, CASE_1, "tax")
    assert app2.get_dispute(CASE_1, AUDITOR).version == 2
    return app1, app2


def test_two_instances_load_the_same_version_exactly_one_saves(two_apps_with_a_transferred_case):
    app1, app2 = two_apps_with_a_transferred_case
    barrier = threading.Barrier(2)
    hold_after_load(app1, barrier)
    hold_after_load(app2, barrier)
    before = app1.recorder.max_notification_id()

    outcomes = run_concurrently([
        lambda: app1.conclude(CASE_1, command(cmd.Conclude, outcome="explained", result="已解释"), HANDLER_TAX),
        lambda: app2.escalate(CASE_1, command(cmd.Escalate, reason="需研判"), HANDLER_TAX),
    ])

    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "ok"], outcomes
    (winner,) = [value for kind, value in outcomes if kind == "ok"]
    (loser,) = [value for kind, value in outcomes if kind == "error"]
    assert isinstance(loser, ConcurrencyConflict)
    assert winner.version == 3
    assert winner.status in ("CONCLUDED", "ESCALATED")
    # The conflict names the status the winner left the case in.
    assert loser.status == winner.status.lower()
    # Only the winner's single event was recorded.
    assert app1.recorder.max_notification_id() == before + 1 == winner.position
    dispute = app2.get_dispute(CASE_1, AUDITOR)
    assert dispute.version == 3
    assert dispute.status == Status(winner.status.lower())
    assert len(app1.dispute_events(CASE_1, AUDITOR)) == 3


def test_ten_writers_that_all_loaded_the_same_version_one_wins_nine_conflict(two_apps_with_a_transferred_case):
    app1, app2 = two_apps_with_a_transferred_case
    barrier = threading.Barrier(10)
    hold_after_load(app1, barrier)
    hold_after_load(app2, barrier)
    before = app1.recorder.max_notification_id()

    outcomes = run_concurrently(
        [lambda i=i: progress((app1, app2)[i % 2], CASE_1, f"进展 {i}") for i in range(10)]
    )

    successes = [value for kind, value in outcomes if kind == "ok"]
    conflicts = [value for kind, value in outcomes if kind == "error"]
    assert len(successes) == 1, outcomes
    assert len(conflicts) == 9
    assert all(isinstance(c, ConcurrencyConflict) and c.status == Status.TRANSFERRED for c in conflicts)
    assert successes[0].version == 3
    assert app1.recorder.max_notification_id() == before + 1
    assert app1.get_dispute(CASE_1, AUDITOR).version == 3


def test_ten_unsynchronised_writers_on_two_instances_each_either_land_or_conflict(two_apps_with_a_transferred_case):
    app1, app2 = two_apps_with_a_transferred_case
    before = app1.recorder.max_notification_id()

    outcomes = run_concurrently(
        [lambda i=i: progress((app1, app2)[i % 2], CASE_1, f"进展 {i}") for i in range(10)]
    )

    successes = [value for kind, value in outcomes if kind == "ok"]
    conflicts = [value for kind, value in outcomes if kind == "error"]
    assert all(isinstance(c, ConcurrencyConflict) for c in conflicts), conflicts
    assert len(successes) + len(conflicts) == 10
    assert len(successes) >= 1
    versions = sorted(r.version for r in successes)
    assert versions == list(range(3, 3 + len(successes)))
    assert len({r.position for r in successes}) == len(successes)
    # Exactly the successful commands' events are in the store.
    events = app2.dispute_events(CASE_1, AUDITOR)
    assert len(events) == 2 + len(successes)
    assert sorted(e.note for e in events[2:]) == sorted(
        f"进展 {i}" for i, (kind, _) in enumerate(outcomes) if kind == "ok"
    )
    notifications = app1.recorder.select_notifications(start=before + 1, limit=100)
    assert len(notifications) == len(successes)


# --- lost acknowledgement -----------------------------------------------------------------------


def _lose_the_acknowledgement(app, monkeypatch) -> list[int]:
    """The next insert commits, then the caller sees an IntegrityError (as when a retry of a
    committed transaction meets its own rows)."""
    real = app.recorder.insert_events
    calls: list[int] = []

    def insert_then_fail(stored_events, **kwargs):
        ids = real(stored_events, **kwargs)
        calls.append(max(ids))
        raise IntegrityError("simulated: committed, acknowledgement lost")

    monkeypatch.setattr(app.recorder, "insert_events", insert_then_fail)
    return calls


def test_lost_acknowledgement_of_a_lifecycle_command_is_a_success(app, monkeypatch):
    register(app)
    calls = _lose_the_acknowledgement(app, monkeypatch)

    r = transfer(app, CASE_1, "hrss")

    assert calls == [3]
    assert r == cmd.CommandResult(
        id=str(dispute_id_for(CASE_1)), case_number=CASE_1, status="TRANSFERRED", version=2, position=3
    )
    monkeypatch.undo()
    assert app.recorder.max_notification_id() == 3
    assert [type(e).__name__ for e in app.dispute_events(CASE_1, AUDITOR)] == ["DisputeRegistered", "DisputeTransferred"]


def test_lost_acknowledgement_of_a_registration_is_a_success_without_a_second_case(app, monkeypatch):
    calls = _lose_the_acknowledgement(app, monkeypatch)

    r = register(app)

    assert len(calls) == 1
    assert (r.case_number, r.id, r.status, r.version) == (CASE_1, str(dispute_id_for(CASE_1)), "ACCEPTED", 1)
    monkeypatch.undo()
    assert app.recorder.max_notification_id() == 2
    assert register(app).case_number == "GP-2026-000002"


def test_lost_acknowledgement_of_a_registration_answers_the_commands_last_position(app, monkeypatch):
    _lose_the_acknowledgement(app, monkeypatch)
    r = register(app)
    # The command's last event is the year's CaseNumberIssued, as on the normal path.
    assert r.position == 2


def test_lost_acknowledgement_with_an_idempotency_key_then_replays_the_same_answer(app, monkeypatch):
    from application.disputes import IdempotencyKey

    register(app)
    key = IdempotencyKey(key="k-lost", request_hash="h1")
    _lose_the_acknowledgement(app, monkeypatch)
    first = app.transfer(CASE_1, command(cmd.Transfer, to_unit="hrss"), CLERK_TAX, key)
    monkeypatch.undo()
    again = app.transfer(CASE_1, command(cmd.Transfer, to_unit="hrss"), CLERK_TAX, key)

    assert first == again
    assert (first.status, first.version, first.position) == ("TRANSFERRED", 2, 3)
    assert app.recorder.max_notification_id() == 3


def test_landed_finds_our_own_event_and_only_ours(app):
    register(app)
    r = transfer(app, CASE_1, "hrss")
    registered, transferred = app.dispute_events(CASE_1, AUDITOR)

    assert app._landed(transferred) == r.position == 3
    assert app._landed(registered) == 1
    # Another writer's event at the same version is not ours.
    import msgspec

    theirs = msgspec.structs.replace(transferred, to_unit="finance")
    assert app._landed(theirs) is None
    # Nothing at this version.
    assert app._landed(msgspec.structs.replace(transferred, originator_version=3)) is None


def test_a_real_conflict_is_not_mistaken_for_a_lost_acknowledgement(two_apps_with_a_transferred_case):
    app1, app2 = two_apps_with_a_transferred_case
    barrier = threading.Barrier(2)
    hold_after_load(app1, barrier)
    hold_after_load(app2, barrier)
    # Same actor, same (fake) clock instant, same note: two separate commands whose events are
    # alike in everything the caller said. The rival's event must not pass for our own.
    outcomes = run_concurrently([
        lambda: progress(app1, CASE_1, "同一进展"),
        lambda: progress(app2, CASE_1, "同一进展"),
    ])
    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"]
    assert [type(v) for k, v in outcomes if k == "error"] == [ConcurrencyConflict]
    events = app1.dispute_events(CASE_1, AUDITOR)
    assert len(events) == 3
    assert (events[2].note, events[2].originator_version) == ("同一进展", 3)
