"""Every GraphQL error carries one of the documented codes; a client's mistake is never INTERNAL,
is not masked in production and is not logged as an error."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pytest
from litestar.testing import TestClient

from interfaces.graphql.errors import CODES
from tests.graphql.support import Api

CASE = "GP-2026-000001"
DEEP = "{ dispute(caseNumber: \"X\") { " + "payer { kind } " + "}" + " }"


def _codes(answer: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in answer.get("errors") or []]


CLIENT_MISTAKES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GRAPHQL_PARSE_FAILED", "{ disputes { totalCount ", None),
    ("GRAPHQL_VALIDATION_FAILED", "{ nope }", None),
    ("GRAPHQL_VALIDATION_FAILED", "{ dispute(caseNumber: 1) { id } }", None),
    ("BAD_USER_INPUT", "query($n: String!) { dispute(caseNumber: $n) { id } }", {}),  # a missing variable
    ("BAD_USER_INPUT", "query($s: DisputeStatus) { disputes(filter: {status: $s}) { totalCount } }", {"s": "OPEN"}),
    ("BAD_USER_INPUT", "query($t: DateTime) { timeline(caseNumber: \"GP-2026-000001\", asOf: $t) { events { type } } }",
     {"t": "yesterday"}),
    ("BAD_USER_INPUT", "{ disputes(after: \"not-a-cursor\") { totalCount } }", None),
    ("BAD_USER_INPUT", "{ disputes(first: -1) { totalCount } }", None),
    ("QUERY_TOO_COMPLEX", "{ " + " ".join(f"a{i}: __typename" for i in range(25)) + " }", None),
    ("QUERY_TOO_COMPLEX", "{ " + "__typename " * 4100 + "}", None),
    ("FORBIDDEN", "{ accessLog { id } }", None),
]


@pytest.mark.parametrize(("code", "query", "variables"), CLIENT_MISTAKES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(CLIENT_MISTAKES)])
def test_a_client_mistake_has_its_code_and_is_not_logged(api: Api, code: str, query: str, variables: Any,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        r = api.client.post("/graphql", json={"query": query, **({"variables": variables} if variables is not None else {})},
                            headers=api.headers(api.clerk("tax")))
    assert r.headers["content-type"].startswith("application/json")
    codes = _codes(r.json())
    assert codes and set(codes) == {code}, r.json()
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR], "a client mistake is not an error of ours"


def test_the_query_depth_limit_is_query_too_complex(api: Api) -> None:
    inner = "caseNumber"
    for i in range(12):
        inner = f"f{i} {{ {inner} }}"
    too_deep = "{ timeline(caseNumber: \"X\") { state { deadlines { kind } } events { " + inner + " } } }"

    answer = api.gql(too_deep, token=api.clerk("tax"))

    assert _codes(answer)[0] == "QUERY_TOO_COMPLEX", answer
    assert "maximum operation depth of 10" in answer["errors"][0]["message"]


def test_not_found_conflict_and_unauthenticated(api: Api) -> None:
    missing = api.gql("{ verifyCase(caseNumber: \"GP-2026-000404\") { valid } }", token=api.taskforce())
    unauthenticated = api.gql("{ disputes { totalCount } }", token=None, status=401)
    bad_token = api.gql("{ disputes { totalCount } }", token="not-a-token", status=401)

    assert _codes(missing) == ["NOT_FOUND"], missing
    assert _codes(unauthenticated) == ["UNAUTHENTICATED"]
    assert _codes(bad_token) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("body", [b"{not json", b"\xf6\x98\n;\xa0\xe8\xcf\xf2`\xd3 "], ids=["not JSON", "not UTF-8"])
def test_a_malformed_body_answers_json_with_a_code(api: Api, body: bytes) -> None:
    r = api.client.post("/graphql", content=body, headers={**api.headers(api.clerk("tax")), "Content-Type": "application/json"})

    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/json")
    assert _codes(r.json()) == ["BAD_USER_INPUT"]


def test_the_store_down_is_unavailable(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from application.errors import StoreUnavailable

    def down(*args: Any, **kwargs: Any) -> Any:
        raise StoreUnavailable("the read store is unavailable: test")

    monkeypatch.setattr(api.runtime.reads, "query", down)
    answer = api.gql("{ disputes { totalCount } }", token=api.taskforce())

    assert _codes(answer) == ["UNAVAILABLE"], answer


def test_in_production_client_mistakes_keep_their_message(settings: Any, clock: Any) -> None:
    from interfaces.runtime import build_runtime

    rt = build_runtime(dataclasses.replace(settings, mode="production"), clock=clock)
    try:
        with TestClient(rt.http) as client:
            prod = Api(rt, client, clock)
            answer = prod.gql("query($s: DisputeStatus) { disputes(filter: {status: $s}) { totalCount } }",
                              {"s": "OPEN"}, token=prod.clerk("tax"))
            missing = prod.gql("query($n: String!) { dispute(caseNumber: $n) { id } }", {}, token=prod.clerk("tax"))
    finally:
        rt.close()
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "OPEN" in error["message"]
    assert "ACCEPTED" in error["message"], "the allowed values are listed"
    assert _codes(missing) == ["BAD_USER_INPUT"] and "$n" in missing["errors"][0]["message"]


def test_the_codes_are_the_documented_ones() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for code in CODES:
        assert f"`{code}`" in readme, code
