"""B1 and B2: lifecycle commands in-process.

Each case is registered beforehand (bulk, untimed), then takes seven commands: transfer, sign for,
progress, conclude, feedback, no objection (无异议确认, which an archive right after the feedback
needs), archive; every command carries an Idempotency-Key. Commands go
round-robin over the rep's cases (transfer for all, then sign-for for all, …), as interleaved
traffic does. Contenders, each on its own cases, in interleaved repetitions:

  ours      Fengqiao use cases (load case, decide, save events + idempotency key in one transaction)
  raw       per command one transaction: SELECT the case's rows, INSERT one row (same driver, an
            equivalent table holding the same rows, the same stored bytes as ours writes)
  raw+idem  raw plus the idempotency I/O ours does (SELECT the key, INSERT the key): informative
  plain     eventsourcing's defaults (bench.plain_app): B2
"""

from __future__ import annotations

import gc
import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from application import commands as cmd
from application.disputes import IdempotencyKey, idempotency_scope
from bench.common import Store, interleaved_steps, log, median, percentile
from bench.gen import CLERK_TAX, CaseFactory, Writer, handler
from bench.plain_app import PlainApp, plain_env, registration_fields

# A Wednesday with no holiday around it: deadlines are the same whatever day the bench runs.
FIXED_NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)
TO_UNIT = "finance"
HANDLER = handler(TO_UNIT)

STEPS: list[tuple[str, Any, Any]] = [
    ("transfer", cmd.Transfer(to_unit=TO_UNIT, note="请核处"), CLERK_TAX),
    ("sign_for", cmd.SignFor(), HANDLER),
    ("record_progress", cmd.RecordProgress(note="已调取缴费记录"), HANDLER),
    ("conclude", cmd.Conclude(outcome="corrected", result="已更正并退还多缴部分"), HANDLER),
    ("give_feedback", cmd.GiveFeedback(party="payer", method="phone", content="已电话告知"), CLERK_TAX),
    ("confirm_no_objection", cmd.NoObjection(party="payer"), CLERK_TAX),
    ("archive", cmd.Archive(), CLERK_TAX),
]
PLAIN_STEPS: list[tuple[str, dict[str, Any], Any]] = [
    ("transfer", {"to_unit": TO_UNIT, "note": "请核处"}, CLERK_TAX),
    ("sign_for", {}, HANDLER),
    ("record_progress", {"note": "已调取缴费记录"}, HANDLER),
    ("conclude", {"outcome": "corrected", "result": "已更正并退还多缴部分"}, HANDLER),
    ("give_feedback", {"party": "payer", "method": "phone", "content": "已电话告知"}, CLERK_TAX),
    ("confirm_no_objection", {"party": "payer"}, CLERK_TAX),
    ("archive", {}, CLERK_TAX),
]


def request_hash(operation: str, ref: str, body: Any) -> str:
    canonical = msgspec.json.encode(msgspec.to_builtins(body), order="sorted")
    return hashlib.sha256(b"\0".join([operation.encode(), ref.upper().encode(), canonical])).hexdigest()


def register_cases(app: Any, factory: CaseFactory, n: int, received_at: datetime) -> list[str]:
    """n registered cases (DisputeRegistered + CaseNumberIssued each), bulk-inserted."""
    writer = Writer(app)
    numbers = []
    for _ in range(n):
        built = factory.build("registered", received_at)
        numbers.append(built.case_number)
        writer.add(built.events)
    writer.flush()
    return numbers


# --- ours ---------------------------------------------------------------------------------


class Ours:
    def __init__(self, app: Any, cases: list[str], tag: str) -> None:
        self.app = app
        self.cases = cases
        self.tag = tag
        self.latencies: list[float] = []

    def run_step(self, cases: list[str], step: int) -> float:
        method, payload, actor = STEPS[step]
        fn = getattr(self.app, method)
        calls = [
            (number, IdempotencyKey(key=f"{self.tag}-{number}-{step}", request_hash=request_hash(method, number, payload)))
            for number in cases
        ]
        lat = self.latencies
        t0 = time.perf_counter()
        for number, key in calls:
            s = time.perf_counter()
            fn(number, payload, actor, key)
            lat.append(time.perf_counter() - s)
        return time.perf_counter() - t0

    def run(self, cases: list[str]) -> float:
        return sum(self.run_step(cases, step) for step in range(len(STEPS)))


# --- raw SQL baseline ---------------------------------------------------------------------


