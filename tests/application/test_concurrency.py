"""Writers on one case take turns: each command decides on what the one before it recorded, so
of two rival commands one lands and the other is refused naming the status the first left; a
write that is not a command (the scheduler's) racing a command makes one of them conflict and
record nothing; a lost acknowledgement (the write landed, the caller saw an error) is a success."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import msgspec
import pytest
from eventsourcing.persistence import IntegrityError, OperationalError

from application import commands as cmd
from application.errors import ConcurrencyConflict
from domain.errors import CommandRejected
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


def test_two_rival_commands_on_two_instances_one_lands_the_other_is_refused(two_apps_with_a_transferred_case):
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
    assert isinstance(loser, CommandRejected)
    assert winner.version == 3
    assert winner.status in ("CONCLUDED", "ESCALATED")
    # The refusal names the status the winner left the case in.
    assert winner.status in str(loser)
    # Only the winner's single event was recorded.
    assert app1.recorder.max_notification_id() == before + 1 == winner.position
    dispute = app2.get_dispute(CASE_1, AUDITOR)
    assert dispute.version == 3
    assert dispute.status == Status(winner.status.lower())
    assert len(app1.dispute_events(CASE_1, AUDITOR)) == 3


def test_ten_concurrent_writers_on_two_instances_all_land_in_turn(two_apps_with_a_transferred_case):
    app1, app2 = two_apps_with_a_transferred_case
    barrier = threading.Barrier(10)
    hold_after_load(app1, barrier)
    hold_after_load(app2, barrier)
    before = app1.recorder.max_notification_id()

    outcomes = run_concurrently(
        [lambda i=i: progress((app1, app2)[i % 2], CASE_1, f"进展 {i}") for i in range(10)]
    )

    assert [kind for kind, _ in outcomes] == ["ok"] * 10, outcomes
    results = [value for _, value in outcomes]
    # Each decided on the one before it: versions 3..12, no two alike, every event stored once.
    assert sorted(r.version for r in results) == list(range(3, 13))
    assert len({r.position for r in results}) == 10
    events = app2.dispute_events(CASE_1, AUDITOR)
    assert [e.originator_version for e in events] == list(range(1, 13))
    assert sorted(e.note for e in events[2:]) == sorted(f"进展 {i}" for i in range(10))
    notifications = app1.recorder.select_notifications(start=before + 1, limit=100)
    assert len(notifications) == 10
    # Each instance kept its own state of the case; the next command still builds on the latest.
    del app1.reference.calendar, app2.reference.calendar  # no more holding
    assert progress(app1, CASE_1, "之后").version == 13
    assert progress(app2, CASE_1, "之后").version == 14


def test_a_command_racing_the_scheduler_conflicts_and_records_nothing(make_app, monkeypatch):
    app = make_app()
    register(app)
    transfer(app, CASE_1, "tax")
    before = app.recorder.max_notification_id()
    real = app.recorder.command_transaction

    @contextmanager
    def scheduler_writes_first(*args, **kwargs):
        with real(*args, **kwargs) as tx:
            real_insert = tx.insert

            def insert(stored, record):
                # Another writer that does not take turns (the library's own save, as the
                # scheduler uses) records version 3 between our read and our insert.
                other = make_app()
                other.record_missed_deadlines(CASE_1) or _save_progress_directly(other)
                return real_insert(stored, record)

            tx.insert = insert
            yield tx

    if app.recorder.__class__.__name__.startswith("FengqiaoSQLite"):
        pytest.skip("SQLite holds the write lock from the command's first read: nobody can write in between")
    monkeypatch.setattr(app.recorder, "command_transaction", scheduler_writes_first)

    with pytest.raises(ConcurrencyConflict) as caught:
        progress(app, CASE_1, "进展")

    assert caught.value.status == Status.TRANSFERRED
    monkeypatch.undo()
    assert app.recorder.max_notification_id() == before + 1
    assert [e.originator_version for e in app.dispute_events(CASE_1, AUDITOR)] == [1, 2, 3]


def _save_progress_directly(app) -> None:
    dispute = app.commands.load(dispute_id_for(CASE_1))
    from uuid import uuid4

    dispute.begin_command(uuid4())
    dispute.record_progress(note="调度", actor=HANDLER_TAX, at=dispute.last_at, now=dispute.last_at)
    app.commands.save(dispute)


# --- lost acknowledgement -----------------------------------------------------------------------


def _lose_the_acknowledgement(app, monkeypatch) -> list[int]:
    """The next write commits, then the caller sees an IntegrityError (as when a retry of a
    committed transaction meets its own rows). Commands write through `command_transaction`,
    registrations through the library's `insert_events`."""
    real_insert = app.recorder.insert_events
    real_command = app.recorder.command_transaction
    calls: list[int] = []

    def insert_then_fail(stored_events, **kwargs):
        ids = real_insert(stored_events, **kwargs)
        calls.append(max(ids))
        raise IntegrityError("simulated: committed, acknowledgement lost")

    @contextmanager
    def command_then_fail(*args, **kwargs):
        with real_command(*args, **kwargs) as tx:
            yield tx
        calls.append(app.recorder.max_notification_id())
        raise IntegrityError("simulated: committed, acknowledgement lost")

    monkeypatch.setattr(app.recorder, "insert_events", insert_then_fail)
    monkeypatch.setattr(app.recorder, "command_transaction", command_then_fail)
    return calls


