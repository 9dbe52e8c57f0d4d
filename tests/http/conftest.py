"""The REST surface through the real ASGI app (middleware, auth and exception handlers included)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from domain.values import Role
from interfaces.auth import issue_token


@pytest.fixture
def client(runtime: Any) -> Iterator[TestClient[Any]]:
    with TestClient(runtime.http) as c:
        yield c


@pytest.fixture
def auth(runtime: Any) -> Any:
    def headers(role: str, unit: str | None = None, subject: str | None = None) -> dict[str, str]:
        token = issue_token(
            runtime.settings.secret, subject=subject or f"{role}-{unit or 'all'}", role=Role(role), unit=unit
        )
        return {"Authorization": f"Bearer {token}"}

    return headers