class Raw:
    """One transaction per command: SELECT the case's rows, INSERT one row (optionally + the key)."""

    def __init__(self, store: Store, states: list[tuple[str, bytes]], ids: list[UUID], with_idem: bool,
                 tag: str = "b1") -> None:
        self.store = store
        self.states = states  # (topic, stored bytes) of the six events ours records
        self.with_idem = with_idem
        self.latencies: list[float] = []
        self.backend = store.backend
        suffix = ("idem_" if with_idem else "raw_") + tag.replace("-", "_")
        self.table = f"bl_events_{suffix}"
        self.idem_table = f"bl_idem_{suffix}"
        self.conn = self._connect()
        self._create(ids)
        self._fn = self.command_fn()

    def _connect(self) -> Any:
        if self.backend == "sqlite":
            import sqlite3

            path = self.store.var_dir / "baseline.sqlite"
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            return conn
        import psycopg

        from bench.common import pg_conninfo

        return psycopg.connect(pg_conninfo(self.store.schema), autocommit=True)

    def _create(self, ids: list[UUID]) -> None:
        c = self.conn
        # Same layout as the library's tables (SQLite: rowid table with the composite key;
        # PostgreSQL: uuid/bigint/text/bytea, bigserial notification id with its unique index).
        if self.backend == "sqlite":
            c.execute(f"CREATE TABLE {self.table} (originator_id TEXT, originator_version INTEGER, topic TEXT, "
                      "state BLOB, PRIMARY KEY (originator_id, originator_version))")
            c.execute(f"CREATE TABLE {self.idem_table} (scope TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, "
                      "response BLOB NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (scope, key))")
        else:
            c.execute(f"CREATE TABLE {self.table} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
                      "topic text, state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))")
            c.execute(f"CREATE UNIQUE INDEX {self.table}_nid ON {self.table} (notification_id)")
            c.execute(f"CREATE TABLE {self.idem_table} (scope text NOT NULL, key text NOT NULL, request_hash text NOT NULL, "
                      "response bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, key))")
        # The cases' registrations, as ours has them (same bytes: a DisputeRegistered of ~2 KB).
        self.registered_state = self.states[0]
        topic, state = self.registered_state
        rows = [(self._id(i), 1, topic, state) for i in ids]
        self._insert_many(rows)

    def _id(self, case_id: UUID) -> Any:
        return case_id.hex if self.backend == "sqlite" else case_id

    def _insert_many(self, rows: list[tuple[Any, ...]]) -> None:
        c = self.conn
        if self.backend == "sqlite":
            c.execute("BEGIN")
            c.executemany(f"INSERT INTO {self.table} VALUES (?,?,?,?)", rows)
            c.execute("COMMIT")
        else:
            with c.transaction(), c.cursor() as cur:
                cur.executemany(f"INSERT INTO {self.table} (originator_id, originator_version, topic, state) "
                                "VALUES (%s,%s,%s,%s)", rows)

    def command_fn(self) -> Callable[[Any, int, str, bytes, str, str], None]:
        c = self.conn
        t, it = self.table, self.idem_table
        idem = self.with_idem
        answer = b'{"id":"x","case_number":"GP-2026-000001","status":"TRANSFERRED","version":2,"position":1}'
        if self.backend == "sqlite":
            sel = f"SELECT * FROM {t} WHERE originator_id=? ORDER BY originator_version ASC"
            ins = f"INSERT INTO {t} VALUES (?,?,?,?)"
            isel = f"SELECT request_hash, response, created_at FROM {it} WHERE scope = ? AND key = ?"
            iins = f"INSERT INTO {it} (scope, key, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?)"

            def run(case_id: Any, _step: int, topic: str, state: bytes, scope: str, key: str) -> None:
                cur = c.cursor()
                cur.execute("BEGIN")
                if idem:
                    cur.execute(isel, (scope, key))
                    cur.fetchone()
                cur.execute(sel, (case_id,))
                rows = cur.fetchall()
                cur.execute(ins, (case_id, len(rows) + 1, topic, state))
                if idem:
                    cur.execute(iins, (scope, key, "h", answer, "2026-06-10T02:00:00+00:00"))
                cur.execute("COMMIT")

            return run
        sel = f"SELECT * FROM {t} WHERE originator_id = %s ORDER BY originator_version ASC"
        ins = f"INSERT INTO {t} (originator_id, originator_version, topic, state) VALUES (%s,%s,%s,%s)"
        isel = f"SELECT request_hash, response, created_at FROM {it} WHERE scope = %s AND key = %s"
        iins = f"INSERT INTO {it} (scope, key, request_hash, response) VALUES (%s, %s, %s, %s)"

        def run_pg(case_id: Any, _step: int, topic: str, state: bytes, scope: str, key: str) -> None:
            with c.transaction(), c.cursor() as cur:
                if idem:
                    cur.execute(isel, (scope, key))
                    cur.fetchone()
                cur.execute(sel, (case_id,))
                rows = cur.fetchall()
                cur.execute(ins, (case_id, len(rows) + 1, topic, state))
                if idem:
                    cur.execute(iins, (scope, key, "h", answer))

        return run_pg

    def run_step(self, ids: list[UUID], step: int, tag: str) -> float:
        fn = self._fn
        topic, state = self.states[step + 1]
        calls = [(self._id(i), step, topic, state, "clerk:tax:bench", f"{tag}-{i.hex}-{step}") for i in ids]
        lat = self.latencies
        t0 = time.perf_counter()
        for args in calls:
            s = time.perf_counter()
            fn(*args)
            lat.append(time.perf_counter() - s)
        return time.perf_counter() - t0

    def close(self) -> None:
        self.conn.close()


