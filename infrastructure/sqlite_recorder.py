"""The SQLite event store (the embedded default): the library's recorder and pool, with the
command path's transaction and the idempotency keys added (see `infrastructure/recorders.py`).
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, PersistenceError, StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteFactory,
)

from application.idempotency import IdempotencyRecord
from application.privacy import CaseKeyRow
from infrastructure.recorders import StoredAnswer, Wired, answer


class FengqiaoSQLiteRecorder(Wired, SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS idempotency_keys ("
            "scope TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, "
            "response BLOB NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (scope, key))",
            "CREATE TABLE IF NOT EXISTS case_keys ("
            "case_id TEXT PRIMARY KEY, wrapped BLOB, key_id TEXT NOT NULL, "
            "created_at TEXT NOT NULL, destroyed_at TEXT)",
        ]

    # Hook (private method of the library): its `insert_events` runs `_insert_events` inside its
    # write transaction and passes it `save()`'s keyword arguments. Inserting the key there is
    # what makes the key commit with the events of a registration (`Application.save`).
    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            c.execute(
                "INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (record.scope, record.key, record.request_hash, answer(record, ids), record.created_at.isoformat()),
            )
        key: CaseKeyRow | None = kwargs.get("case_key")
        if key is not None:
            c.execute(
                "INSERT INTO case_keys (case_id, wrapped, key_id, created_at) VALUES (?, ?, ?, ?)",
                (key.case_id.hex, key.wrapped, key.key_id, key.created_at.isoformat()),
            )
        return ids

    # --- case keys (application.privacy.CaseKeyStore) ---------------------------------------

    def case_key(self, case_id: UUID) -> CaseKeyRow | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT case_id, wrapped, key_id, created_at, destroyed_at FROM case_keys WHERE case_id = ?",
                (case_id.hex,),
            )
            row = c.fetchone()
        return None if row is None else _key_row(tuple(row))

    def case_key_rows(self) -> list[CaseKeyRow]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT case_id, wrapped, key_id, created_at, destroyed_at FROM case_keys ORDER BY case_id")
            return [_key_row(tuple(row)) for row in c.fetchall()]

    def destroy_case_key(self, case_id: UUID, at: datetime) -> bool:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "UPDATE case_keys SET wrapped = NULL, destroyed_at = COALESCE(destroyed_at, ?) WHERE case_id = ?",
                (at.isoformat(), case_id.hex),
            )
            return int(c.sqlite_cursor.rowcount) > 0

    def rewrap_case_key(self, row: CaseKeyRow) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "UPDATE case_keys SET wrapped = ?, key_id = ? WHERE case_id = ? AND wrapped IS NOT NULL",
                (row.wrapped, row.key_id, row.case_id.hex),
            )

    def insert_in(
        self, cursor: sqlite3.Cursor, stored_events: Sequence[StoredEvent], idempotency: IdempotencyRecord | None
    ) -> list[int]:
        """Insert events and key on a command's own cursor, inside its transaction."""
        return list(self._insert_events(SQLiteCursor(cursor), stored_events, idempotency=idempotency) or [])

    def recover(self) -> None:
        """Nothing to reset: a file database has no connections to lose."""

    @contextmanager
    def command_transaction(self, originator_id: UUID, *, after: int | None) -> Iterator[SQLiteCommand]:
        """One write transaction for a whole command. BEGIN IMMEDIATE takes the write lock
        first, so what is read is what the insert builds on, and the read cannot be invalidated
        by another process's write."""
        try:
            with self.datastore.get_connection(commit=True) as conn:
                cursor = conn.cursor().sqlite_cursor
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                    command = SQLiteCommand(self, cursor, originator_id)
                    command.load(after)
                    yield command
                    conn.commit()
                except BaseException:
                    conn.rollback()
                    raise
                finally:
                    cursor.close()
        except sqlite3.IntegrityError as e:
            raise IntegrityError(e) from e
        except sqlite3.OperationalError as e:
            raise OperationalError(e) from e
        except sqlite3.Error as e:
            raise PersistenceError(e) from e

    def lookup_idempotency(self, scope: str, key: str) -> StoredAnswer | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT request_hash, response, created_at FROM idempotency_keys WHERE scope = ? AND key = ?",
                (scope, key),
            )
            row = c.fetchone()
        if row is None:
            return None
        return StoredAnswer(
            request_hash=row["request_hash"],
            response=msgspec.json.decode(row["response"]),
            created_at=datetime.fromisoformat(row["created_at"]),
        )

    def purge_idempotency(self, before: datetime) -> int:
        with self.datastore.transaction(commit=True) as c:
            c.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (before.isoformat(),))
            return int(c.sqlite_cursor.rowcount)

    def find_event(self, originator_id: UUID, version: int) -> tuple[int, bytes] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, state FROM {self.events_table_name} "
                "WHERE originator_id = ? AND originator_version = ?",
                (originator_id.hex, version),
            )
            row = c.fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))


