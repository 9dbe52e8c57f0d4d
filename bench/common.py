"""Shared plumbing: stores (a SQLite file or a fresh PostgreSQL schema), settings, timing, stats."""

from __future__ import annotations

import atexit
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infrastructure.settings import Settings, StoreConfig, parse_database_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TMP = Path(os.environ.get("BENCH_TMP", RESULTS / "tmp"))
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = b"bench-secret-not-for-production-use-0123456789"
DATA_KEY = b"bench-data-key-not-for-production"
SIGNING_KEY = bytes(range(32))
BACKENDS = ("sqlite", "postgres")
SMALL_POOL = {"FENGQIAO_PG_POOL_SIZE": "2", "FENGQIAO_PG_MAX_OVERFLOW": "2"}


_T0 = time.monotonic()


def log(message: str) -> None:
    """Progress lines carry the seconds since the suite started."""
    if message and not message.startswith(("#", "|", "-", "*")):
        message = f"{time.monotonic() - _T0:5.0f}s {message}"
    print(message, flush=True)


def pg_conninfo(schema: str | None = None) -> str:
    cfg = parse_database_url(POSTGRES_URL, Path("var"), {})
    info = f"host={cfg.host} port={cfg.port} dbname={cfg.dbname} user={cfg.user}"
    if cfg.password:
        info += f" password={cfg.password}"
    if schema:
        info += f" options='-c search_path={schema}'"
    return info


_SCHEMAS: list[str] = []


def _drop_schemas() -> None:
    """At exit: drop what is left (a restart of the shared server may have made a drop fail)."""
    if not _SCHEMAS:
        return
    import psycopg

    for _ in range(2):
        try:
            with psycopg.connect(pg_conninfo(), autocommit=True, connect_timeout=5) as conn:
                for schema in list(_SCHEMAS):
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                    _SCHEMAS.remove(schema)
            return
        except Exception as e:  # noqa: BLE001
            log(f"warning: could not drop bench schemas {_SCHEMAS} yet: {e}")
            wait_for_postgres(timeout=120, stable=0)


atexit.register(_drop_schemas)


def new_schema(tag: str) -> str:
    import psycopg

    schema = f"bench_{tag}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    _SCHEMAS.append(schema)
    return schema


def drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    if schema in _SCHEMAS:
        _SCHEMAS.remove(schema)


