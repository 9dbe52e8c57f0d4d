"""The rows the audit reads from the read-model database (the audit's AuditRows port): event hashes
recorded at projection time, every case's head, and the hash-chained access log."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.audit.ports import CheckpointRows
from application.reads import ReadModelStore

_NEW = (
    "SELECT case_id, version, hash FROM rm_timeline WHERE position > ? AND position <= ? ORDER BY case_id, version"
)
_HEADS = (
    "SELECT t.case_id, t.version, t.hash FROM rm_timeline t JOIN ("
    "SELECT case_id, MAX(version) AS version FROM rm_timeline WHERE position <= ? GROUP BY case_id"
    ") h ON t.case_id = h.case_id AND t.version = h.version ORDER BY t.case_id"
)


class SqlAuditRows:
    def checkpoint_rows(self, store: ReadModelStore, since: int) -> CheckpointRows:
        # One read transaction: the heads, the new hashes and the position agree with each other.
        with store.transaction(readonly=True) as cur:
            cur.execute("SELECT MIN(position) FROM rm_tracking")
            position = int((cur.fetchone() or (0,))[0] or 0)
            cur.execute(_NEW, (since, position))
            new = [(str(c), int(v), str(h)) for c, v, h in cur.fetchall()]
            cur.execute(_HEADS, (position,))
            heads = [(str(c), int(v), str(h)) for c, v, h in cur.fetchall()]
            cur.execute("SELECT id, hash FROM access_log ORDER BY id DESC LIMIT 1")
            access = cur.fetchone()
        return CheckpointRows(position, new, heads, (int(access[0]), str(access[1])) if access else None)

    def projected_hashes(self, store: ReadModelStore, case_id: UUID) -> dict[int, str]:
        with store.transaction(readonly=True) as cur:
            cur.execute("SELECT version, hash FROM rm_timeline WHERE case_id = ?", (str(case_id),))
            return {int(v): str(h) for v, h in cur.fetchall()}

    def cases(self, store: ReadModelStore) -> list[tuple[UUID, str]]:
        with store.transaction(readonly=True) as cur:
            cur.execute("SELECT id, case_number FROM rm_cases ORDER BY case_number")
            return [(UUID(str(i)), str(n)) for i, n in cur.fetchall()]

    def access_log(self, store: ReadModelStore) -> list[tuple[Any, ...]]:
        with store.transaction(readonly=True) as cur:
            cur.execute("SELECT id, at, subject, role, unit, case_number, fields, reason, hash FROM access_log ORDER BY id")
            return [tuple(row) for row in cur.fetchall()]