def _key_row(row: tuple[Any, ...]) -> CaseKeyRow:
    return CaseKeyRow(
        case_id=UUID(row[0]),
        wrapped=None if row[1] is None else bytes(row[1]),
        key_id=row[2],
        created_at=datetime.fromisoformat(row[3]),
        destroyed_at=None if row[4] is None else datetime.fromisoformat(row[4]),
    )


class SQLiteCommand:
    """The case's stored events as the command's transaction sees them, and its insert."""

    def __init__(self, recorder: FengqiaoSQLiteRecorder, cursor: sqlite3.Cursor, originator_id: UUID) -> None:
        self._recorder = recorder
        self._cursor = cursor
        self.originator_id = originator_id
        self.snapshot: StoredEvent | None = None
        self.events: list[StoredEvent] = []

    def load(self, after: int | None) -> None:
        snapshots = self._recorder.snapshots_table
        if after is None and snapshots is not None:
            self._cursor.execute(
                f"SELECT originator_version, topic, state FROM {snapshots} "
                "WHERE originator_id = ? ORDER BY originator_version DESC LIMIT 1",
                (self.originator_id.hex,),
            )
            row = self._cursor.fetchone()
            if row is not None:
                self.snapshot = StoredEvent(self.originator_id, row[0], row[1], bytes(row[2]))
        start = after if after is not None else (self.snapshot.originator_version if self.snapshot else 0)
        self.events = self.events_after(self.originator_id, start)

    def events_after(self, originator_id: UUID, version: int) -> list[StoredEvent]:
        self._cursor.execute(
            f"SELECT originator_version, topic, state FROM {self._recorder.events_table_name} "
            "WHERE originator_id = ? AND originator_version > ? ORDER BY originator_version",
            (originator_id.hex, version),
        )
        return [StoredEvent(originator_id, row[0], row[1], bytes(row[2])) for row in self._cursor.fetchall()]

    def insert(self, stored_events: Sequence[StoredEvent], idempotency: IdempotencyRecord | None) -> list[int]:
        return self._recorder.insert_in(self._cursor, stored_events, idempotency)


class _MostRecentFirst(deque[Any]):
    """The pool's idle connections, handed out most recently used first."""

    def popleft(self) -> Any:
        return self.pop()


class FengqiaoSQLitePool(SQLiteConnectionPool):
    """The library's pool, with two changes measured on the command path:

    - connections keep their prepared statements: the library passes `cached_statements=True`,
      which sqlite3 reads as a cache of one statement, so every command parsed its four
      statements again;
    - the most recently used idle connection is handed out first (the library takes the least
      recently used): a connection that sat idle while others wrote must re-read the pages they
      changed, so rotating through the pool made every command start cold.
    """

    STATEMENT_CACHE = 64

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Hook (private attribute of the library's pool): its idle connections are a deque taken
        # from the left; this one hands out from the right, the most recently returned.
        self._pool = _MostRecentFirst(self._pool)

    # Hook (private method of the library's pool): the one place a connection is made, so the
    # only place to give it a real statement cache. The rest is the library's, as it does it.
    def _create_connection(self) -> SQLiteConnection:
        try:
            c = sqlite3.connect(
                database=self.db_name,
                uri=True,
                check_same_thread=False,
                isolation_level=None,  # autocommit: transactions are begun explicitly
                cached_statements=self.STATEMENT_CACHE,
                timeout=self.lock_timeout or 5,
            )
        except (sqlite3.Error, TypeError) as e:
            raise InterfaceError(e) from e
        if not self.is_sqlite_memory_mode and not self.is_journal_mode_wal:
            mode = c.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                c.execute("PRAGMA journal_mode=WAL")
                self.journal_mode_was_changed_to_wal = True
            self.is_journal_mode_wal = True
        durable(c)
        c.row_factory = sqlite3.Row
        return SQLiteConnection(sqlite_conn=c, max_age=self.max_age)


def durable(conn: sqlite3.Connection) -> None:
    """Every event-store connection syncs the WAL at each commit: with a build whose default is
    NORMAL, a power cut could lose transactions already acknowledged to callers."""
    conn.execute("PRAGMA synchronous=FULL")


class FengqiaoSQLiteFactory(SQLiteFactory):
    application_recorder_class = FengqiaoSQLiteRecorder

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        old = self.datastore.pool
        self.datastore.pool = FengqiaoSQLitePool(db_name=old.db_name, lock_timeout=old.lock_timeout)
        old.close()
