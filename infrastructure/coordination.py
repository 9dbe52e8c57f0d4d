"""Coordination between processes: one projection runner at a time, and prompt wake-ups.

- `Leadership`: a PostgreSQL session advisory lock (or, on SQLite, an flock on a file beside the
  store). Whoever holds it runs the projections; when its process dies the lock goes with its
  connection (or file descriptor) and a standby takes over.
- `Listener`: LISTEN on the event table's channel, supervised: a dropped connection is noticed and
  re-established with back-off. Polling stays on as the fallback, so a lost notification costs at
  most one poll interval.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from infrastructure.files import private_dir
from infrastructure.settings import StoreConfig

log = logging.getLogger("fengqiao.coordination")
LOCK_KEY = 0x46514A50  # "FQJP": the projections' advisory lock
SCHEMA_LOCK_KEY = 0x46515343  # "FQSC": creating tables
DELIVERY_LOCK_KEY = 0x46515748  # "FQWH": the webhook delivery worker's advisory lock


def conninfo(store: StoreConfig) -> str:
    import psycopg

    return psycopg.conninfo.make_conninfo(
        host=store.host,
        port=store.port,
        dbname=store.dbname,
        user=store.user,
        password=store.password or None,
        connect_timeout=store.connect_timeout,
        application_name="fengqiao-coordination",
    )


class Leadership:
    def try_acquire(self) -> bool:
        raise NotImplementedError

    def still_held(self) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError


def take_lead(leadership: Leadership | None, leading: bool, logger: logging.Logger, name: str, doing: str) -> bool:
    """Whether this process holds the lock now (keeping it or taking it); a change is logged.
    One rule for every background worker that runs once per deployment."""
    if leadership is None:
        return True
    held = leadership.still_held() or leadership.try_acquire()
    if held != leading:
        logger.info("%s: %s", name, f"this process now {doing}" if held else f"standing by (another process {doing})")
    return held


class FileLeadership(Leadership):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class PostgresLeadership(Leadership):
    def __init__(self, store: StoreConfig, key: int = LOCK_KEY) -> None:
        self._conninfo = conninfo(store)
        # One leader per deployment: deployments in other schemas of the same database have their own.
        self._key = key ^ zlib.crc32((store.schema or "public").encode())
        self._conn: Any = None
        self._checked = 0.0

    def try_acquire(self) -> bool:
        import psycopg

        if self._conn is not None and self.still_held():
            return True
        self._drop()
        try:
            conn = psycopg.connect(self._conninfo, autocommit=True)
            got = bool(conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()[0])  # type: ignore[index]
        except psycopg.Error as e:
            log.warning("leadership: cannot reach PostgreSQL: %s", e)
            return False
        if not got:
            conn.close()
            return False
        self._conn = conn
        self._checked = time.monotonic()
        return True

    def still_held(self) -> bool:
        import psycopg

        if self._conn is None or self._conn.closed or self._conn.broken:
            return False
        if time.monotonic() - self._checked < 1.0:
            return True
        try:
            self._conn.execute("SELECT 1")
        except psycopg.Error:
            self._drop()
            return False
        self._checked = time.monotonic()
        return True

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # already broken
                self._conn.close()
            self._conn = None

    def release(self) -> None:
        self._drop()  # closing the session releases the advisory lock


class Listener:
    """LISTEN for new events; calls `on_notify` for each, reconnecting when the connection drops."""

    def __init__(self, store: StoreConfig, channel: str, on_notify: Callable[[], None]) -> None:
        self._conninfo = conninfo(store)
        self._channel = channel
        self._on_notify = on_notify
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reconnects = 0
        self.connected = False
        self._conn: Any = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="listen", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(Exception):  # stopping anyway
                conn.cancel_safe(timeout=1)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        import psycopg
        from psycopg import sql

        backoff = 0.2
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    self._conn = conn
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
                    self.connected = True
                    backoff = 0.2
                    self._on_notify()  # catch up on anything missed while disconnected
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=100):
                            self._on_notify()
                        conn.execute("SELECT 1")  # notice a dead connection even when idle
            except psycopg.Error as e:
                if self._stop.is_set():
                    return
                self.reconnects += 1
                log.warning("LISTEN connection lost (%s); reconnecting in %.1fs", e, backoff)
            finally:
                self.connected = False
                self._conn = None
            self._stop.wait(backoff)
            backoff = min(backoff * 2, 5.0)


@contextlib.contextmanager
def schema_lock(store: StoreConfig) -> Iterator[None]:
    """Serialise table creation between processes opening the same PostgreSQL store at once
    (concurrent CREATE ... IF NOT EXISTS / CREATE OR REPLACE FUNCTION can fail)."""
    if store.kind != "postgresql":
        yield
        return
    import psycopg

    key = SCHEMA_LOCK_KEY ^ zlib.crc32((store.schema or "public").encode())
    with psycopg.connect(conninfo(store), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def leadership_for(store: StoreConfig) -> Leadership:
    if store.kind == "sqlite":
        assert store.sqlite_path is not None
        return FileLeadership(store.sqlite_path.with_name(store.sqlite_path.stem + ".projections.lock"))
    return PostgresLeadership(store)


def delivery_leadership(store: StoreConfig) -> Leadership:
    """One webhook delivery worker at a time, independent of who runs the projections."""
    if store.kind == "sqlite":
        assert store.sqlite_path is not None
        return FileLeadership(store.sqlite_path.with_name(store.sqlite_path.stem + ".deliveries.lock"))
    return PostgresLeadership(store, key=DELIVERY_LOCK_KEY)
