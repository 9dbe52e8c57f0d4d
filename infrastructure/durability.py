"""Refuse to start on settings that can lose an acknowledged write."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from infrastructure.files import private_file
from infrastructure.settings import ConfigurationError, StoreConfig
from infrastructure.sqlite_recorder import durable


def check_durability(store: StoreConfig) -> None:
    if store.kind == "sqlite":
        assert store.sqlite_path is not None
        _check_sqlite(store.sqlite_path)
    else:
        _check_postgres(store)


def _check_sqlite(path: Path) -> None:
    try:
        private_file(path)
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA schema_version").fetchone()
    except (OSError, sqlite3.Error) as e:
        raise ConfigurationError(
            f"FENGQIAO_DATABASE_URL: cannot open the SQLite file {path.resolve()} ({e}); an absolute path needs "
            "four slashes (sqlite:////var/lib/fengqiao/fengqiao.sqlite), three make it relative to the working folder"
        ) from None
    try:
        durable(conn)
        synchronous = int(conn.execute("PRAGMA synchronous").fetchone()[0])
        if synchronous < 2:  # 2 = FULL, 3 = EXTRA
            raise ConfigurationError(
                f"{path}: SQLite does not honour synchronous=FULL (it reports {synchronous}); refusing to start "
                "(an acknowledged write could be lost in a power cut)"
            )
        mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
        if mode != "wal":
            # The library switches a new file to WAL on first use; a file forced back to another mode
            # would let a crash mid-write corrupt the store or lose writes readers saw.
            conn.execute("PRAGMA journal_mode=WAL")
            mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
        if mode != "wal":
            raise ConfigurationError(
                f"{path}: SQLite journal_mode is {mode!r}, not WAL; refusing to start (an acknowledged write could be lost)"
            )
    finally:
        conn.close()


def _check_postgres(store: StoreConfig) -> None:
    import psycopg

    try:
        with psycopg.connect(
            host=store.host,
            port=store.port,
            dbname=store.dbname,
            user=store.user,
            password=store.password or None,
            connect_timeout=store.connect_timeout,
        ) as conn:
            fsync = str(conn.execute("SHOW fsync").fetchone()[0]).lower()  # type: ignore[index]
            commit = str(conn.execute("SHOW synchronous_commit").fetchone()[0]).lower()  # type: ignore[index]
    except psycopg.OperationalError as e:
        raise ConfigurationError(f"FENGQIAO_DATABASE_URL: PostgreSQL does not answer: {e}") from None
    problems = []
    if fsync != "on":
        problems.append(f"fsync is {fsync}")
    if commit == "off":
        problems.append(f"synchronous_commit is {commit}")
    if problems:
        raise ConfigurationError(
            "PostgreSQL is configured so that an acknowledged write can be lost ("
            + ", ".join(problems)
            + "); set fsync = on and synchronous_commit = on (or local, remote_write, remote_apply) and restart"
        )
