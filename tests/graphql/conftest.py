"""A runtime per test (on SQLite and on PostgreSQL), its ASGI app behind a TestClient.

The GraphQL executor is the one FENGQIAO_GRAPHQL_EXECUTOR names (fast by default); `make test`
runs this folder once more with `stock`. The fast executor's own tests only run with `fast`.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from infrastructure.settings import Settings, graphql_executor
from interfaces.graphql import schema as graphql_schema
from tests.graphql.support import Api

EXECUTOR = graphql_executor(dict(os.environ))

collect_ignore = [] if EXECUTOR == "fast" else ["test_fast_execution.py", "test_operation_extension.py"]

_build_schema_once = functools.cache(graphql_schema.build_schema)


def pytest_report_header() -> str:
    return f"GraphQL executor: {EXECUTOR}"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, graphql_executor=EXECUTOR)


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
