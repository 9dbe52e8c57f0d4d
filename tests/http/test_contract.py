"""What integrators trip over at the HTTP level: problem details, empty bodies, deep bodies,
probes answering HEAD, CORS by allow-list, and /metrics counting what callers really got."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import TestClient

from interfaces.http.limits import MAX_JSON_DEPTH, json_depth_exceeds
from interfaces.http.problems import PROBLEMS, type_uri
from interfaces.runtime import build_runtime
from tests.application._support import register_body


def _register(client: TestClient[Any], auth: Any) -> dict[str, Any]:
    body = register_body(received_at=datetime(2026, 11, 26, 1, 0, tzinfo=UTC).isoformat())
    answer = client.post("/api/v1/disputes", json=body, headers=auth("clerk", "tax"))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_an_error_is_problem_details_with_the_members_integrators_read(client, auth):
    answer = client.post("/api/v1/disputes", json={**register_body(), "colour": "red"}, headers=auth("clerk", "tax"))
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["type"] == "urn:fengqiao:problem:invalid-input"
    assert (body["status"], body["error"], body["field"], body["title"]) == (400, "invalid_input", "colour", "Invalid input")
    assert "colour" in body["detail"] and body["message"] == body["detail"]


def test_a_refusal_names_the_cases_status_in_case_status(client, auth):
    case = _register(client, auth)
    answer = client.post(f"/api/v1/disputes/{case['case_number']}/archive", headers=auth("clerk", "tax"))
    assert answer.status_code == 409
    body = answer.json()
    assert (body["status"], body["error"], body["case_status"]) == (409, "rejected", "ACCEPTED")


def test_every_problem_code_has_its_own_stable_type() -> None:
    uris = {type_uri(code) for code in PROBLEMS}
    assert len(uris) == len(PROBLEMS)
    assert all(u.startswith("urn:fengqiao:problem:") for u in uris)


def test_a_command_without_fields_accepts_an_empty_body(client, auth):
    case = _register(client, auth)
    transferred = client.post(
        f"/api/v1/disputes/{case['case_number']}/transfer", json={"to_unit": "tax"}, headers=auth("clerk", "tax")
    )
    assert transferred.status_code == 200, transferred.text
    signed = client.post(f"/api/v1/disputes/{case['case_number']}/sign-for", headers=auth("handler", "tax"))
    assert signed.status_code == 200, signed.text
    assert signed.json()["version"] == 3


def test_a_body_nested_deeper_than_the_limit_is_400_not_a_crash(client, auth):
    deep = b"[" * 100_000
    rest = client.post("/api/v1/disputes", content=deep, headers={**auth("clerk", "tax"), "content-type": "application/json"})
    assert rest.status_code == 400 and rest.json()["field"] == "body"
    graphql = client.post("/graphql", content=deep, headers={**auth("auditor"), "content-type": "application/json"})
    assert graphql.status_code == 400
    assert graphql.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("text", "deeper"),
    [
        (b"[" * (MAX_JSON_DEPTH + 1), True),
        (b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, False),
        (b'{"a": "' + b"[" * 100 + b'"}', False),  # brackets inside a string do not nest
        (b'{"a": "\\"' + b"[" * 100 + b'"}', False),  # nor after an escaped quote
        (b"[{}]" * 100, False),  # many brackets, never deep
    ],
)
def test_the_depth_scan(text: bytes, deeper: bool) -> None:
    assert json_depth_exceeds(text) is deeper


def test_probes_answer_head(client):
    assert client.head("/health").status_code == 200
    ready = client.head("/ready")
    assert ready.status_code in (200, 503)
    assert ready.content == b""


def test_metrics_count_a_401_as_a_401_not_a_500(client):
    assert client.post("/api/v1/disputes", json={}).status_code == 401
    text = client.get("/metrics").text
    assert 'fengqiao_requests_total{code="401",operation="registerDispute"} 1.0' in text
    assert 'code="500"' not in text
    assert "fengqiao_errors_total{" not in text  # no false 5xx alert
    assert "process_cpu_seconds_total" in text or "python_info" in text  # process metrics are there


@pytest.fixture
def guarded(settings: Any, clock: Any) -> Iterator[TestClient[Any]]:
    configured = dataclasses.replace(
        settings, metrics_token="scrape-token-0123456789", cors_origins=("https://hotline.example",)
    )
    rt = build_runtime(configured, clock=clock)
    try:
        with TestClient(rt.http) as c:
            yield c
    finally:
        rt.close()


def test_metrics_can_require_a_token(guarded):
    assert guarded.get("/metrics").status_code == 401
    assert guarded.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/metrics", headers={"Authorization": "Bearer scrape-token-0123456789"}).status_code == 200


def test_cors_preflight_for_a_listed_origin_and_none_for_others(guarded):
    preflight = guarded.options(
        "/api/v1/disputes",
        headers={
            "Origin": "https://hotline.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://hotline.example"
    assert "idempotency-key" in preflight.headers["access-control-allow-headers"].lower()
    simple = guarded.get("/health", headers={"Origin": "https://hotline.example"})
    assert simple.headers["access-control-allow-origin"] == "https://hotline.example"
    other = guarded.get("/health", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers


def test_without_an_allow_list_no_origin_is_allowed(client):
    answer = client.get("/health", headers={"Origin": "https://hotline.example"})
    assert "access-control-allow-origin" not in answer.headers


def test_graphql_without_a_token_is_a_graphql_error_coded_unauthenticated(client):
    answer = client.post("/graphql", json={"query": "{ projections { name } }"})
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/json")
    assert [e["extensions"]["code"] for e in answer.json()["errors"]] == ["UNAUTHENTICATED"]


CONTROL_CHARACTERS = ["a\x00b", "bell\x07", "\x1b[31mred", "del\x7f", "lone\rreturn"]


@pytest.mark.parametrize("where", ["summary", "payer.name", "payer.phone", "external_ref", "other_party"])
def test_control_characters_in_any_text_field_are_400_naming_it(client, auth, runtime, where):
    head = runtime.fengqiao.recorder.max_notification_id()
    for bad in CONTROL_CHARACTERS:
        body = register_body()
        if where.startswith("payer."):
            body["payer"] = {**body["payer"], where.split(".")[1]: bad}
        else:
            body[where] = bad
        answer = client.post("/api/v1/disputes", json=body, headers=auth("clerk", "tax"))
        assert answer.status_code == 400, (bad, answer.text)
        problem = answer.json()
        assert problem["field"] == where and "control characters" in problem["detail"], problem
    assert runtime.fengqiao.recorder.max_notification_id() == head


def test_tab_newline_and_crlf_are_text(client, auth):
    body = register_body(summary="第一行\r\n第二行\n\t缩进")
    assert client.post("/api/v1/disputes", json=body, headers=auth("clerk", "tax")).status_code == 201


def test_a_registration_has_location_and_a_replay_says_so(client, auth):
    body = register_body(received_at=datetime(2026, 11, 26, 1, 0, tzinfo=UTC).isoformat())
    headers = {**auth("clerk", "tax"), "Idempotency-Key": "WO-77"}
    first = client.post("/api/v1/disputes", json=body, headers=headers)
    # The same request: its keys in another order and a default written out.
    again = client.post("/api/v1/disputes", json={"people_involved": 1, **dict(reversed(list(body.items())))}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.headers["Location"] == f"/api/v1/disputes/{first.json()['case_number']}"
    assert "idempotent-replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    located = client.get(first.headers["Location"], headers=auth("clerk", "tax"))
    assert located.status_code == 200
    assert {k: located.json()[k] for k in ("id", "case_number", "status", "version")} == {
        "id": first.json()["id"], "case_number": first.json()["case_number"], "status": "ACCEPTED", "version": 1}
    assert client.get(first.headers["Location"], headers=auth("clerk", "hrss")).status_code == 404


def test_an_unknown_enum_value_lists_the_allowed_ones(client, auth):
    body = {**register_body(), "payer": {**register_body()["payer"], "kind": "company"}}
    answer = client.post("/api/v1/disputes", json=body, headers=auth("clerk", "tax"))
    channel = client.post("/api/v1/disputes", json={**register_body(), "channel": "carrier_pigeon"}, headers=auth("clerk", "tax"))

    assert (answer.status_code, answer.json()["field"]) == (400, "payer.kind")
    assert "allowed: individual, employer" in answer.json()["detail"]
    assert channel.json()["field"] == "channel" and "hotline_12366" in channel.json()["detail"]
