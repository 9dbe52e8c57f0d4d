"""Read model `timelines`: every event of every case in version order, with its chained hash."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain import events as ev
from domain.hashchain import GENESIS, link
from projections.cases import ts

NAME = "timelines"

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
]


class TimelinesProjection:
    name = NAME

    def create(self, cursor: Any, dialect: str) -> None:
        for statement in DDL:
            cursor.execute(statement if dialect == "postgresql" else statement.replace("BYTEA", "BLOB"))

    def clear(self, cursor: Any) -> None:
        cursor.execute("DELETE FROM rm_timeline")

    def apply(self, cursor: Any, items: Sequence[tuple[int, str, bytes, Any]]) -> None:
        heads: dict[str, tuple[int, str]] = {}
        rows: list[tuple[Any, ...]] = []
        for position, topic, state, event in items:
            if not isinstance(event, ev.DisputeEvent):
                continue
            case_id = str(event.originator_id)
            if case_id not in heads:
                heads[case_id] = self._head(cursor, case_id)
            version, previous = heads[case_id]
            if event.originator_version <= version:
                continue  # already applied (redelivery)
            digest = link(previous, UUID(case_id), event.originator_version, topic, state)
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
            cursor.executemany(
                "INSERT INTO rm_timeline (case_id, version, position, topic, type, at, recorded_at, actor, "
                "actor_role, actor_unit, state, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    @staticmethod
    def _head(cursor: Any, case_id: str) -> tuple[int, str]:
        cursor.execute(
            "SELECT version, hash FROM rm_timeline WHERE case_id = ? ORDER BY version DESC LIMIT 1", (case_id,)
        )
        row = cursor.fetchone()
        return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))
