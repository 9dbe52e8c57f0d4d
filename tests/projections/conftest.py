"""Projection tests: a runtime without HTTP, real commands through the application, and extra
read stores (a second SQLite file, or a second PostgreSQL schema) to project the same events into."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from infrastructure.readstore import PostgresReadStore, ReadStore, SQLiteReadStore
from interfaces.runtime import build_runtime
from tests.conftest import _conninfo


@pytest.fixture
def runtime(settings: Any, clock: Any) -> Iterator[Any]:
    rt = build_runtime(settings, with_http=False, clock=clock)
    try:
        yield rt
    finally:
        rt.close()


@pytest.fixture
def read_store(settings: Any, tmp_path: Any) -> Iterator[Callable[[], ReadStore]]:
    """Fresh, empty read stores beside the runtime's own."""
    made: list[ReadStore] = []
    schemas: list[str] = []

    def factory() -> ReadStore:
        if settings.store.kind == "sqlite":
            store: ReadStore = SQLiteReadStore(tmp_path / f"copy-{len(made)}.readmodels.sqlite")
        else:
            schema = f"t_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(_conninfo(), autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')
            schemas.append(schema)
            store = PostgresReadStore(dataclasses.replace(settings.store, schema=schema, pool_size=2))
        made.append(store)
        return store

    yield factory
    for store in made:
        store.close()
    if schemas:
        with psycopg.connect(_conninfo(), autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
