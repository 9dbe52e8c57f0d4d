"""The library's recorders, extended so that an idempotency key is stored in the same
transaction as the events it acknowledges (a crash cannot separate them), and so that a
stored event can be looked up with its notification id (to tell a lost acknowledgement from
a real conflict).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder, PostgresFactory
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteFactory
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from application.disputes import IdempotencyRecord


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


# The library retries 10 times, 0.2 s apart, each try waiting up to the pool timeout: with the
# database down a command could hang for most of a minute. Three quick tries bound it to a few
# seconds, after which the caller gets 503 and retries with its idempotency key.
_quick_retry = retry((InterfaceError, OperationalError), max_attempts=3, wait=0.1)


class FengqiaoPostgresRecorder(PostgresApplicationRecorder):
    insert_events = _quick_retry(PostgresApplicationRecorder.insert_events.__wrapped__)  # type: ignore[attr-defined]
    select_events = _quick_retry(PostgresAggregateRecorder.select_events.__wrapped__)  # type: ignore[attr-defined]
    select_notifications = _quick_retry(PostgresApplicationRecorder.select_notifications.__wrapped__)  # type: ignore[attr-defined]
    max_notification_id = _quick_retry(PostgresApplicationRecorder.max_notification_id.__wrapped__)  # type: ignore[attr-defined]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idem_table = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier("idempotency_keys"))
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                "scope text NOT NULL, key text NOT NULL, request_hash text NOT NULL, "
                "response bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), "
                "PRIMARY KEY (scope, key))"
            ).format(self._idem_table)
        )

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


class FengqiaoSQLiteFactory(SQLiteFactory):
    application_recorder_class = FengqiaoSQLiteRecorder


class FengqiaoPostgresFactory(PostgresFactory):
    application_recorder_class = FengqiaoPostgresRecorder
