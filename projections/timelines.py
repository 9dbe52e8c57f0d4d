"""Read model `timelines`: every event of every case in version order, with its chained hash.

The hash chain's rule is the audit's (application layer, above the projections): the runner hands
it in as `link`, with `genesis`, the hash before a case's first event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from domain import events as ev
from projections.batches import LastBatch, select_by_ids
from projections.cases import ts

NAME = "timelines"

# link(previous hash, case id, version, topic, stored bytes) -> the event's hash
Link = Callable[[str, UUID, int, str, bytes], str]

DDL = [
    """CREATE TABLE IF NOT EXISTS rm_timeline (
        case_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        position BIGINT NOT NULL,
        topic TEXT NOT NULL,
        type TEXT NOT NULL,
        at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        actor_role TEXT NOT NULL,
        actor_unit TEXT,
        state BYTEA NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (case_id, version)
    )""",
    "CREATE INDEX IF NOT EXISTS rm_timeline_recorded ON rm_timeline (case_id, recorded_at)",
    # The change feed (GraphQL `changes`) pages through the log in this order.
    "CREATE INDEX IF NOT EXISTS rm_timeline_position ON rm_timeline (position)",
]


class TimelinesProjection:
    name = NAME

    def __init__(self, link: Link, genesis: str) -> None:
        self._link = link
        self._empty = (0, genesis)  # the head of a case with no events yet
        self._recent: LastBatch[tuple[int, str]] = LastBatch()  # the chain heads of the last apply_fresh

    def create(self, cursor: Any, dialect: str) -> None:
        for statement in DDL:
            cursor.execute(statement if dialect == "postgresql" else statement.replace("BYTEA", "BLOB"))

    def clear(self, cursor: Any) -> None:
        cursor.execute("DELETE FROM rm_timeline")

    def apply(self, cursor: Any, items: Sequence[tuple[int, str, bytes, Any]]) -> None:
        """Apply events in any state of the table: each case's chain head is read first (one query
        for the whole batch), so an event already applied is skipped."""
        self._recent.forget()
        self._apply(cursor, items, {}, fresh=False)

    def apply_fresh(self, cursor: Any, items: Sequence[tuple[int, str, bytes, Any]], since: int) -> None:
        """For the runner: `items` are exactly the events after `since`, and the table holds exactly
        the events up to `since`. A case whose first event here is version 1 has no rows yet; the
        heads written by the previous batch (if it ended at `since`) are known; only the rest are read."""
        heads = self._apply(cursor, items, self._recent.take(since), fresh=True)
        if items:
            self._recent.keep(heads, items[-1][0])

    def _apply(
        self,
        cursor: Any,
        items: Sequence[tuple[int, str, bytes, Any]],
        known: dict[str, tuple[int, str]],
        *,
        fresh: bool,
    ) -> dict[str, tuple[int, str]]:
        link = self._link
        heads: dict[str, tuple[int, str]] = {}
        missing: list[str] = []
        keyed: list[tuple[str, tuple[int, str, bytes, Any]]] = []
        for item in items:
            event = item[3]
            if not isinstance(event, ev.DisputeEvent):
                continue
            case_id = str(event.originator_id)
            keyed.append((case_id, item))
            if case_id not in heads:
                head = known.get(case_id)
                if head is None:
                    head = self._empty
                    if not (fresh and event.originator_version == 1):
                        missing.append(case_id)
                heads[case_id] = head
        if missing:
            for case_id, version, digest in select_by_ids(cursor, _HEADS, missing, postgresql=_HEADS_PG):
                heads[str(case_id)] = (int(version), str(digest))
        rows: list[tuple[Any, ...]] = []
        for case_id, (position, topic, state, event) in keyed:
            version, previous = heads[case_id]
            if event.originator_version <= version:
                continue  # already applied (redelivery)
            digest = link(previous, event.originator_id, event.originator_version, topic, state)
            heads[case_id] = (event.originator_version, digest)
            rows.append((
                case_id,
                event.originator_version,
                position,
                topic,
                type(event).__name__,
                ts(event.at),
                ts(event.timestamp),
                event.actor.subject,
                event.actor.role.value,
                event.actor.unit,
                state,
                digest,
            ))
        if rows:
            if getattr(cursor, "dialect", None) == "postgresql":
                cursor.copy_rows(_COPY, _PG_TYPES, rows)  # one round trip for the batch
            else:
                cursor.executemany(_INSERT, rows)
        return heads


_COLUMNS = "case_id, version, position, topic, type, at, recorded_at, actor, actor_role, actor_unit, state, hash"
_INSERT = f"INSERT INTO rm_timeline ({_COLUMNS}) VALUES ({', '.join('?' * 12)})"
_COPY = f"COPY rm_timeline ({_COLUMNS}) FROM STDIN (FORMAT BINARY)"
_PG_TYPES = ("text", "int4", "int8", "text", "text", "text", "text", "text", "text", "text", "bytea", "text")
# Each case's chain head, the row of its highest version. SQLite returns the bare columns of the
# row that gave MAX; PostgreSQL takes the last index entry of each case.
_HEADS = "SELECT case_id, MAX(version), hash FROM rm_timeline WHERE case_id {in} GROUP BY case_id"
_HEADS_PG = (
    "SELECT h.case_id, h.version, h.hash FROM unnest(?::text[]) AS c (id) CROSS JOIN LATERAL "
    "(SELECT case_id, version, hash FROM rm_timeline WHERE case_id = c.id ORDER BY version DESC LIMIT 1) AS h"
)