# --- plain eventsourcing (B2) -------------------------------------------------------------


class Plain:
    def __init__(self, store: Store, registered: list[Any]) -> None:
        self.app = PlainApp(env=plain_env(store))
        self.latencies: list[float] = []
        ids = []
        # Registration, untimed: saved in batches (one transaction each).
        from bench.plain_app import PlainDispute

        for i in range(0, len(registered), 200):
            batch = [PlainDispute(**registration_fields(e)) for e in registered[i : i + 200]]
            self.app.save(*batch)
            ids += [d.id for d in batch]
        self.ids = ids

    def run_step(self, ids: list[UUID], step: int, tag: str) -> float:
        app = self.app
        method, kwargs, actor = PLAIN_STEPS[step]
        actor_d = msgspec.to_builtins(actor)
        scope = idempotency_scope(actor)
        calls = [(i, method, kwargs, actor_d, scope, f"{tag}-{i.hex}-{step}", request_hash(method, str(i), kwargs))
                 for i in ids]
        lat = self.latencies
        now = FIXED_NOW
        t0 = time.perf_counter()
        for i, method, kwargs, actor_d, scope, key, h in calls:
            s = time.perf_counter()
            app.act(i, method, kwargs, actor_d, scope, key, h, now)
            lat.append(time.perf_counter() - s)
        return time.perf_counter() - t0

    def close(self) -> None:
        self.app.close()


# --- the benchmark ------------------------------------------------------------------------


def lifecycle_states(app: Any, factory: CaseFactory) -> list[tuple[str, bytes]]:
    """(topic, stored bytes) of a registration and the events of a general path, one a step, by our mapper."""
    built = factory.build("general", FIXED_NOW - timedelta(days=30))
    stored = [app.mapper.to_stored_event(e) for e in built.events[: len(STEPS) + 1]]
    return [(s.topic, s.state) for s in stored]


