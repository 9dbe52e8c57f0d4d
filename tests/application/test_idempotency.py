"""Idempotency keys: a retry replays the first answer; a different request under the same key is
refused; keys are scoped per caller; concurrent retries record one event."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from application import commands as cmd
from application.errors import IdempotencyInProgress, IdempotencyMismatch
from application.idempotency import IdempotencyKey, idempotency_scope
from domain.reference import dispute_id_for
from domain.values import Actor, Role
from tests.application._support import (
    AUDITOR,
    CLERK_TAX,
    CLERK_TAX_2,
    command,
    progress,
    register,
    run_concurrently,
    transfer,
)

CASE_1 = "GP-2026-000001"
KEY = IdempotencyKey(key="3f0c1d2e-retry", request_hash="sha256:aaaa")
HANDLER_TAX_2 = Actor("handler-tax-2", Role.HANDLER, "tax")
OTHER_BODY = IdempotencyKey(key="3f0c1d2e-retry", request_hash="sha256:bbbb")


def replayed(first: cmd.CommandResult, again: cmd.CommandResult) -> bool:
    """`again` is `first` given again, marked as a replay (Idempotent-Replayed: true)."""
    return isinstance(again, cmd.ReplayedResult) and msgspec.to_builtins(again) == msgspec.to_builtins(first)


def test_register_retry_with_same_key_and_body_replays_the_first_answer(make_app):
    app = make_app()
    first = register(app, idempotency=KEY)
    again = register(app, idempotency=KEY)
    # The key is kept in the store: another instance replays it too.
    from_other_instance = register(make_app(), idempotency=KEY)

    expected = cmd.CommandResult(
        id=str(dispute_id_for(CASE_1)), case_number=CASE_1, status="ACCEPTED", version=1, position=2
    )
    assert first == expected
    assert not isinstance(first, cmd.ReplayedResult)
    assert replayed(first, again) and replayed(first, from_other_instance)
    assert app.recorder.max_notification_id() == 2
    assert register(app).case_number == "GP-2026-000002"


def test_command_retry_with_same_key_replays_even_after_the_case_moved_on(app):
    register(app)
    first = app.transfer(CASE_1, command(cmd.Transfer, to_unit="tax"), CLERK_TAX, KEY)
    progress(app, CASE_1, "后续进展")
    again = app.transfer(CASE_1, command(cmd.Transfer, to_unit="tax"), CLERK_TAX, KEY)

    assert replayed(first, again)
    assert (first.status, first.version, first.position) == ("TRANSFERRED", 2, 3)
    assert app.recorder.max_notification_id() == 4
    assert app.get_dispute(CASE_1, AUDITOR).version == 3


def test_same_key_with_a_different_request_is_a_mismatch_and_records_nothing(app):
    register(app, idempotency=KEY)
    before = app.recorder.max_notification_id()
    with pytest.raises(IdempotencyMismatch):
        register(app, idempotency=OTHER_BODY, summary="另一个请求")
    # The key is per caller, not per command: the same key on another command is checked too.
    with pytest.raises(IdempotencyMismatch):
        app.transfer(CASE_1, command(cmd.Transfer, to_unit="tax"), CLERK_TAX, OTHER_BODY)
    assert app.recorder.max_notification_id() == before == 2
    assert app.get_dispute(CASE_1, AUDITOR).version == 1


def test_keys_are_scoped_per_caller(app):
    first = register(app, CLERK_TAX, idempotency=KEY)
    second = register(app, CLERK_TAX_2, idempotency=KEY)

    assert (first.case_number, second.case_number) == (CASE_1, "GP-2026-000002")
    assert app.recorder.max_notification_id() == 4
    # Each caller replays its own answer.
    assert replayed(first, register(app, CLERK_TAX, idempotency=KEY))
    assert replayed(second, register(app, CLERK_TAX_2, idempotency=KEY))
    # A handler using the same key string on a command runs it anew as well.
    transfer(app, CASE_1, "tax")
    r = progress(app, CASE_1, "进展", idempotency=KEY)
    # (A replay on PostgreSQL tries its insert first; the sequence may skip the ids it drew.)
    assert (r.status, r.version) == ("TRANSFERRED", 3)
    assert r.position == app.recorder.max_notification_id() >= 6


def _hold_next_command(app, monkeypatch):
    """The next command on `app` waits after loading the case until `release` is set."""
    entered, release = threading.Event(), threading.Event()
    real_calendar = app.reference.calendar

    def slow_calendar():
        monkeypatch.setattr(app.reference, "calendar", real_calendar)  # only the first call waits
        entered.set()
        assert release.wait(timeout=10)
        return real_calendar()

    monkeypatch.setattr(app.reference, "calendar", slow_calendar)
    return entered, release


def _in_thread(call) -> tuple[threading.Thread, dict[str, object]]:
    box: dict[str, object] = {}

    def run():
        try:
            box["result"] = call()
        except Exception as e:  # noqa: BLE001 - inspected by the test
            box["error"] = e

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def test_a_request_still_running_answers_in_progress_only_to_the_same_caller(app, monkeypatch):
    register(app)
    transfer(app, CASE_1, "tax")
    entered, release = _hold_next_command(app, monkeypatch)
    thread, box = _in_thread(lambda: progress(app, CASE_1, "进展", idempotency=KEY))
    assert entered.wait(timeout=10)

    with pytest.raises(IdempotencyInProgress):
        progress(app, CASE_1, "进展", idempotency=KEY)
    # Another caller's key of the same name is not blocked.
    other = app.record_progress(CASE_1, command(cmd.RecordProgress, note="别的"), HANDLER_TAX_2, KEY)
    assert (other.status, other.version, other.position) == ("TRANSFERRED", 3, 4)

    release.set()
    thread.join(timeout=10)
    # The held request had not read the case yet: it builds on the other caller's event.
    held = box["result"]
    assert (held.status, held.version) == ("TRANSFERRED", 4)
    assert held.position == app.recorder.max_notification_id() > 4
    # Its retry replays it.
    assert replayed(held, progress(app, CASE_1, "进展", idempotency=KEY))
    assert app.recorder.max_notification_id() == held.position


def test_a_request_still_running_then_finishing_is_replayed(app, monkeypatch):
    register(app)
    transfer(app, CASE_1, "tax")
    entered, release = _hold_next_command(app, monkeypatch)
    thread, box = _in_thread(lambda: progress(app, CASE_1, "进展", idempotency=KEY))
    assert entered.wait(timeout=10)
    with pytest.raises(IdempotencyInProgress):
        progress(app, CASE_1, "进展", idempotency=KEY)
    assert app.recorder.max_notification_id() == 3
    release.set()
    thread.join(timeout=10)

    first = box["result"]
    assert (first.status, first.version, first.position) == ("TRANSFERRED", 3, 4)
    assert replayed(first, progress(app, CASE_1, "进展", idempotency=KEY))
    assert app.recorder.max_notification_id() == 4


def test_ten_concurrent_calls_with_one_key_record_one_event(app):
    register(app)
    transfer(app, CASE_1, "tax")
    before = app.recorder.max_notification_id()

    outcomes = run_concurrently([lambda: progress(app, CASE_1, "进展", idempotency=KEY) for _ in range(10)])

    results = [value for kind, value in outcomes if kind == "ok"]
    errors = [value for kind, value in outcomes if kind == "error"]
    assert all(isinstance(e, IdempotencyInProgress) for e in errors), errors
    assert len(results) + len(errors) == 10
    assert len(results) >= 1
    assert all(msgspec.to_builtins(r) == msgspec.to_builtins(results[0]) for r in results)
    assert (results[0].status, results[0].version, results[0].position) == ("TRANSFERRED", 3, before + 1)
    assert app.recorder.max_notification_id() == before + 1
    assert len(app.dispute_events(CASE_1, AUDITOR)) == 3
    # Afterwards every retry replays.
    assert replayed(results[0], progress(app, CASE_1, "进展", idempotency=KEY))


def test_ten_concurrent_registrations_with_one_key_record_one_case(app):
    outcomes = run_concurrently([lambda: register(app, idempotency=KEY) for _ in range(10)])

    results = [value for kind, value in outcomes if kind == "ok"]
    errors = [value for kind, value in outcomes if kind == "error"]
    assert all(isinstance(e, IdempotencyInProgress) for e in errors), errors
    assert len(results) >= 1
    assert {r.case_number for r in results} == {CASE_1}
    assert all(msgspec.to_builtins(r) == msgspec.to_builtins(results[0]) for r in results)
    assert app.recorder.max_notification_id() == 2


def test_a_command_retry_on_another_instance_replays_the_first_answer(make_app):
    app1, app2 = make_app(), make_app()
    register(app1)
    transfer(app1, CASE_1, "tax")
    first = progress(app1, CASE_1, "进展", idempotency=KEY)

    again = progress(app2, CASE_1, "进展", idempotency=KEY)

    assert replayed(first, again)
    # The retry's own attempt was rolled back with its key's insert: nothing more recorded.
    assert len(app1.dispute_events(CASE_1, AUDITOR)) == 3
    assert app2.get_dispute(CASE_1, AUDITOR).version == 3


def test_a_registration_retry_on_another_instance_replays_the_first_answer(make_app, monkeypatch):
    app1, app2 = make_app(), make_app()
    first = register(app1, idempotency=KEY)
    monkeypatch.setattr(app2, "policy", replace(app2.policy, registration_attempts=3))  # a regression fails fast

    again = register(app2, idempotency=KEY)

    assert replayed(first, again)
    assert len(app1.recorder.select_notifications(start=1, limit=10)) == 2
    assert register(app2).case_number == "GP-2026-000002"


def test_keys_are_kept_at_least_7_days_and_purged_after_the_retention(app, clock):
    first = register(app, idempotency=KEY)
    # The store stamps a key with the wall clock when it is recorded; move the app's clock from there.
    stamped = datetime.now(UTC)
    clock.set(stamped + timedelta(days=7))
    app.purge_idempotency_keys()
    assert replayed(first, register(app, idempotency=KEY))
    assert app.recorder.max_notification_id() == 2

    clock.set(stamped + timedelta(days=31))
    app.purge_idempotency_keys()
    # Once purged, the key no longer replays: the request runs anew.
    assert register(app, idempotency=KEY).case_number == "GP-2026-000002"


def test_purge_answers_how_many_keys_it_deleted(app, clock):
    register(app, idempotency=KEY)
    register(app, CLERK_TAX_2, idempotency=KEY)
    stamped = datetime.now(UTC)
    clock.set(stamped + timedelta(days=7))
    assert app.purge_idempotency_keys() == 0
    clock.set(stamped + timedelta(days=31))
    assert app.purge_idempotency_keys() == 2
    assert app.purge_idempotency_keys() == 0


def test_a_key_with_quotes_backslashes_and_sql_is_stored_and_replayed_as_given(app):
    register(app)
    odd = IdempotencyKey(key="it's \\'x'; DROP TABLE idempotency_keys; -- 键\u00e9", request_hash="h'\\")
    first = app.transfer(CASE_1, command(cmd.Transfer, to_unit="tax"), CLERK_TAX, odd)
    again = app.transfer(CASE_1, command(cmd.Transfer, to_unit="tax"), CLERK_TAX, odd)

    assert replayed(first, again)
    stored = app.recorder.lookup_idempotency(idempotency_scope(CLERK_TAX), odd.key)
    assert stored.request_hash == odd.request_hash
    assert stored.response["position"] == first.position
    assert app.recorder.max_notification_id() == 3
