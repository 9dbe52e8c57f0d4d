"""Limits: depth, aliases and tokens are refused before any resolver runs; batches are refused;
no token, no answer. The observable effect used to prove that nothing ran: a legal reader's whole
view of a payer is written to the access log."""

from __future__ import annotations

import time

import jwt
import pytest
from graphql.language import Lexer, Source, TokenKind

from tests.graphql.support import Api

CASE = "GP-2026-000001"
READ = f'dispute(caseNumber: "{CASE}") {{ payer {{ idNumber }} }}'


@pytest.fixture
def case(api: Api) -> Api:
    api.register()
    api.sync()
    return api


def refused(api: Api, query: str, fragment: str) -> None:
    answer = api.gql(query, token=api.legal())
    assert answer.get("data") is None, answer
    messages = api.errors(answer)
    assert any(fragment in m for m in messages), messages
    assert api.access_log() == [], "no resolver ran"


def tokens(query: str) -> int:
    lexer = Lexer(Source(query))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def padded(total: int) -> str:
    """The logged read, padded with `... on Query { __typename }` (6 tokens each) and `__typename`s
    to exactly `total` tokens."""
    base = tokens(f"{{ {READ} }}")
    fragments, rest = divmod(total - base, 6)
    query = f"{{ {READ} {' '.join(['... on Query { __typename }'] * fragments)} {' '.join(['__typename'] * rest)} }}"
    assert tokens(query) == total
    return query


def test_at_the_limits_the_reads_run_and_are_logged(case: Api):
    aliases = " ".join(f"a{i}: {READ}" for i in range(20))
    answer = case.gql(f"{{ {aliases} }}", token=case.legal())
    assert not answer.get("errors"), case.errors(answer)
    assert len(answer["data"]) == 20
    assert len(case.access_log()) == 20

    answer = case.gql(padded(4000), token=case.legal())
    assert not answer.get("errors"), case.errors(answer)
    assert len(case.access_log()) == 21


def test_more_than_twenty_aliases_are_refused(case: Api):
    aliases = " ".join(f"a{i}: {READ}" for i in range(21))

    refused(case, f"{{ {aliases} }}", "aliases")


def test_a_query_deeper_than_ten_is_refused(case: Api):
    # The schema has no cycle, so a query can only get this deep by naming fields it lacks; the
    # depth limit still reports itself (next to the unknown fields).
    deep = "x { " * 9 + "y" + " }" * 9
    refused(case, f"{{ {READ} deep: dispute(caseNumber: \"{CASE}\") {{ deadlines {{ {deep} }} }} }}",
            "exceeds maximum operation depth of 10")


def test_more_than_4000_tokens_are_refused(case: Api):
    refused(case, padded(4001), "4000 tokens")


def test_a_batched_request_is_refused(case: Api):
    r = case.client.post("/graphql", json=[{"query": f"{{ {READ} }}"}, {"query": f"{{ {READ} }}"}],
                         headers=case.headers(case.legal()))

    assert r.status_code == 400
    assert "data" not in r.text
    assert case.access_log() == []


def test_no_token_or_a_bad_one_is_401(case: Api):
    query = {"query": f"{{ {READ} }}"}
    expired = jwt.encode({"iss": "fengqiao", "sub": "legal-1", "role": "legal", "iat": int(time.time()) - 7200,
                          "exp": int(time.time()) - 3600}, case.runtime.settings.secret, algorithm="HS256")
    forged = jwt.encode({"iss": "fengqiao", "sub": "legal-1", "role": "legal", "iat": int(time.time()),
                         "exp": int(time.time()) + 3600}, b"another-secret-of-at-least-32-bytes", algorithm="HS256")

    for headers in ({}, {"Authorization": "Basic bGVnYWw6bGVnYWw="}, {"Authorization": "Bearer "},
                    {"Authorization": "Bearer not-a-jwt"}, {"Authorization": f"Bearer {expired}"},
                    {"Authorization": f"Bearer {forged}"}):
        r = case.client.post("/graphql", json=query, headers=headers)
        assert r.status_code == 401, (headers, r.text)
        assert "data" not in r.json()
    assert case.client.get("/graphql").status_code == 401
    assert case.access_log() == []
