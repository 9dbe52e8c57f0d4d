"""The five places where our recorders reach into eventsourcing's private methods. Each test
fails if a library upgrade moves the hook, before any command would notice."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteConnectionPool

from application.idempotency import IdempotencyRecord
from infrastructure.postgres_recorder import FengqiaoPostgresRecorder
from infrastructure.sqlite_recorder import FengqiaoSQLitePool

RESULT = {"id": "x", "case_number": "GP-2026-000001", "status": "ACCEPTED", "version": 1, "position": None}


def _events(n: int = 2) -> list[StoredEvent]:
    originator = uuid4()
    return [StoredEvent(originator, v, "tests:Event", b'{"v":%d}' % v) for v in range(1, n + 1)]


def _record(key: str) -> IdempotencyRecord:
    return IdempotencyRecord(scope="clerk:tax:c1", key=key, request_hash="h", response=RESULT, created_at=datetime.now(UTC))


# --- 1 and 2: the key goes in with a registration's events, through `insert_events` as the
# library's `Application.save` calls it (SQLite: the library's, with our `_insert_events` hook;
# PostgreSQL: ours, one round trip).


def test_the_librarys_insert_stores_the_key_with_the_events_and_their_position(app):
    ids = app.recorder.insert_events(_events(), idempotency=_record("k1"))

    stored = app.recorder.lookup_idempotency("clerk:tax:c1", "k1")
    assert stored is not None
    assert stored.response["position"] == max(ids)
    assert app.recorder.max_notification_id() == max(ids)


def test_a_taken_key_rolls_back_the_events_inserted_with_it(app):
    app.recorder.insert_events(_events(), idempotency=_record("k1"))
    head = app.recorder.max_notification_id()
    again = _events()

    with pytest.raises(IntegrityError):
        app.recorder.insert_events(again, idempotency=_record("k1"))

    assert app.recorder.max_notification_id() == head
    assert list(app.recorder.select_events(again[0].originator_id)) == []


# --- 3: the library's `@retry` methods, unwrapped (`__wrapped__`) and retried as the policy says.

RETRIED = ["select_events", "select_notifications", "max_notification_id"]


@pytest.mark.parametrize("name", RETRIED)
def test_our_retry_wraps_the_librarys_undecorated_method(name):
    library = {"select_events": PostgresAggregateRecorder}.get(name, PostgresApplicationRecorder)
    undecorated = getattr(library, name).__wrapped__
    assert getattr(FengqiaoPostgresRecorder, name).__wrapped__ is undecorated


@pytest.mark.postgres
@pytest.mark.parametrize("settings", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_failing_connection_is_tried_as_often_as_the_policy_says_checking_the_pool_between(app, monkeypatch):
    recorder = app.recorder
    recorder.policy = replace(recorder.policy, attempts=2, retry_wait=0.0)
    tries, checks = [], []

    def refuse():
        tries.append(1)
        raise OperationalError("simulated: connection refused")

    monkeypatch.setattr(recorder.datastore, "get_connection", refuse)
    monkeypatch.setattr(recorder, "recover", lambda: checks.append(1))

    with pytest.raises(OperationalError):
        recorder.max_notification_id()
    assert (len(tries), len(checks)) == (2, 1)


# --- 4 and 5: the SQLite pool makes its connections in `_create_connection` and keeps the idle
# ones in `_pool`, taken from the left.


def test_the_library_makes_every_pooled_connection_through_our_create_connection(tmp_path, monkeypatch):
    made = []
    real = FengqiaoSQLitePool._create_connection

    def spy(self):
        made.append(1)
        return real(self)

    monkeypatch.setattr(FengqiaoSQLitePool, "_create_connection", spy)
    pool = FengqiaoSQLitePool(db_name=str(tmp_path / "pool.sqlite"))
    conn = pool.get_connection(is_writer=False)
    try:
        assert made == [1]
        raw = conn.cursor().sqlite_cursor.connection
        assert raw.row_factory is sqlite3.Row
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        pool.put_connection(conn)
        pool.close()


def test_the_most_recently_returned_idle_connection_is_handed_out_first(tmp_path):
    assert hasattr(SQLiteConnectionPool(db_name=str(tmp_path / "lib.sqlite")), "_pool")
    pool = FengqiaoSQLitePool(db_name=str(tmp_path / "pool.sqlite"))
    try:
        first, second = pool.get_connection(is_writer=False), pool.get_connection(is_writer=False)
        pool.put_connection(first)
        pool.put_connection(second)
        again = pool.get_connection(is_writer=False)
        assert again is second
        pool.put_connection(again)
    finally:
        pool.close()
