"""Read model `cases`: one row per case (the case view, the work queues, supervision).

Indexed columns answer the filters; the whole CaseView is kept as a msgspec document.
Timestamps are stored as fixed-width UTC text, so they compare correctly as strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from domain import events as ev
from projections.case_view import CaseView, fold

NAME = "cases"
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(CaseView)

DDL = [
    """CREATE TABLE IF NOT EXISTS rm_cases (
        id TEXT PRIMARY KEY,
        case_number TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        level TEXT,
        channel TEXT NOT NULL,
        category TEXT NOT NULL,
        accepting_unit TEXT NOT NULL,
        handling_unit TEXT,
        township TEXT,
        external_ref TEXT,
        received_at TEXT NOT NULL,
        open_due TEXT,
        unrecorded_due TEXT,
        met_late INTEGER NOT NULL,
        units TEXT NOT NULL,
        registered_by TEXT NOT NULL,
        registered_role TEXT NOT NULL,
        id_digest TEXT,
        payer_name TEXT,
        provisional INTEGER NOT NULL,
        version INTEGER NOT NULL,
        doc BYTEA NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_cases_received ON rm_cases (received_at, case_number)",
    "CREATE INDEX IF NOT EXISTS rm_cases_accepting ON rm_cases (accepting_unit, status)",
    "CREATE INDEX IF NOT EXISTS rm_cases_handling ON rm_cases (handling_unit, status)",
    "CREATE INDEX IF NOT EXISTS rm_cases_open_due ON rm_cases (open_due)",
    "CREATE INDEX IF NOT EXISTS rm_cases_unrecorded_due ON rm_cases (unrecorded_due)",
    "CREATE INDEX IF NOT EXISTS rm_cases_external_ref ON rm_cases (external_ref)",
    "CREATE INDEX IF NOT EXISTS rm_cases_digest ON rm_cases (id_digest)",
    "CREATE INDEX IF NOT EXISTS rm_cases_provisional ON rm_cases (provisional)",
]

COLUMNS = (
    "id, case_number, status, level, channel, category, accepting_unit, handling_unit, township, external_ref, "
    "received_at, open_due, unrecorded_due, met_late, units, registered_by, registered_role, id_digest, "
    "payer_name, provisional, version, doc"
)
_UPSERT = (
    f"INSERT INTO rm_cases ({COLUMNS}) VALUES ({', '.join('?' * 22)}) "
    "ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c.strip()} = excluded.{c.strip()}" for c in COLUMNS.split(",")[1:])
)


def ts(value: datetime | None) -> str | None:
    """Fixed-width UTC text: sorts like the instant it names."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ddl(dialect: str) -> list[str]:
    return [s if dialect == "postgresql" else s.replace("BYTEA", "BLOB") for s in DDL]


def row_of(view: CaseView) -> tuple[Any, ...]:
    return (
        view.id,
        view.case_number,
        view.status,
        view.level,
        view.channel,
        view.category,
        view.accepting_unit,
        view.handling_unit,
        view.township,
        view.external_ref,
        ts(view.received_at),
        ts(view.earliest_open_due()),
        ts(view.earliest_unrecorded_due()),
        1 if view.met_late() else 0,
        "," + ",".join(view.units_involved) + ",",
        view.registered_by_subject,
        view.registered_by_role,
        view.payer.id_number_digest or None,
        view.payer.name,
        1 if view.has_provisional() else 0,
        view.version,
        _encoder.encode(view),
    )


def decode(doc: bytes) -> CaseView:
    return _decoder.decode(doc)


class CasesProjection:
    name = NAME
    topics: tuple[type, ...] = ev.ALL_EVENTS

    def create(self, cursor: Any, dialect: str) -> None:
        for statement in ddl(dialect):
            cursor.execute(statement)

    def clear(self, cursor: Any) -> None:
        cursor.execute("DELETE FROM rm_cases")

    def apply(self, cursor: Any, items: Sequence[tuple[int, str, bytes, Any]]) -> None:
        views: dict[str, CaseView | None] = {}
        for _position, _topic, _state, event in items:
            if not isinstance(event, ev.DisputeEvent):
                continue
            key = str(event.originator_id)
            if key not in views:
                views[key] = self._load(cursor, key)
            view = views[key]
            if view is not None and event.originator_version <= view.version:
                continue  # already applied (redelivery)
            views[key] = fold(view, event)
        rows = [row_of(v) for v in views.values() if v is not None]
        if rows:
            cursor.executemany(_UPSERT, rows)

    @staticmethod
    def _load(cursor: Any, case_id: str) -> CaseView | None:
        cursor.execute("SELECT doc FROM rm_cases WHERE id = ?", (case_id,))
        row = cursor.fetchone()
        return None if row is None else decode(row[0])


def views(rows: Iterable[tuple[Any, ...]]) -> list[CaseView]:
    return [decode(r[-1]) for r in rows]
