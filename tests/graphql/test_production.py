"""Production mode: no introspection, no GET, no IDE; unexpected errors masked, expected ones kept
with their code."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from interfaces.runtime import build_runtime
from tests.graphql.support import Api


@pytest.fixture
def prod(settings: Any, clock: Any) -> Iterator[Api]:
    rt = build_runtime(dataclasses.replace(settings, mode="production"), clock=clock)
    try:
        with TestClient(rt.http) as client:
            yield Api(rt, client, clock)
    finally:
        rt.close()


def _broken_status() -> Any:
    raise RuntimeError("password=hunter2 at db.internal:5432")


def test_introspection_is_refused(prod: Api):
    for query in ("{ __schema { types { name } } }", '{ __type(name: "Dispute") { fields { name } } }'):
        answer = prod.gql(query, token=prod.auditor())
        assert answer.get("data") is None, query
        assert any("introspection" in m.lower() for m in prod.errors(answer)), answer
    # __typename is not introspection of the schema.
    assert prod.data("{ __typename }", token=prod.auditor()) == {"__typename": "Query"}


def test_get_is_not_allowed_and_there_is_no_ide(prod: Api):
    headers = prod.headers(prod.auditor())

    by_get = prod.client.get("/graphql", params={"query": "{ disputes { totalCount } }"}, headers=headers)
    ide = prod.client.get("/graphql", headers={**headers, "Accept": "text/html"})

    assert by_get.status_code in (400, 404, 405)
    assert "totalCount" not in by_get.text
    assert ide.status_code in (400, 404, 405)
    assert "graphiql" not in ide.text.lower()


def test_an_unexpected_error_is_masked(prod: Api, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(prod.runtime.reads.runner, "status", _broken_status)

    r = prod.client.post("/graphql", json={"query": "{ projections { name } }"}, headers=prod.headers(prod.auditor()))

    assert r.status_code == 200
    assert "hunter2" not in r.text and "db.internal" not in r.text and "RuntimeError" not in r.text
    [error] = r.json()["errors"]
    assert error["message"] == "internal error; it has been logged"


def test_an_expected_error_keeps_its_message_and_code(prod: Api):
    answer = prod.gql('{ supervision(from: "2026-11-01", to: "2026-11-30") { received } }', token=prod.clerk("tax"))

    [error] = answer["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["message"] == "supervision figures are for the task-force office, auditors and legal staff"

    answer = prod.gql('{ verifyCase(caseNumber: "GP-2026-000404") { valid } }', token=prod.auditor())
    [error] = answer["errors"]
    assert (error["extensions"]["code"], error["message"]) == ("NOT_FOUND", "no case GP-2026-000404")

    answer = prod.gql("{ disputes { nope } }", token=prod.auditor())  # a validation error

    [error] = answer["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "nope" in error["message"]


def test_a_masked_error_is_labelled_internal_not_as_a_validation_failure(prod: Api, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(prod.runtime.reads.runner, "status", _broken_status)

    answer = prod.gql("{ projections { name } }", token=prod.auditor())

    assert answer["errors"][0]["extensions"]["code"] == "INTERNAL"


def test_in_development_the_same_error_shows_its_message(api: Api, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(api.runtime.reads.runner, "status", _broken_status)

    answer = api.gql("{ projections { name } }", token=api.auditor())

    assert answer["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert api.client.get("/graphql", params={"query": "{ __typename }"}, headers=api.headers(api.auditor())).status_code == 200