def _lose_the_connection_after_commit(app, monkeypatch) -> list[int]:
    real_command = app.recorder.command_transaction
    calls: list[int] = []

    @contextmanager
    def command_then_drop(*args, **kwargs):
        with real_command(*args, **kwargs) as tx:
            yield tx
        calls.append(app.recorder.max_notification_id())
        raise OperationalError("simulated: server closed the connection after COMMIT")

    monkeypatch.setattr(app.recorder, "command_transaction", command_then_drop)
    return calls


def test_a_connection_lost_after_the_commit_is_a_success_not_a_retry(app, monkeypatch):
    register(app)
    calls = _lose_the_connection_after_commit(app, monkeypatch)

    r = transfer(app, CASE_1, "hrss")

    assert calls == [3]
    assert (r.status, r.version, r.position) == ("TRANSFERRED", 2, 3)
    monkeypatch.undo()
    assert app.recorder.max_notification_id() == 3


def test_a_connection_lost_before_the_commit_is_retried(app, monkeypatch):
    register(app)
    real_command = app.recorder.command_transaction
    failures = [1]

    @contextmanager
    def fail_once(*args, **kwargs):
        if failures:
            failures.pop()
            raise OperationalError("simulated: connection refused")
        with real_command(*args, **kwargs) as tx:
            yield tx

    monkeypatch.setattr(app.recorder, "command_transaction", fail_once)
    r = transfer(app, CASE_1, "hrss")
    assert (r.status, r.version, r.position) == ("TRANSFERRED", 2, 3)
    assert failures == []


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
    from application.idempotency import IdempotencyKey

    register(app)
    key = IdempotencyKey(key="k-lost", request_hash="h1")
    _lose_the_acknowledgement(app, monkeypatch)
    first = app.transfer(CASE_1, command(cmd.Transfer, to_unit="hrss"), CLERK_TAX, key)
    monkeypatch.undo()
    again = app.transfer(CASE_1, command(cmd.Transfer, to_unit="hrss"), CLERK_TAX, key)

    assert isinstance(again, cmd.ReplayedResult)
    assert msgspec.to_builtins(first) == msgspec.to_builtins(again)
    assert (first.status, first.version, first.position) == ("TRANSFERRED", 2, 3)
    assert app.recorder.max_notification_id() == 3


def test_landed_finds_our_own_event_and_only_ours(app):
    register(app)
    r = transfer(app, CASE_1, "hrss")
    registered, transferred = app.dispute_events(CASE_1, AUDITOR)

    assert app.commands.landed(transferred) == r.position == 3
    assert app.commands.landed(registered) == 1
    # Another writer's event at the same version is not ours.
    import msgspec

    theirs = msgspec.structs.replace(transferred, to_unit="finance")
    assert app.commands.landed(theirs) is None
    # Nothing at this version.
    assert app.commands.landed(msgspec.structs.replace(transferred, originator_version=3)) is None


def test_a_real_conflict_is_not_mistaken_for_a_lost_acknowledgement(app):
    register(app)
    transfer(app, CASE_1, "tax")
    r = progress(app, CASE_1, "同一进展")
    registered, transferred, ours = app.dispute_events(CASE_1, AUDITOR)
    # A rival's event at the same version, alike in everything the caller said (same actor,
    # same instant, same note), but from another command: not ours.
    from uuid import uuid4

    import msgspec

    theirs = msgspec.structs.replace(ours, command_id=uuid4())
    assert app.commands.landed(ours) == r.position
    assert app.commands.landed(theirs) is None
