"""What the service creates on disk is private from the start, SQLite commits are durable, and a
store that cannot be opened says which path was tried."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from infrastructure.durability import check_durability
from infrastructure.settings import ConfigurationError, load_settings
from interfaces.runtime import build_runtime


@pytest.fixture
def open_umask() -> Iterator[None]:
    before = os.umask(0o022)  # the usual default: files 0644, folders 0755 unless we say otherwise
    try:
        yield
    finally:
        os.umask(before)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_var_folder_keys_and_sqlite_stores_are_created_private(tmp_path, open_umask):
    var = tmp_path / "deploy" / "var"
    settings = load_settings({"FENGQIAO_VAR_DIR": str(var)})
    runtime = build_runtime(settings)
    try:
        runtime.fengqiao.units()  # the stores are open and written
    finally:
        runtime.close()
    assert _mode(var) == 0o700
    for name in ("secret", "data.key", "signing.key"):
        assert _mode(var / name) == 0o600, name
    stores = [p for p in var.iterdir() if p.name.endswith((".sqlite", ".sqlite-wal", ".sqlite-shm"))]
    assert any(p.name == "fengqiao.sqlite" for p in stores)
    assert any(p.name.endswith("readmodels.sqlite") for p in stores)
    assert {p.name: _mode(p) for p in stores} == {p.name: 0o600 for p in stores}


def test_every_event_store_connection_syncs_fully(settings, make_app):
    if settings.store.kind != "sqlite":
        pytest.skip("a SQLite pragma")
    app = make_app()
    pool = app.recorder.datastore.pool
    conn = pool.get_connection()
    try:
        assert conn._sqlite_conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        pool.put_connection(conn)


def test_a_sqlite_store_that_cannot_be_opened_names_the_path_and_the_four_slashes(tmp_path):
    folder = tmp_path / "a-folder.sqlite"
    folder.mkdir()
    settings = load_settings({"FENGQIAO_VAR_DIR": str(tmp_path), "FENGQIAO_DATABASE_URL": f"sqlite:///{folder}"})
    with pytest.raises(ConfigurationError) as refused:
        check_durability(settings.store)
    message = str(refused.value)
    assert str(folder.resolve()) in message and "four slashes" in message


def test_the_guard_leaves_a_good_store_in_wal_and_full(tmp_path):
    settings = load_settings({"FENGQIAO_VAR_DIR": str(tmp_path)})
    check_durability(settings.store)
    assert settings.store.sqlite_path is not None
    with sqlite3.connect(settings.store.sqlite_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
