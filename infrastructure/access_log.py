"""The access log of whole views of personal data, in the read-model database.

Each entry is chained to the previous one (the audit's `access_link`), and the head is signed in
every checkpoint, so that editing, removing or truncating an entry shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from application.audit.chain import GENESIS, access_link
from application.reads import AccessEntry
from domain.values import Actor
from infrastructure.readstore import ReadStore
from projections.cases import ts

ACCESS_LOG_DDL = {
    "sqlite": """CREATE TABLE IF NOT EXISTS access_log (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, subject TEXT NOT NULL, role TEXT NOT NULL,
        unit TEXT, case_number TEXT NOT NULL, fields TEXT NOT NULL, reason TEXT NOT NULL, hash TEXT NOT NULL)""",
    "postgresql": """CREATE TABLE IF NOT EXISTS access_log (
        id BIGINT PRIMARY KEY, at TEXT NOT NULL, subject TEXT NOT NULL, role TEXT NOT NULL,
        unit TEXT, case_number TEXT NOT NULL, fields TEXT NOT NULL, reason TEXT NOT NULL, hash TEXT NOT NULL)""",
}


class SqlAccessLog:
    def __init__(self, store: ReadStore) -> None:
        self.store = store
        with store.transaction() as cur:
            cur.execute(ACCESS_LOG_DDL[store.dialect])

    def append(self, at: datetime, actor: Actor, case_number: str, fields: list[str], reason: str) -> None:
        """Append one entry, chained to the previous one."""
        with self.store.transaction() as cur:
            if self.store.dialect == "postgresql":
                cur.execute("LOCK TABLE access_log IN EXCLUSIVE MODE")
            cur.execute("SELECT id, hash FROM access_log ORDER BY id DESC LIMIT 1")
            last = cur.fetchone()
            entry_id, previous = (1, GENESIS) if last is None else (int(last[0]) + 1, str(last[1]))
            row = (entry_id, ts(at), actor.subject, actor.role.value, actor.unit, case_number,
                   ",".join(sorted(fields)), reason)
            cur.execute(
                "INSERT INTO access_log (id, at, subject, role, unit, case_number, fields, reason, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*row, access_link(previous, row)),
            )

    def entries(
        self, *, start: datetime | None, end: datetime | None, case_number: str | None, limit: int
    ) -> list[AccessEntry]:
        clauses: list[str] = ["1 = 1"]
        args: list[Any] = []
        if start is not None:
            clauses.append("at >= ?")
            args.append(ts(start))
        if end is not None:
            clauses.append("at <= ?")
            args.append(ts(end))
        if case_number is not None:
            clauses.append("case_number = ?")
            args.append(case_number)
        with self.store.transaction(readonly=True) as cur:
            cur.execute(
                f"SELECT id, at, subject, role, unit, case_number, fields, reason FROM access_log "  # noqa: S608
                f"WHERE {' AND '.join(clauses)} ORDER BY id LIMIT ?",
                [*args, limit],
            )
            rows = cur.fetchall()
        return [AccessEntry(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6].split(",") if r[6] else [], r[7]) for r in rows]
