"""One command's transaction on PostgreSQL, in two round trips (the baseline of raw SQL takes
four): BEGIN, the lock timeout, the case's advisory lock and the reads go as one simple query;
the table lock, NOTIFY, one statement inserting the events with the idempotency key, and COMMIT
as another. An insert that reads nothing first (a registration, through `Application.save`) is
one round trip: BEGIN and the lock timeout go with the insert, and a new case's key row too.

Both round trips are simple queries (several statements, no parameters), so every value is
written into the SQL by the functions of `infrastructure/pg_literals.py`, which emit only digits,
hex and fixed text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

import msgspec
import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg.abc import Query
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from application.idempotency import IdempotencyRecord
from application.privacy import CaseKeyRow
from infrastructure.pg_literals import bytea, text, timestamptz, uuid

if TYPE_CHECKING:
    from infrastructure.postgres_recorder import FengqiaoPostgresRecorder


def _lock_key(originator_id: UUID) -> int:
    return int.from_bytes(originator_id.bytes[:8], "big", signed=True)


class PostgresCommand:
    """The case's stored events as the command's transaction sees them, and its insert."""

    def __init__(
        self, recorder: FengqiaoPostgresRecorder, conn: psycopg.Connection[DictRow], originator_id: UUID | None
    ) -> None:
        self._recorder = recorder
        self._conn = conn
        self._cur = conn.cursor()
        self.originator_id = originator_id
        self.snapshot: StoredEvent | None = None
        self.events: list[StoredEvent] = []
        self._begun = False
        self._committed = False

    def _sql(self, name: str, build: Callable[[], Query]) -> str:
        return self._recorder.statement(name, self._conn, build)

    def _results(self) -> list[list[DictRow]]:
        """The rows of each statement of the last simple query, in order."""
        cur, out = self._cur, []
        while True:
            out.append(cur.fetchall() if cur.description is not None else [])
            if not cur.nextset():
                return out

    def load(self, after: int | None) -> None:
        r = self._recorder
        assert self.originator_id is not None, "a command without a case reads nothing"
        oid = uuid(self.originator_id)
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
        snapshots_table = r.snapshots_table
        if after is None and snapshots_table is not None:
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
                f"{columns} {events} WHERE originator_id = {oid} AND originator_version > {int(after or 0)} "
                "ORDER BY originator_version"
            )
        self._cur.execute("; ".join(statements))
        self._begun = True
        results = self._results()
        if after is None and snapshots_table is not None:
            found = self._stored(self.originator_id, results[-2])
            self.snapshot = found[0] if found else None
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
    def _stored(originator_id: UUID, rows: list[DictRow]) -> list[StoredEvent]:
        return [
            StoredEvent(originator_id, row["originator_version"], row["topic"], bytes(row["state"])) for row in rows
        ]

    def insert(
        self,
        stored_events: Sequence[StoredEvent],
        idempotency: IdempotencyRecord | None,
        case_key: CaseKeyRow | None = None,
    ) -> list[int]:
        """Insert and commit: the command's last step (its only one when nothing was loaded)."""
        r = self._recorder
        events = self._sql("events", lambda: r.events_table)
        values = ", ".join(
            f"({uuid(e.originator_id)}, {int(e.originator_version)}, {text(e.topic)}, {bytea(e.state)})"
            for e in stored_events
        )
        insert = (
            f"INSERT INTO {events} (originator_id, originator_version, topic, state) VALUES {values} "
            "RETURNING notification_id"
        )
        begin = [] if self._begun else ["BEGIN", self._sql("timeout", lambda: r.lock_table_statements[0])]
        statements = [
            *begin,
            self._sql("lock", lambda: r.lock_table_statements[1]),
            self._sql("notify", lambda: SQL("NOTIFY {}").format(Identifier(r.channel_name))),
            insert if stored_events else "SELECT NULL::bigint AS notification_id WHERE false",
        ]
        position = f"currval({text(r.notification_sequence(self._conn))}::regclass)::text" if stored_events else "'null'"
        if idempotency is not None:
            # The key goes in with the events, in the same transaction; its answer's position is
            # the last notification id, known only here: the sequence's value in this session.
            response: dict[str, Any] = dict(idempotency.response)
            response.pop("position", None)
            prefix = msgspec.json.encode(response)[:-1] + b',"position":'
            idem = self._sql("idem", lambda: r.idempotency_table)
            statements.append(
                f"INSERT INTO {idem} (scope, key, request_hash, response, created_at) VALUES ("
                f"{text(idempotency.scope)}, {text(idempotency.key)}, {text(idempotency.request_hash)}, "
                f"{bytea(prefix)} || convert_to({position} || '}}', 'UTF8'), {timestamptz(idempotency.created_at)})"
            )
        if case_key is not None:
            keys = self._sql("keys", lambda: r.keys_table)
            wrapped = "NULL" if case_key.wrapped is None else bytea(case_key.wrapped)
            statements.append(
                f"INSERT INTO {keys} (case_id, wrapped, key_id, created_at) VALUES ("
                f"{uuid(case_key.case_id)}, {wrapped}, {text(case_key.key_id)}, {timestamptz(case_key.created_at)})"
            )
        statements.append("COMMIT")
        self._cur.execute("; ".join(statements))
        results = self._results()
        self._committed = True
        return [int(row["notification_id"]) for row in results[len(begin) + 2]]

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
