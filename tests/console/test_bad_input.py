"""Console pages answer bad query parameters and form fields with a page that says so, never a
500: dates no calendar holds, moments out of range, cursors not ours, unknown queues, floods."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.console.test_http import client, page, register, runtime, token  # noqa: F401 - fixtures

BAD_PAGES = [
    "/console/supervision?from=0001-01-01&to=2026-01-01",
    "/console/supervision?from=2026-01-01&to=9999-12-31",
    "/console/supervision?from=not-a-day",
    "/console/supervision/csv?from=0001-01-01&to=0001-12-31",
    "/console/supervision/csv?table=weekly&from=2026-12-01&to=2026-01-01",
    "/console/cases/GP-2026-000001?asOf=0001-01-01T00:00",
    "/console/cases/GP-2026-000001?asOf=9999-12-31T23:59:59",
    "/console/cases/GP-2026-000001?asOf=%00",
    "/console/cases/%00%01",
    "/console/queues/tax/NOPE",
    "/console/queues/%00/OVERDUE",
    "/console/?lang=%00",
]
BAD_SEARCHES = [
    {"received_from": "0001-01-01"},
    {"received_to": "9999-12-31"},
    {"status": "ARCHIVED", "after": "not-a-cursor"},
    {"external_ref": "\x00"},
    {"case_number": "\x00"},
]


@pytest.mark.parametrize("path", BAD_PAGES)
def test_bad_query_parameters_never_give_a_500(client: TestClient[Any], runtime: Any, path: str) -> None:  # noqa: F811
    register(client, runtime)
    r = page(client, path, token(runtime, "legal"))
    assert r.status_code < 500, (path, r.status_code, r.text[:300])


@pytest.mark.parametrize("form", BAD_SEARCHES)
def test_bad_search_fields_never_give_a_500(client: TestClient[Any], runtime: Any, form: dict[str, str]) -> None:  # noqa: F811
    register(client, runtime)
    page(client, "/console/search", token(runtime, "clerk", "tax"))
    r = client.post("/console/search", data=form, follow_redirects=False)
    assert r.status_code < 500, (form, r.status_code, r.text[:300])


def test_a_search_flood_is_told_to_wait(client: TestClient[Any], runtime: Any) -> None:  # noqa: F811
    register(client, runtime)
    page(client, "/console/search", token(runtime, "clerk", "tax"))
    answers = [client.post("/console/search", data={"payer_name": f"王{i}"}).status_code for i in range(31)]
    assert answers == [200] * 30 + [429]