def run_commands(store: Store, app: Any, factory: CaseFactory, n_cases: int, reps: int, *, plain: bool = True,
                 with_raw_idem: bool = True, tag: str = "b1") -> dict[str, Any]:
    """B1 (ours vs raw, raw+idem) and, when `plain`, B2 (ours vs plain eventsourcing)."""
    from domain.reference import dispute_id_for

    received = FIXED_NOW - timedelta(hours=2)
    ours_cases = register_cases(app, factory, n_cases, received)
    registered_events = []
    if plain:
        # The same registrations for the plain app (its own table), built by the same aggregate.
        registered_events = [factory.build("registered", received).events[0] for _ in range(n_cases)]
    states = lifecycle_states(app, factory)
    raw_ids = [dispute_id_for(f"BL-{tag}-{i}") for i in range(n_cases)]
    idem_ids = [dispute_id_for(f"BI-{tag}-{i}") for i in range(n_cases)]
    raw_idem: Raw | None = None
    raw = Raw(store, states, raw_ids, with_idem=False, tag=tag)
    if with_raw_idem:
        raw_idem = Raw(store, states, idem_ids, with_idem=True, tag=tag)
    pl = Plain(store, registered_events) if plain else None
    ours = Ours(app, ours_cases, tag)

    per = n_cases // reps

    def chunk(seq: list[Any], r: int) -> list[Any]:
        return seq[r * per : (r + 1) * per]

    contenders: dict[str, Callable[[int, int], float]] = {
        "ours": lambda r, k: ours.run_step(chunk(ours_cases, r), k),
        "raw": lambda r, k: raw.run_step(chunk(raw_ids, r), k, tag),
    }
    if raw_idem is not None:
        contenders["raw+idem"] = lambda r, k: raw_idem.run_step(chunk(idem_ids, r), k, tag)
    if pl is not None:
        contenders["plain"] = lambda r, k: pl.run_step(chunk(pl.ids, r), k, tag)
    cpu: dict[str, float] = dict.fromkeys(contenders, 0.0)

    def with_cpu(name: str, fn: Callable[[int, int], float]) -> Callable[[int, int], float]:
        def run(r: int, k: int) -> float:
            c0 = time.process_time()
            wall = fn(r, k)
            cpu[name] += time.process_time() - c0
            return wall

        return run

    contenders = {name: with_cpu(name, fn) for name, fn in contenders.items()}
    gc.collect()
    times = interleaved_steps(reps, len(STEPS), contenders)
    per_cmd = {name: [t / (per * 6) for t in ts] for name, ts in times.items()}
    lat = {"ours": ours.latencies, "raw": raw.latencies}
    if raw_idem is not None:
        lat["raw+idem"] = raw_idem.latencies
    if pl is not None:
        lat["plain"] = pl.latencies
        pl.close()
    raw.close()
    if raw_idem is not None:
        raw_idem.close()
    return {
        "commands_per_rep": per * 6,
        "reps": reps,
        "per_command": {k: median(v) for k, v in per_cmd.items()},
        # This process's CPU per command (for PostgreSQL the server's work is not in it).
        "cpu_per_command": {k: v / (reps * per * 6) for k, v in cpu.items()},
        "per_command_reps": per_cmd,
        "p50": {k: percentile(v, 50) for k, v in lat.items()},
        "p99": {k: percentile(v, 99) for k, v in lat.items()},
    }


def growth_commands(apps: dict[str, tuple[Any, CaseFactory]], n_cases: int, reps: int, tag: str) -> dict[str, Any]:
    """B7's B1 point: ours alone on each store (e.g. 10k and 1M events), interleaved step by step;
    per-command mean per rep, median over reps."""
    received = FIXED_NOW - timedelta(hours=2)
    runners = {}
    cases = {}
    for name, (app, factory) in apps.items():
        cases[name] = register_cases(app, factory, n_cases, received)
        runners[name] = Ours(app, cases[name], f"{tag}-{name}")
    per = n_cases // reps
    cpu = dict.fromkeys(apps, 0.0)

    def step(name: str, r: int, k: int) -> float:
        c0 = time.process_time()
        wall = runners[name].run_step(cases[name][r * per : (r + 1) * per], k)
        cpu[name] += time.process_time() - c0
        return wall

    gc.collect()
    times = interleaved_steps(reps, len(STEPS), {
        name: (lambda r, k, name=name: step(name, r, k)) for name in apps
    })
    return {
        name: {"per_command": median([t / (per * 6) for t in ts]), "p50": percentile(runners[name].latencies, 50),
               "p99": percentile(runners[name].latencies, 99), "cpu_per_command": cpu[name] / (reps * per * 6)}
        for name, ts in times.items()
    } | {"reps": reps, "commands_per_rep": per * 6}


def print_commands(backend: str, res: dict[str, Any]) -> None:
    pc = res["per_command"]
    parts = [f"{k} {v * 1e6:.0f} µs (cpu {res['cpu_per_command'][k] * 1e6:.0f})" for k, v in pc.items()]
    log(f"  [{backend}] per command (median of {res['reps']} reps × {res['commands_per_rep']}): " + ", ".join(parts))
    idem = f"  (ours/raw+idem = {pc['ours'] / pc['raw+idem']:.2f}×)" if "raw+idem" in pc else ""
    log(f"  [{backend}] B1 ours/raw = {pc['ours'] / pc['raw']:.2f}×{idem}"
        + (f"; B2 plain/ours = {pc['plain'] / pc['ours']:.2f}×" if "plain" in pc else ""))


__all__ = ["FIXED_NOW", "growth_commands", "print_commands", "run_commands"]
