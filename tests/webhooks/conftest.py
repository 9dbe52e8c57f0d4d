"""Webhook tests run the whole runtime with its delivery worker against a real local receiver,
on SQLite and PostgreSQL; 127.0.0.1 is allowed as a target, as the contract's tests do."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from application.settings import Settings
from domain.values import Role
from infrastructure.settings import graphql_executor
from interfaces.auth import issue_token
from interfaces.runtime import build_runtime
from tests.conftest import FakeClock
from tests.webhooks.receiver import Receiver, receiver


@pytest.fixture
def hook_settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings,
        webhook_allow_hosts=("127.0.0.1",),
        webhook_retry_schedule=(5, 30, 120),
        webhook_timeout=2.0,
        graphql_executor=graphql_executor(dict(os.environ)),  # as tests/graphql: fast, or stock when asked
    )


@pytest.fixture
def hooks(hook_settings: Settings, clock: FakeClock) -> Iterator[Any]:
    rt = build_runtime(hook_settings, clock=clock)
    try:
        yield rt
    finally:
        rt.close()


@pytest.fixture
def client(hooks: Any) -> Iterator[TestClient[Any]]:
    with TestClient(hooks.http) as c:
        yield c


@pytest.fixture
def auth(hooks: Any) -> Any:
    def headers(role: str, unit: str | None = None, subject: str | None = None) -> dict[str, str]:
        token = issue_token(
            hooks.settings.secret, subject=subject or f"{role}-{unit or 'all'}", role=Role(role), unit=unit
        )
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def local() -> Iterator[Receiver]:
    with receiver() as r:
        yield r
