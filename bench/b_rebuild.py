"""B4: rebuilding every read model from the event store, against a raw pipeline.

  ours      ProjectionRunner(app, read_store, batch_size=500).rebuild(): clears the read models,
            then pulls the notification log 500 at a time and applies each page to `cases` and
            `timelines` in one transaction (fold into case views, hash chain, upserts).
  raw       the same I/O without the projection logic: read the events in pages of 500 through
            the driver, decode each with msgspec (typed), and bulk-upsert the very rows ours ends
            up with (the case rows touched by the page, one timeline row per event; taken from
            ours' result beforehand) into tables of the same shape, one transaction per page.

Rates are events per second; the target is ours ≥ 0.5 × raw.
"""

from __future__ import annotations

import time
from typing import Any

from application.event_codec import decode_event
from bench.common import Store, log, median
from infrastructure.projection_runner import ProjectionRunner
from infrastructure.readstore import open_read_store
from projections import cases as pc
from projections import timelines as pt

PAGE = 500


def ours_rebuild(app: Any, store: Store) -> float:
    read_store = open_read_store(store.settings.store)
    try:
        runner = ProjectionRunner(app, read_store, batch_size=PAGE)
        t0 = time.perf_counter()
        runner.rebuild()
        return time.perf_counter() - t0
    finally:
        read_store.close()


class RawPipeline:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.backend = store.backend
        self.events = store.sql()  # the event store (sqlite3 / psycopg)
        self.reads = self._read_conn()
        self._prepare()

    def _read_conn(self) -> Any:
        if self.backend == "sqlite":
            import sqlite3

            path = self.store.settings.store.sqlite_path
            assert path is not None
            conn = sqlite3.connect(path.with_name(path.stem + ".readmodels.sqlite"), isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # as the read store sets it
            return conn
        return self.store.sql()

    def _p(self, sql: str) -> str:
        return sql if self.backend == "sqlite" else sql.replace("?", "%s")

    def _prepare(self) -> None:
        c = self.reads
        for stmt in pc.ddl(self.store.settings.store.kind):
            c.execute(stmt.replace("rm_cases", "bl_cases").replace("NOT NULL UNIQUE", "NOT NULL"))
        for ddl in pt.DDL:
            stmt = ddl.replace("rm_timeline", "bl_timeline")
            c.execute(stmt if self.backend == "postgres" else stmt.replace("BYTEA", "BLOB"))
        c.execute("CREATE TABLE IF NOT EXISTS bl_tracking (name TEXT PRIMARY KEY, position BIGINT NOT NULL)")
        c.execute(self._p("INSERT INTO bl_tracking VALUES (?, 0) ON CONFLICT (name) DO NOTHING"), ("raw",))
        # The rows ours produced: what the raw pipeline writes, page by page.
        self.case_rows = {r[0]: tuple(r) for r in c.execute(f"SELECT {pc.COLUMNS} FROM rm_cases").fetchall()}
        self.timeline_rows = {
            (r[0], r[1]): tuple(r)
            for r in c.execute(
                "SELECT case_id, version, position, topic, type, at, recorded_at, actor, actor_role, actor_unit, state, hash "
                "FROM rm_timeline"
            ).fetchall()
        }
        self.upsert = self._p(pc._UPSERT.replace("rm_cases", "bl_cases"))
        self.insert_timeline = self._p(
            "INSERT INTO bl_timeline (case_id, version, position, topic, type, at, recorded_at, actor, actor_role, "
            "actor_unit, state, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        if self.backend == "sqlite":
            self.select = "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events WHERE rowid > ? ORDER BY rowid LIMIT ?"
        else:
            self.select = ("SELECT notification_id, originator_id, originator_version, topic, state FROM fengqiao_events "
                           "WHERE notification_id > %s ORDER BY notification_id LIMIT %s")

    def _tx(self) -> Any:
        if self.backend == "sqlite":
            import contextlib

            @contextlib.contextmanager
            def tx() -> Any:
                self.reads.execute("BEGIN IMMEDIATE")
                try:
                    yield self.reads.cursor()
                except BaseException:
                    self.reads.execute("ROLLBACK")
                    raise
                self.reads.execute("COMMIT")

            return tx()
        import contextlib

        @contextlib.contextmanager
        def pgtx() -> Any:
            with self.reads.transaction(), self.reads.cursor() as cur:
                yield cur

        return pgtx()

    def run(self) -> float:
        case_rows, timeline_rows = self.case_rows, self.timeline_rows
        t0 = time.perf_counter()
        with self._tx() as cur:
            cur.execute("DELETE FROM bl_cases")
            cur.execute("DELETE FROM bl_timeline")
            cur.execute(self._p("UPDATE bl_tracking SET position = 0 WHERE name = ?"), ("raw",))
        last = 0
        while True:
            page = self.events.execute(self.select, (last, PAGE)).fetchall()
            if not page:
                break
            touched: dict[str, None] = {}
            trows = []
            for _nid, _oid, version, topic, state in page:
                event = decode_event(topic, bytes(state))
                if not topic.startswith("domain.events:"):
                    continue
                case_id = str(event.originator_id)
                touched[case_id] = None
                trows.append(timeline_rows[(case_id, version)])
            last = page[-1][0]
            with self._tx() as cur:
                cur.execute(self._p("UPDATE bl_tracking SET position = ? WHERE name = ?"), (last, "raw"))
                rows = [case_rows[c] for c in touched]
                if rows:
                    cur.executemany(self.upsert, rows)
                if trows:
                    cur.executemany(self.insert_timeline, trows)
        return time.perf_counter() - t0

    def close(self) -> None:
        self.events.close()
        self.reads.close()


def run_rebuild(app: Any, store: Store, events: int, reps: int) -> dict[str, Any]:
    """ours, then raw, alternating which goes first, `reps` times each."""
    ours_rebuild(app, store)  # warm-up; also yields the rows the raw pipeline writes
    raw = RawPipeline(store)
    ours_t, raw_t, ours_c, raw_c = [], [], [], []
    try:
        for r in range(reps):
            order = ("ours", "raw") if r % 2 == 0 else ("raw", "ours")
            for name in order:
                c0 = time.process_time()
                if name == "ours":
                    ours_t.append(ours_rebuild(app, store))
                    ours_c.append(time.process_time() - c0)
                else:
                    raw_t.append(raw.run())
                    raw_c.append(time.process_time() - c0)
    finally:
        raw.close()
    o, b = median(ours_t), median(raw_t)
    return {"events": events, "ours_s": o, "raw_s": b, "ours_rate": events / o, "raw_rate": events / b,
            "ratio": b / o, "cpu_ratio": median(raw_c) / median(ours_c), "ours_cpu_s": median(ours_c),
            "raw_cpu_s": median(raw_c), "ours_reps": ours_t, "raw_reps": raw_t, "reps": reps}


def print_rebuild(backend: str, res: dict[str, Any]) -> None:
    log(f"  [{backend}] B4 rebuild {res['events']:,} events: ours {res['ours_s']:.2f} s ({res['ours_rate']:,.0f} ev/s), "
        f"raw {res['raw_s']:.2f} s ({res['raw_rate']:,.0f} ev/s) → ours at {res['ratio']:.2f}× the raw rate "
        f"(cpu {res['ours_cpu_s']:.2f} / {res['raw_cpu_s']:.2f} s → {res['cpu_ratio']:.2f}×; median of {res['reps']})")


__all__ = ["RawPipeline", "ours_rebuild", "print_rebuild", "run_rebuild"]
