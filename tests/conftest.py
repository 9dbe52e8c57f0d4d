"""Shared fixtures: the same application tests run on SQLite and on the real PostgreSQL.

PostgreSQL tests use a fresh schema per test in the database named by FENGQIAO_TEST_POSTGRES_URL
(default postgresql://postgres@127.0.0.1:5432/test). They skip when the server does not answer,
except under CI=true, where they must run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from infrastructure.settings import Settings, StoreConfig, parse_database_url

POSTGRES_URL = os.environ.get("FENGQIAO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _postgres_available() -> str | None:
    try:
        with psycopg.connect(_conninfo(), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as e:  # noqa: BLE001 - any failure means "not available"
        return str(e)


def _conninfo() -> str:
    cfg = parse_database_url(POSTGRES_URL, Path("var"), {})
    return f"host={cfg.host} port={cfg.port} dbname={cfg.dbname} user={cfg.user} password={cfg.password}"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    problem = _postgres_available()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true but does not answer: {problem}")
        pytest.skip(f"PostgreSQL not available: {problem}")
    return POSTGRES_URL


@pytest.fixture
def pg_schema(postgres_url: str) -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield schema
    with psycopg.connect(_conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


class FakeClock:
    """A controllable clock: tests move time instead of sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, value: datetime) -> None:
        self.now = value.astimezone(UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 26, 2, 0, tzinfo=UTC))


def _settings(tmp_path: Path, store: StoreConfig) -> Settings:
    return Settings(
        var_dir=tmp_path,
        store=store,
        secret=b"test-secret-of-at-least-32-bytes-for-hs256",
        data_key=b"test-data-key",
        signing_key=bytes(range(32)),
        checkpoint_dir=tmp_path / "checkpoints",
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        return _settings(tmp_path, StoreConfig(kind="sqlite", sqlite_path=tmp_path / "events.sqlite"))
    schema = request.getfixturevalue("pg_schema")
    cfg = parse_database_url(request.getfixturevalue("postgres_url"), tmp_path, {"FENGQIAO_PG_SCHEMA": schema})
    return _settings(tmp_path, cfg)


@pytest.fixture
def make_app(settings: Settings, clock: FakeClock) -> Iterator[Callable[[], object]]:
    from infrastructure.store import open_application

    apps: list[object] = []

    def factory() -> object:
        app = open_application(settings, clock=clock)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.close()  # type: ignore[attr-defined]


@pytest.fixture
def app(make_app: Callable[[], object]) -> object:
    return make_app()


@pytest.fixture
def runtime(settings: Settings, clock: FakeClock) -> Iterator[object]:
    """The whole runtime (HTTP app included) on the test's store; closed afterwards."""
    from interfaces.runtime import build_runtime

    rt = build_runtime(settings, clock=clock)
    try:
        yield rt
    finally:
        rt.close()
