"""The read-model database: a SQLite file beside the event store, or the same PostgreSQL database.

Projections and queries write SQL with `?` placeholders and portable types (TEXT timestamps in
one fixed UTC format, so they sort as strings; BLOB/bytea documents); this adapter turns the
placeholders into psycopg's where needed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from infrastructure.files import private_file
from infrastructure.settings import StoreConfig


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def fetchone(self) -> tuple[Any, ...] | None: ...
    def fetchall(self) -> list[tuple[Any, ...]]: ...


class ReadStore:
    dialect: str

    def transaction(self, readonly: bool = False) -> Any:  # context manager yielding a Cursor
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def dedicated(self) -> Any:
        """A store for one busy thread's transactions. SQLite's connections are per thread
        already; PostgreSQL's override gives a connection of its own, out of the pool."""
        return self


class SQLiteReadStore(ReadStore):
    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        private_file(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self, readonly: bool = False) -> Iterator[_SQLiteCursor]:
        conn = self._connection()
        # Writers take the lock up front (no deadlock on upgrade); readers never block the writer.
        conn.execute("BEGIN" if readonly else "BEGIN IMMEDIATE")
        try:
            yield _SQLiteCursor(conn.cursor())
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


class _SQLiteCursor:
    dialect = "sqlite"

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._c = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._c.execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._c.executemany(sql, [tuple(r) for r in rows])

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self._c.fetchone()
        return None if row is None else tuple(row)

    @property
    def rowcount(self) -> int:
        return int(self._c.rowcount)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._c.fetchall()]


class PostgresReadStore(ReadStore):
    dialect = "postgresql"

    def __init__(self, config: StoreConfig) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        self._psycopg = psycopg
        self.schema = config.schema or "public"
        conninfo = psycopg.conninfo.make_conninfo(
            host=config.host,
            port=config.port,
            dbname=config.dbname,
            user=config.user,
            password=config.password or None,
            connect_timeout=config.connect_timeout,
        )
        self._conninfo = conninfo
        self._kwargs: dict[str, Any] = {"autocommit": True, "options": f"-c search_path={self.schema}"}
        self._pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=max(4, config.pool_size // 2),
            kwargs=self._kwargs,
            check=ConnectionPool.check_connection,
            open=True,
            timeout=10,
        )
        self._dedicated: list[_DedicatedPostgres] = []

    @contextmanager
    def transaction(self, readonly: bool = False) -> Iterator[_PostgresCursor]:
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield _PostgresCursor(cur)

    def close(self) -> None:
        for own in self._dedicated:
            own.close()
        self._pool.close()

    def dedicated(self) -> _DedicatedPostgres:
        own = _DedicatedPostgres(lambda: self._psycopg.connect(self._conninfo, **self._kwargs), self._psycopg.Error)
        self._dedicated.append(own)
        return own


class _DedicatedPostgres:
    """One connection kept for one thread's transactions (the delivery worker's rounds): a
    pooled checkout checks the connection with a round trip each time, which was a third of
    the worker's time. A connection that fails is dropped and the next transaction opens a
    new one, so the worker recovers by itself after a PostgreSQL restart, as the LISTEN
    connection does."""

    dialect = "postgresql"

    def __init__(self, connect: Callable[[], Any], error: type[Exception]) -> None:
        self._connect = connect
        self._error = error
        self._conn: Any = None
        self._lock = threading.Lock()  # other threads (catch_up in tests) wait their turn

    @contextmanager
    def transaction(self, readonly: bool = False) -> Iterator[_PostgresCursor]:
        with self._lock:
            conn = self._conn
            if conn is None or conn.closed or conn.broken:
                conn = self._conn = self._connect()
            try:
                with conn.transaction(), conn.cursor() as cur:
                    yield _PostgresCursor(cur)
            except self._error:
                if conn.broken or conn.closed:
                    self._drop()
                raise

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def dedicated(self) -> _DedicatedPostgres:
        return self


class _PostgresCursor:
    dialect = "postgresql"

    def __init__(self, cursor: Any) -> None:
        self._c = cursor

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._c.execute(self._sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._c.executemany(self._sql(sql), [tuple(r) for r in rows])

    # Bulk writes, PostgreSQL only: one statement (one round trip) for a batch of rows.

    def execute_binary(self, sql: str, params: Sequence[Any]) -> None:
        """`execute` with the parameters sent in binary, e.g. whole columns as arrays for
        `INSERT … SELECT * FROM unnest(?::text[], …)`."""
        self._c.execute(sql.replace("%", "%%").replace("?", "%b"), tuple(params))

    def copy_rows(self, sql: str, types: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """`COPY … FROM STDIN (FORMAT BINARY)` of `rows`, whose columns have the PostgreSQL `types`."""
        with self._c.copy(sql) as copy:
            copy.set_types(list(types))
            for row in rows:
                copy.write_row(row)

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self._c.fetchone()
        return None if row is None else tuple(_plain(v) for v in row)

    @property
    def rowcount(self) -> int:
        return int(self._c.rowcount)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(_plain(v) for v in row) for row in self._c.fetchall()]


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


def open_read_store(config: StoreConfig) -> ReadStore:
    if config.kind == "sqlite":
        assert config.sqlite_path is not None
        return SQLiteReadStore(config.sqlite_path.with_name(config.sqlite_path.stem + ".readmodels.sqlite"))
    return PostgresReadStore(config)
