"""A runtime per test (on SQLite and on PostgreSQL), its ASGI app behind a TestClient."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from interfaces.graphql import schema as graphql_schema
from tests.graphql.support import Api

_build_schema_once = functools.cache(graphql_schema.build_schema)


@pytest.fixture(autouse=True)
def _one_schema_per_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build the (pure, stateless) strawberry schema once per mode instead of once per test: the
    apps are still built per test around it. Saves a tenth of a second a test."""
    for module in ("interfaces.graphql.controller", "interfaces.console.reading"):
        try:
            loaded = importlib.import_module(module)
        except Exception:  # noqa: BLE001 - a module being written by someone else: leave it be
            continue
        if getattr(loaded, "build_schema", None) is graphql_schema.build_schema:
            monkeypatch.setattr(loaded, "build_schema", _build_schema_once)


@pytest.fixture
def api(runtime: Any, clock: Any) -> Iterator[Api]:
    with TestClient(runtime.http) as client:
        yield Api(runtime, client, clock)
