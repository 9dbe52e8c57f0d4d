"""The PostgreSQL event store: the library's recorder, with the command path's transaction
(`infrastructure/postgres_command.py`), the idempotency keys, and quick retries.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar
from uuid import UUID

import msgspec
import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder, PostgresFactory
from psycopg.abc import Query
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composable, Composed, Identifier

from application.privacy import CaseKeyRow
from infrastructure.postgres_command import PostgresCommand
from infrastructure.recorders import StoredAnswer, Wired

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _quick_retry(
    fn: Callable[Concatenate[FengqiaoPostgresRecorder, _P], _R],
) -> Callable[Concatenate[FengqiaoPostgresRecorder, _P], _R]:
    """The policy's few quick tries instead of the library's ten slow ones (see StorePolicy).
    Before trying again the pool's idle connections are checked, so that after a database
    restart the retry is not handed another dead connection (the pool does not ping on
    checkout: that cost a round trip on every command)."""

    @functools.wraps(fn)
    def retrying(self: FengqiaoPostgresRecorder, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        for attempt in range(self.policy.attempts):
            try:
                return fn(self, *args, **kwargs)
            except (InterfaceError, OperationalError):
                if attempt == self.policy.attempts - 1:
                    raise
                self.recover()
                time.sleep(self.policy.retry_wait)
        raise AssertionError("unreachable")

    return retrying


class FengqiaoPostgresRecorder(Wired, PostgresApplicationRecorder):
    # Hook (the library's `@retry` decorator keeps the undecorated method as `__wrapped__`): the
    # library retries these ten times, 0.2 s apart; unwrapped and wrapped again, they retry as
    # the policy says.
    select_events = _quick_retry(PostgresAggregateRecorder.select_events.__wrapped__)
    select_notifications = _quick_retry(PostgresApplicationRecorder.select_notifications.__wrapped__)
    max_notification_id = _quick_retry(PostgresApplicationRecorder.max_notification_id.__wrapped__)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = Identifier(self.datastore.schema)
        self.idempotency_table: Composed = SQL("{}.{}").format(schema, Identifier("idempotency_keys"))
        self.events_table: Composed = SQL("{}.{}").format(schema, Identifier(self.events_table_name))
        self._statements: dict[str, str] = {}
        self._sequence: str | None = None
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                "scope text NOT NULL, key text NOT NULL, request_hash text NOT NULL, "
                "response bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), "
                "PRIMARY KEY (scope, key))"
            ).format(self.idempotency_table)
        )
        self.keys_table: Composed = SQL("{}.{}").format(schema, Identifier("case_keys"))
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                "case_id uuid PRIMARY KEY, wrapped bytea, key_id text NOT NULL, "
                "created_at timestamptz NOT NULL, destroyed_at timestamptz)"
            ).format(self.keys_table)
        )

    def recover(self) -> None:
        """After a connection failed: test the pool's idle connections and replace dead ones."""
        try:
            self.datastore.pool.check()
        except Exception:  # noqa: BLE001, S110 - the retry that follows reports the real failure
            pass

    @_quick_retry
    def insert_events(self, /, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """`Application.save`'s insert in one round trip (the library's takes five, each waiting on
        the server): BEGIN, the table lock, NOTIFY, the events, the idempotency key and a new
        case's key row (`save(..., idempotency=, case_key=)`) and COMMIT as one simple query. A
        registration holds its case number's turn for this whole transaction. Anything else the
        library could ask of it (a tracking record, which nothing here saves) is refused."""
        unknown = {k for k, v in kwargs.items() if v is not None} - {"idempotency", "case_key"}
        if unknown:
            raise TypeError(f"insert_events got unexpected arguments {sorted(unknown)}")
        with self.datastore.get_connection() as conn:
            command = PostgresCommand(self, conn, None)
            try:
                return command.insert(stored_events, kwargs.get("idempotency"), kwargs.get("case_key"))
            except BaseException:
                command.rollback()
                raise

    @contextmanager
    def command_transaction(self, originator_id: UUID, *, after: int | None) -> Iterator[PostgresCommand]:
        """One transaction for a whole command, in two round trips (see PostgresCommand). The
        table lock is taken only for the insert, as the library does, so that notification ids
        commit in order."""
        with self.datastore.get_connection() as conn:
            command = PostgresCommand(self, conn, originator_id)
            try:
                command.load(after)
                yield command
                command.commit()
            except BaseException:
                command.rollback()
                raise

    def notification_sequence(self, conn: psycopg.Connection[DictRow]) -> str:
        """The name of the sequence that issues notification ids (asked of the database once)."""
        if self._sequence is None:
            row = conn.execute(
                "SELECT pg_get_serial_sequence(%s, 'notification_id') AS seq",
                (self.events_table.as_string(conn),),
            ).fetchone()
            assert row is not None and row["seq"], "the events table has no notification id sequence"
            self._sequence = str(row["seq"])
        return self._sequence

    def statement(self, name: str, conn: psycopg.Connection[DictRow], build: Callable[[], Query]) -> str:
        """A statement of the command path, composed once (identifiers quoted) and kept as text."""
        text = self._statements.get(name)
        if text is None:
            query = build()
            if isinstance(query, Composable):
                text = query.as_string(conn)
            elif isinstance(query, str):
                text = query
            else:
                raise TypeError(f"statement {name!r} is neither composed SQL nor text")
            self._statements[name] = text
        return text

    # --- case keys (application.privacy.CaseKeyStore) ---------------------------------------

    def case_key(self, case_id: UUID) -> CaseKeyRow | None:
        rows = self._key_rows(SQL(" WHERE case_id = %s"), (case_id,))
        return rows[0] if rows else None

    def case_key_rows(self) -> list[CaseKeyRow]:
        return self._key_rows(SQL(" ORDER BY case_id"), ())

    def _key_rows(self, where: SQL, params: tuple[Any, ...]) -> list[CaseKeyRow]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL("SELECT case_id, wrapped, key_id, created_at, destroyed_at FROM {}").format(self.keys_table) + where,
                params,
            )
            return [
                CaseKeyRow(
                    case_id=row["case_id"],
                    wrapped=None if row["wrapped"] is None else bytes(row["wrapped"]),
                    key_id=row["key_id"],
                    created_at=row["created_at"],
                    destroyed_at=row["destroyed_at"],
                )
                for row in curs.fetchall()
            ]

    def destroy_case_key(self, case_id: UUID, at: datetime) -> bool:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "UPDATE {} SET wrapped = NULL, destroyed_at = COALESCE(destroyed_at, %s) WHERE case_id = %s"
                ).format(self.keys_table),
                (at, case_id),
            )
            return int(curs.rowcount) > 0

    def rewrap_case_key(self, row: CaseKeyRow) -> None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL("UPDATE {} SET wrapped = %s, key_id = %s WHERE case_id = %s AND wrapped IS NOT NULL").format(
                    self.keys_table
                ),
                (row.wrapped, row.key_id, row.case_id),
            )

    def lookup_idempotency(self, scope: str, key: str) -> StoredAnswer | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL("SELECT request_hash, response, created_at FROM {} WHERE scope = %s AND key = %s").format(
                    self.idempotency_table
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
            curs.execute(SQL("DELETE FROM {} WHERE created_at < %s").format(self.idempotency_table), (before,))
            return int(curs.rowcount)

    def find_event(self, originator_id: UUID, version: int) -> tuple[int, bytes] | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL("SELECT notification_id, state FROM {} WHERE originator_id = %s AND originator_version = %s").format(
                    self.events_table
                ),
                (originator_id, version),
            )
            row = curs.fetchone()
        return None if row is None else (int(row["notification_id"]), bytes(row["state"]))


class FengqiaoPostgresFactory(PostgresFactory):
    application_recorder_class = FengqiaoPostgresRecorder
