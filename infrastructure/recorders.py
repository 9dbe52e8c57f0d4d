"""The library's recorders, extended so that an idempotency key is stored in the same
transaction as the events it acknowledges (a crash cannot separate them), and so that a
stored event can be looked up with its notification id (to tell a lost acknowledgement from
a real conflict).
"""

from __future__ import annotations

import functools
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import msgspec
import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder, PostgresFactory
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteFactory,
)
from psycopg.sql import SQL, Identifier

from application.disputes import STORE_ATTEMPTS, STORE_RETRY_WAIT, IdempotencyRecord


class StoredAnswer(msgspec.Struct, frozen=True):
    request_hash: str
    response: dict[str, Any]
    created_at: datetime


def _answer(record: IdempotencyRecord, notification_ids: Sequence[int] | None) -> bytes:
    response = dict(record.response)
    response["position"] = max(notification_ids) if notification_ids else None
    return msgspec.json.encode(response)


class FengqiaoSQLiteRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS idempotency_keys ("
            "scope TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, "
            "response BLOB NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (scope, key))",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            c.execute(
                "INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (record.scope, record.key, record.request_hash, _answer(record, ids), record.created_at.isoformat()),
            )
        return ids

    def recover(self) -> None:
        """Nothing to reset: a file database has no connections to lose."""

    @contextmanager
    def command_transaction(
        self, originator_id: UUID, *, after: int | None, snapshots_table: str
    ) -> Iterator[SQLiteCommand]:
        """One write transaction for a whole command: read the case, decide, insert (see
        `Fengqiao._act`). BEGIN IMMEDIATE takes the write lock first, so what is read is what the
        insert builds on, and the read cannot be invalidated by another process's write."""
        try:
            with self.datastore.get_connection(commit=True) as conn:
                cursor = conn.cursor().sqlite_cursor
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                    command = SQLiteCommand(self, cursor, originator_id)
                    command.load(after, snapshots_table)
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
        """(notification id, stored bytes) of one event, or None."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, state FROM {self.events_table_name} "  # noqa: S608 - fixed name
                "WHERE originator_id = ? AND originator_version = ?",
                (originator_id.hex, version),
            )
            row = c.fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))


class SQLiteCommand:
    """The case's stored events as the command's transaction sees them, and its insert."""

    def __init__(self, recorder: FengqiaoSQLiteRecorder, cursor: sqlite3.Cursor, originator_id: UUID) -> None:
        self._recorder = recorder
        self._cursor = cursor
        self.originator_id = originator_id
        self.snapshot: StoredEvent | None = None
        self.events: list[StoredEvent] = []

    def load(self, after: int | None, snapshots_table: str) -> None:
        if after is None:
            self._cursor.execute(
                f"SELECT originator_version, topic, state FROM {snapshots_table} "  # noqa: S608 - fixed name
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
            f"SELECT originator_version, topic, state FROM {self._recorder.events_table_name} "  # noqa: S608
            "WHERE originator_id = ? AND originator_version > ? ORDER BY originator_version",
            (originator_id.hex, version),
        )
        return [StoredEvent(originator_id, row[0], row[1], bytes(row[2])) for row in self._cursor.fetchall()]

    def insert(self, stored_events: Sequence[StoredEvent], idempotency: IdempotencyRecord | None) -> list[int]:
        ids = self._recorder._insert_events(SQLiteCursor(self._cursor), stored_events, idempotency=idempotency)
        return list(ids or [])


# The library retries 10 times, 0.2 s apart, each try waiting up to the pool timeout: with the
# database down a command could hang for most of a minute. Three quick tries bound it to a few
# seconds, after which the caller gets 503 and retries with its idempotency key. Before trying
# again the pool's idle connections are checked, so that after a database restart the retry is
# not handed another dead connection (the pool does not ping on checkout: that cost a round trip
# on every command).
_F = TypeVar("_F", bound=Callable[..., Any])


def _quick_retry(fn: _F) -> _F:
    @functools.wraps(fn)
    def retrying(self: Any, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(STORE_ATTEMPTS):
            try:
                return fn(self, *args, **kwargs)
            except (InterfaceError, OperationalError):
                if attempt == STORE_ATTEMPTS - 1:
                    raise
                self.recover()
                time.sleep(STORE_RETRY_WAIT)
        raise AssertionError("unreachable")

    return retrying  # type: ignore[return-value]


class FengqiaoPostgresRecorder(PostgresApplicationRecorder):
    insert_events = _quick_retry(PostgresApplicationRecorder.insert_events.__wrapped__)  # type: ignore[attr-defined]
    select_events = _quick_retry(PostgresAggregateRecorder.select_events.__wrapped__)  # type: ignore[attr-defined]
    select_notifications = _quick_retry(PostgresApplicationRecorder.select_notifications.__wrapped__)  # type: ignore[attr-defined]
    max_notification_id = _quick_retry(PostgresApplicationRecorder.max_notification_id.__wrapped__)  # type: ignore[attr-defined]

    def recover(self) -> None:
        """After a connection failed: test the pool's idle connections and replace dead ones."""
        try:
            self.datastore.pool.check()
        except Exception:  # noqa: BLE001, S110 - the retry that follows reports the real failure
            pass

    @contextmanager
    def command_transaction(
        self, originator_id: UUID, *, after: int | None, snapshots_table: str
    ) -> Iterator[PostgresCommand]:
        """One transaction for a whole command, in two round trips (the baseline of raw SQL
        takes four): BEGIN, the lock timeout, the case's advisory lock and the reads go as one
        simple query; the table lock, NOTIFY, one statement inserting the events with the
        idempotency key, and COMMIT as another. The table lock is taken only for the insert, as
        the library does, so that notification ids commit in order."""
        with self.datastore.get_connection() as conn:
            command = PostgresCommand(self, conn, originator_id)
            try:
                command.load(after, snapshots_table)
                yield command
                command.commit()
            except BaseException:
                command.rollback()
                raise

    def notification_sequence(self, conn: psycopg.Connection[Any]) -> str:
        """The name of the sequence that issues notification ids (asked of the database once)."""
        if self._sequence is None:
            row = conn.execute(
                "SELECT pg_get_serial_sequence(%s, 'notification_id') AS seq",
                (self.events_table.as_string(conn),),
            ).fetchone()
            assert row is not None and row["seq"], "the events table has no notification id sequence"
            self._sequence = str(row["seq"])
        return self._sequence

    def statement(self, name: str, conn: psycopg.Connection[Any], build: Callable[[], Any]) -> str:
        """A statement of the command path, composed once (identifiers quoted) and kept as text."""
        text = self._statements.get(name)
        if text is None:
            text = self._statements[name] = build().as_string(conn)
        return text

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idem_table = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier("idempotency_keys"))
        self._statements: dict[str, str] = {}
        self._sequence: str | None = None
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                "scope text NOT NULL, key text NOT NULL, request_hash text NOT NULL, "
                "response bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), "
                "PRIMARY KEY (scope, key))"
            ).format(self._idem_table)
        )
        self.events_table = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            curs.execute(
                SQL(
                    "INSERT INTO {} (scope, key, request_hash, response, created_at) VALUES (%s, %s, %s, %s, %s) "
                    "RETURNING key"
                ).format(self._idem_table),
                (record.scope, record.key, record.request_hash, _answer(record, ids), record.created_at),
            )
            # Fetching syncs the pipeline, so a duplicate key raises here as an IntegrityError.
            curs.fetchone()
        return ids

    def lookup_idempotency(self, scope: str, key: str) -> StoredAnswer | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL("SELECT request_hash, response, created_at FROM {} WHERE scope = %s AND key = %s").format(
                    self._idem_table
                ),
                (scope, key),
            )
            row = curs.fetchone()
        if row is None:
            return None
        return StoredAnswer(
            request_hash=row["request_hash"],
            response=msgspec.json.decode(bytes(row["response"])),
            created_at=row["created_at"],
        )

    def purge_idempotency(self, before: datetime) -> int:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(SQL("DELETE FROM {} WHERE created_at < %s").format(self._idem_table), (before,))
            return int(curs.rowcount)

    def find_event(self, originator_id: UUID, version: int) -> tuple[int, bytes] | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT notification_id, state FROM {}.{} WHERE originator_id = %s AND originator_version = %s"
                ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name)),
                (originator_id, version),
            )
            row = curs.fetchone()
        return None if row is None else (int(row["notification_id"]), bytes(row["state"]))


