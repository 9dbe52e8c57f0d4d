"""The live OpenAPI description is valid 3.1 and complete enough to generate a client from."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from openapi_spec_validator import validate

from application import registry

METHODS = {"get", "post", "put", "delete", "head", "patch"}
PROBES = {"/health", "/ready"}


@pytest.fixture
def doc(runtime: Any) -> Iterator[dict[str, Any]]:
    with TestClient(runtime.http) as client:
        r = client.get("/schema/openapi.json")
        assert r.status_code == 200
        yield r.json()


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_every_operation_has_an_operation_id_security_and_its_error_answers(doc: dict[str, Any]) -> None:
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"]}
    assert doc["security"] == [{"bearerAuth": []}]
    ids = []
    for path, method, operation in _operations(doc):
        where = f"{method.upper()} {path}"
        ids.append(operation.get("operationId"))
        assert operation.get("operationId", "")[:1].islower(), where
        if path in PROBES:
            assert operation["security"] == [], where
            continue
        assert "security" not in operation or operation["security"] == [{"bearerAuth": []}], where
        for status in ("401", "500"):
            assert status in operation["responses"], where
        for status, response in operation["responses"].items():
            if status in {"409", "429", "503"}:
                assert "Retry-After" in response.get("headers", {}), f"{where} {status}"
            if status.startswith(("4", "5")) and path.startswith("/api/"):
                assert "application/problem+json" in response.get("content", {}), f"{where} {status}"
    assert len(ids) == len(set(ids)), "operationIds are unique"
    assert "getReadiness" in ids and "getHealth" in ids


def test_every_command_is_documented_from_the_registry(doc: dict[str, Any]) -> None:
    by_id = {op["operationId"]: (path, op) for path, _, op in _operations(doc)}
    for spec in registry.COMMANDS:
        path, operation = by_id[spec.operation]
        assert path == ("/api/v1/disputes" if not spec.on_case else f"/api/v1/disputes/{{id}}/{spec.path}")
        for status in ("400", "401", "403", "404", "409", "422", "503"):
            assert status in operation["responses"], (spec.operation, status)
        headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert "Idempotency-Key" in headers, spec.operation
        success = operation["responses"]["201" if not spec.on_case else "200"]
        assert "Idempotent-Replayed" in success["headers"]
        for role, _ in spec.roles:
            assert f"`{role.value}`" in operation["description"], (spec.operation, role)
        assert operation["requestBody"]["content"]["application/json"].get("example") is not None, spec.operation
    assert not [p for p in by_id["addUnit"][1].get("parameters", []) if p["name"] == "Idempotency-Key"]
    register = by_id["registerDispute"][1]
    assert "Location" in register["responses"]["201"]["headers"]
    example = register["requestBody"]["content"]["application/json"]["example"]
    assert (example["channel"], example["category"]) == ("hotline_12366", "late_fee")
    assert by_id["transferDispute"][1]["requestBody"]["content"]["application/json"]["example"]["to_unit"] == "hrss"


def test_graphql_documents_its_headers_and_enums_are_typed(doc: dict[str, Any]) -> None:
    graphql = doc["paths"]["/graphql"]["post"]
    assert graphql["operationId"] == "executeGraphql"
    headers = {p["name"] for p in graphql["parameters"] if p["in"] == "header"}
    assert {"X-Access-Reason", "X-Consistency-Position"} <= headers
    assert graphql["tags"] == ["graphql"]
    assert graphql["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/GraphQLRequest"}
    codes = doc["components"]["schemas"]["GraphQLError"]["properties"]["extensions"]["properties"]["code"]["enum"]
    assert {"BAD_USER_INPUT", "QUERY_TOO_COMPLEX", "INTERNAL"} <= set(codes)
    assert "X-Consistency-Reached" in graphql["responses"]["200"]["headers"]
    assert "Retry-After" in doc["paths"]["/ready"]["get"]["responses"]["503"]["headers"]
    schemas = doc["components"]["schemas"]
    channel = next(s for name, s in schemas.items() if name.endswith("Channel"))
    assert "hotline_12366" in channel["enum"]


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


def test_patterns_are_portable_and_every_component_is_used(doc: dict[str, Any]) -> None:
    import re

    patterns = list(_patterns(doc))
    assert patterns, "the text rules are described"
    for pattern in patterns:
        re.compile(pattern)
        assert "++" not in pattern and "*+" not in pattern, f"a possessive quantifier is no ECMA-262 regex: {pattern}"
    text = json.dumps(doc["paths"]) + json.dumps(doc["components"])
    for name in doc["components"]["schemas"]:
        assert f'"#/components/schemas/{name}"' in text, f"unused component {name}"