@dataclass
class Store:
    """One event store (plus its read models): a SQLite file, or a PostgreSQL schema of its own."""

    backend: str
    tag: str
    var_dir: Path
    schema: str | None = None
    settings: Settings = field(init=False)

    def __post_init__(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        if self.backend == "sqlite":
            store = StoreConfig(kind="sqlite", sqlite_path=self.var_dir / "events.sqlite")
        else:
            self.schema = self.schema or new_schema(self.tag)
            # In-process contenders are single-threaded: a pool of 2 behaves the same as the default
            # 10 and keeps this shared server's connection slots free. `fengqiao serve` (B3) keeps
            # its default pool.
            store = parse_database_url(POSTGRES_URL, self.var_dir, {"FENGQIAO_PG_SCHEMA": self.schema,
                                                                    **SMALL_POOL})
        self.settings = Settings(
            var_dir=self.var_dir,
            store=store,
            secret=SECRET,
            data_key=DATA_KEY,
            signing_key=SIGNING_KEY,
            checkpoint_dir=self.var_dir / "checkpoints",
        )

    @property
    def database_url(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.settings.store.sqlite_path}"
        return POSTGRES_URL

    def env(self, small_pool: bool = False) -> dict[str, str]:
        """The environment for a `fengqiao` subprocess on this store."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FENGQIAO_", "POSTGRES_", "SQLITE_"))}
        env.update(
            FENGQIAO_DATABASE_URL=self.database_url,
            FENGQIAO_VAR_DIR=str(self.var_dir),
            FENGQIAO_SECRET=SECRET.decode(),
            FENGQIAO_DATA_KEY=DATA_KEY.decode(),
            FENGQIAO_CHECKPOINT_DIR=str(self.var_dir / "checkpoints"),
            FENGQIAO_MODE="development",
            PYTHONPATH=str(ROOT),
        )
        if self.schema:
            env["FENGQIAO_PG_SCHEMA"] = self.schema
        if small_pool:
            env.update(SMALL_POOL)
        return env

    def sql(self) -> Any:
        """A plain DB-API connection to this store (sqlite3 / psycopg, autocommit)."""
        if self.backend == "sqlite":
            import sqlite3

            assert self.settings.store.sqlite_path is not None
            return sqlite3.connect(self.settings.store.sqlite_path, isolation_level=None)
        import psycopg

        return psycopg.connect(pg_conninfo(self.schema), autocommit=True)

    @property
    def events_table(self) -> str:
        # The library names the table after the application on PostgreSQL only.
        return "stored_events" if self.backend == "sqlite" else "fengqiao_events"

    def count_events(self) -> int:
        conn = self.sql()
        try:
            return int(conn.execute(f"SELECT COUNT(*) FROM {self.events_table}").fetchone()[0])  # noqa: S608
        finally:
            conn.close()

    def drop(self) -> None:
        if self.schema:
            drop_schema(self.schema)


def fresh_store(backend: str, tag: str) -> Store:
    path = TMP / f"{tag}-{backend}-{uuid.uuid4().hex[:6]}"
    return Store(backend=backend, tag=tag, var_dir=path)


# --- PostgreSQL going away (other people restart the shared server) -----------------------


def wait_for_postgres(timeout: float = 900.0, stable: float = 30.0) -> bool:
    """Wait until the server answers and has been up for `stable` seconds (restarts come in bursts)."""
    import psycopg

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(pg_conninfo(), connect_timeout=3) as conn:
                row = conn.execute("SELECT EXTRACT(EPOCH FROM now() - pg_postmaster_start_time())").fetchone()
            up = float(row[0]) if row else 0.0
            if up >= stable:
                return True
            time.sleep(min(stable - up, 5.0) + 0.5)
        except Exception:  # noqa: BLE001
            time.sleep(2.0)
    return False


def transient(error: BaseException) -> bool:
    """Did the database go away under us (restart, too many clients), rather than our code fail?"""
    import psycopg
    import psycopg_pool
    from eventsourcing import persistence

    from application.errors import StoreUnavailable

    kinds = (psycopg.OperationalError, psycopg.InterfaceError, psycopg_pool.PoolTimeout, persistence.OperationalError,
             persistence.InterfaceError, StoreUnavailable, ConnectionError)
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, kinds):
            return True
        text = str(seen)
        if any(m in text for m in ("unavailable", "Unavailable", "server closed the connection", "shutting down",
                                   "terminating connection", "couldn't get a connection", "HTTP 503", "HTTP 500")):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def attempt(backend: str, label: str, fn: Callable[[int], Any], retries: int = 5) -> Any:
    """Run fn(try_number); on PostgreSQL going away, wait for it and run it again."""
    for i in range(retries + 1):
        try:
            return fn(i)
        except Exception as e:
            if backend != "postgres" or i == retries or not transient(e):
                raise
            why = str(e).strip().splitlines()[-1][:160] if str(e).strip() else type(e).__name__
            log(f"  [{backend}] {label}: PostgreSQL went away ({why}); waiting for it to stay up, then again")
            wait_for_postgres()
    raise AssertionError("unreachable")


# --- timing -------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def interleaved(reps: int, contenders: dict[str, Callable[[int], float]]) -> dict[str, list[float]]:
    """Run rep r of every contender before rep r+1 of any, alternating the order, so that noise
    from the shared machine falls on both sides alike. Each callable returns its own seconds."""
    out: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for r in range(reps):
        order = names if r % 2 == 0 else list(reversed(names))
        for name in order:
            out[name].append(contenders[name](r))
    return out


def interleaved_steps(reps: int, steps: int, contenders: dict[str, Callable[[int, int], float]]) -> dict[str, list[float]]:
    """As `interleaved`, but alternating at every step of a rep (finer: a burst of load from
    elsewhere on the machine lands on every contender). Returns per-rep totals."""
    out: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for r in range(reps):
        totals = dict.fromkeys(names, 0.0)
        for k in range(steps):
            shift = (r * steps + k) % len(names)
            order = names[shift:] + names[:shift]
            if (r + k) % 2:
                order.reverse()
            for name in order:
                totals[name] += contenders[name](r, k)
        for name in names:
            out[name].append(totals[name])
    return out


def fmt_ms(seconds: float) -> str:
    ms = seconds * 1000
    if ms >= 100:
        return f"{ms:.0f} ms"
    if ms >= 10:
        return f"{ms:.1f} ms"
    return f"{ms:.2f} ms"


def fmt_us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs"


def python_executable() -> str:
    return sys.executable