def _lock_key(originator_id: UUID) -> int:
    return int.from_bytes(originator_id.bytes[:8], "big", signed=True)


def _text(value: str) -> str:
    """A text literal that cannot escape its quotes, whatever the client sent: the UTF-8 bytes
    in hex (only [0-9a-f] between the quotes), turned back into text by the server."""
    return f"convert_from(decode('{value.encode().hex()}', 'hex'), 'UTF8')"


def _bytea(value: bytes) -> str:
    return f"decode('{value.hex()}', 'hex')"


def _uuid(value: UUID) -> str:
    return f"'{UUID(str(value))}'::uuid"


def _timestamptz(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("a stored time must carry its offset")
    return f"'{value.isoformat()}'::timestamptz"


class PostgresCommand:
    """The case's stored events as the command's transaction sees them, and its insert.

    Both round trips are simple queries (several statements, no parameters), so every value is
    written into the SQL by the functions above, which emit only digits, hex and fixed text."""

    def __init__(self, recorder: FengqiaoPostgresRecorder, conn: psycopg.Connection[Any], originator_id: UUID) -> None:
        self._recorder = recorder
        self._conn = conn
        self._cur = conn.cursor()
        self.originator_id = originator_id
        self.snapshot: StoredEvent | None = None
        self.events: list[StoredEvent] = []
        self._committed = False

    def _sql(self, name: str, build: Callable[[], Any]) -> str:
        return self._recorder.statement(name, self._conn, build)

    def _results(self) -> list[list[Any]]:
        """The rows of each statement of the last simple query, in order."""
        cur, out = self._cur, []
        while True:
            out.append(cur.fetchall() if cur.description is not None else [])
            if not cur.nextset():
                return out

    def load(self, after: int | None, snapshots_table: str) -> None:
        r = self._recorder
        oid = _uuid(self.originator_id)
        events = self._sql("events", lambda: r.events_table)
        # Commands on one case take turns, as on SQLite: each decides on what the one before
        # it recorded. The wait is bounded by the lock timeout (then 503; the caller retries).
        # Each statement takes its own snapshot, so the reads see what the previous holder of
        # the lock committed.
        statements = [
            "BEGIN",
            self._sql("timeout", lambda: r.lock_table_statements[0]),
            f"SELECT pg_advisory_xact_lock({_lock_key(self.originator_id)})",
        ]
        columns = "SELECT originator_version, topic, state FROM"
        if after is None:
            snapshots = self._sql(
                f"table:{snapshots_table}",
                lambda: SQL("{}.{}").format(Identifier(r.datastore.schema), Identifier(snapshots_table)),
            )
            statements.append(
                f"{columns} {snapshots} WHERE originator_id = {oid} ORDER BY originator_version DESC LIMIT 1"
            )
            statements.append(
                f"{columns} {events} WHERE originator_id = {oid} AND originator_version > "
                f"COALESCE((SELECT max(originator_version) FROM {snapshots} WHERE originator_id = {oid}), 0) "
                "ORDER BY originator_version"
            )
        else:
            statements.append(
                f"{columns} {events} WHERE originator_id = {oid} AND originator_version > {int(after)} "
                "ORDER BY originator_version"
            )
        self._cur.execute("; ".join(statements))
        results = self._results()
        if after is None:
            snapshots = self._stored(self.originator_id, results[-2])
            self.snapshot = snapshots[0] if snapshots else None
        self.events = self._stored(self.originator_id, results[-1])

    def events_after(self, originator_id: UUID, version: int) -> list[StoredEvent]:
        r, cur = self._recorder, self._cur
        cur.execute(
            self._sql("events_after", lambda: SQL(
                "SELECT originator_version, topic, state FROM {} WHERE originator_id = %s AND originator_version > %s "
                "ORDER BY originator_version"
            ).format(r.events_table)),
            (originator_id, version),
        )
        return self._stored(originator_id, cur.fetchall())

    @staticmethod
    def _stored(originator_id: UUID, rows: list[Any]) -> list[StoredEvent]:
        return [
            StoredEvent(originator_id, row["originator_version"], row["topic"], bytes(row["state"])) for row in rows
        ]

    def insert(self, stored_events: Sequence[StoredEvent], idempotency: IdempotencyRecord | None) -> list[int]:
        """Insert and commit: the command's last step."""
        r = self._recorder
        events = self._sql("events", lambda: r.events_table)
        values = ", ".join(
            f"({_uuid(e.originator_id)}, {int(e.originator_version)}, {_text(e.topic)}, {_bytea(e.state)})"
            for e in stored_events
        )
        insert = (
            f"INSERT INTO {events} (originator_id, originator_version, topic, state) VALUES {values} "
            "RETURNING notification_id"
        )
        statements = [
            self._sql("lock", lambda: r.lock_table_statements[1]),
            self._sql("notify", lambda: SQL("NOTIFY {}").format(Identifier(r.channel_name))),
            insert if stored_events else "SELECT NULL::bigint AS notification_id WHERE false",
        ]
        position = f"currval({_text(r.notification_sequence(self._conn))}::regclass)::text" if stored_events else "'null'"
        if idempotency is not None:
            # The key goes in with the events, in the same transaction; its answer's position is
            # the last notification id, known only here: the sequence's value in this session.
            response = dict(idempotency.response)
            response.pop("position", None)
            prefix = msgspec.json.encode(response)[:-1] + b',"position":'
            idem = self._sql("idem", lambda: r._idem_table)
            statements.append(
                f"INSERT INTO {idem} (scope, key, request_hash, response, created_at) VALUES ("
                f"{_text(idempotency.scope)}, {_text(idempotency.key)}, {_text(idempotency.request_hash)}, "
                f"{_bytea(prefix)} || convert_to({position} || '}}', 'UTF8'), {_timestamptz(idempotency.created_at)})"
            )
        statements.append("COMMIT")
        self._cur.execute("; ".join(statements))
        results = self._results()
        self._committed = True
        return [row["notification_id"] for row in results[2]]

    def commit(self) -> None:
        if not self._committed:
            self._cur.execute("COMMIT")
            self._committed = True

    def rollback(self) -> None:
        if self._conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            try:
                self._cur.execute("ROLLBACK")
            except psycopg.Error:
                pass  # a broken connection: the pool discards it, the server has rolled back


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
        self._pool = _MostRecentFirst(self._pool)

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
        c.row_factory = sqlite3.Row
        return SQLiteConnection(sqlite_conn=c, max_age=self.max_age)


class FengqiaoSQLiteFactory(SQLiteFactory):
    application_recorder_class = FengqiaoSQLiteRecorder

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        old = self.datastore.pool
        self.datastore.pool = FengqiaoSQLitePool(db_name=old.db_name, lock_timeout=old.lock_timeout)
        old.close()


class FengqiaoPostgresFactory(PostgresFactory):
    application_recorder_class = FengqiaoPostgresRecorder
