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
from projections.batches import LastBatch, select_by_ids, write_rows
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
        risk TEXT,
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
    "CREATE INDEX IF NOT EXISTS rm_cases_risk ON rm_cases (risk)",
]

COLUMNS = (
    "id, case_number, status, level, channel, category, accepting_unit, handling_unit, township, external_ref, "
    "received_at, open_due, unrecorded_due, met_late, units, registered_by, registered_role, id_digest, "
    "payer_name, provisional, risk, version, doc"
)
_UPSERT = (
    f"INSERT INTO rm_cases ({COLUMNS}) VALUES ({', '.join('?' * 23)}) "
    "ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c.strip()} = excluded.{c.strip()}" for c in COLUMNS.split(",")[1:])
)
# PostgreSQL: the same upsert for a whole batch in one statement, each column sent as one array.
_PG_TYPES = ("text",) * 13 + ("int",) + ("text",) * 5 + ("int", "text", "int", "bytea")
_UPSERT_PG = (
    f"INSERT INTO rm_cases ({COLUMNS}) SELECT * FROM unnest({', '.join(f'?::{t}[]' for t in _PG_TYPES)}) "
    + _UPSERT[_UPSERT.index("ON CONFLICT") :]
)


def ts(value: datetime | None) -> str | None:
    """Fixed-width UTC text: sorts like the instant it names."""
    if value is None:
        return None
    if value.tzinfo is UTC and value.year >= 1000:
        # The same text as below, faster (the common case: instants decoded from events in UTC).
        return value.isoformat(timespec="microseconds")[:-6] + "Z"
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
        # Search keys: the keyed digests (a name stored before names were sealed: the name).
        None if view.shredded else (view.payer.id_number_digest or None),
        None if view.shredded else (view.payer.name_digest or view.payer.name),
        1 if view.has_provisional() else 0,
        view.risk_level,
        view.version,
        _encoder.encode(view),
    )


def decode(doc: bytes) -> CaseView:
    return _decoder.decode(doc)


class CasesProjection:
    name = NAME
    topics: tuple[type, ...] = ev.ALL_EVENTS

    def __init__(self) -> None:
        self._recent: LastBatch[CaseView] = LastBatch()  # the case views of the last apply_fresh

    def create(self, cursor: Any, dialect: str) -> None:
        table, *indexes = ddl(dialect)
        cursor.execute(table)
        _add_risk_column(cursor, dialect)
        for statement in indexes:
            cursor.execute(statement)

    def clear(self, cursor: Any) -> None:
        cursor.execute("DELETE FROM rm_cases")

    def apply(self, cursor: Any, items: Sequence[tuple[int, str, bytes, Any]]) -> None:
        """Apply events in any state of the table: each case's stored row is read first (one query
        for the whole batch), so an event already applied is skipped."""
        self._recent.forget()
        self._apply(cursor, items, {}, fresh=False)

    def apply_fresh(self, cursor: Any, items: Sequence[tuple[int, str, bytes, Any]], since: int) -> None:
        """For the runner: `items` are exactly the events after `since`, and the table holds exactly
        the events up to `since` (the tracking row says so, in this transaction). Then a case whose
        first event here is its registration has no row yet, and a case of the previous batch
        (if that one ended at `since`) has the row this projection wrote; only the others are read."""
        views = self._apply(cursor, items, self._recent.take(since), fresh=True)
        if items:
            self._recent.keep({k: v for k, v in views.items() if v is not None}, items[-1][0])

    def _apply(
        self,
        cursor: Any,
        items: Sequence[tuple[int, str, bytes, Any]],
        known: dict[str, CaseView],
        *,
        fresh: bool,
    ) -> dict[str, CaseView | None]:
        views: dict[str, CaseView | None] = {}
        keyed: list[tuple[str, Any]] = []
        missing: list[str] = []
        for _position, _topic, _state, event in items:
            if not isinstance(event, ev.DisputeEvent):
                continue
            key = str(event.originator_id)
            keyed.append((key, event))
            if key not in views:
                view = known.get(key)
                if view is None and not (fresh and event.originator_version == 1):
                    missing.append(key)
                views[key] = view
        if missing:
            for case_id, doc in select_by_ids(cursor, "SELECT id, doc FROM rm_cases WHERE id {in}", missing):
                views[case_id] = decode(doc)
        for key, event in keyed:
            view = views[key]
            if view is not None and event.originator_version <= view.version:
                continue  # already applied (redelivery)
            views[key] = fold(view, event)
        rows = [row_of(v) for v in views.values() if v is not None]
        if rows:
            write_rows(cursor, _UPSERT, _UPSERT_PG, rows)
        return views


def _add_risk_column(cursor: Any, dialect: str) -> None:
    """A table written before the `risk` column (1.1) gets it, filled from the stored case views,
    so the risk queue needs no rebuild. Checked and done in one statement on PostgreSQL."""
    if dialect == "postgresql":
        cursor.execute(_ADD_RISK_PG)
        return
    cursor.execute("PRAGMA table_info(rm_cases)")
    if any(row[1] == "risk" for row in cursor.fetchall()):
        return
    cursor.execute("ALTER TABLE rm_cases ADD COLUMN risk TEXT")
    cursor.execute("SELECT id, doc FROM rm_cases")
    flagged = [(v.risk_level, case_id) for case_id, v in ((r[0], decode(r[1])) for r in cursor.fetchall()) if v.risk_level]
    if flagged:
        cursor.executemany("UPDATE rm_cases SET risk = ? WHERE id = ?", flagged)


_ADD_RISK_PG = """DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = 'rm_cases' AND column_name = 'risk') THEN
        ALTER TABLE rm_cases ADD COLUMN risk TEXT;
        UPDATE rm_cases SET risk = convert_from(doc, 'UTF8')::jsonb ->> 'risk_level';
    END IF;
END $$"""


def views(rows: Iterable[tuple[Any, ...]]) -> list[CaseView]:
    return [decode(r[-1]) for r in rows]
