"""The one `Operation` extension answers as the five extensions it replaced did.

The schema used to carry AddValidationRules (depth and alias limits), MaxTokensLimiter,
ParserCache, ValidationCache and ExpectedErrors (and AddValidationRules for introspection in
production). Both ways are built here and asked the same things, good and bad, twice each (the
second time from the caches); answers must be identical, errors and their codes included.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from graphql import get_introspection_query
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    ValidationCache,
)

from application.reads import ReadSide
from domain.values import Actor, Role
from interfaces.graphql import schema as s
from interfaces.graphql.context import Context
from interfaces.graphql.errors import ExpectedErrors


def _as_before(production: bool) -> Any:
    limits = [
        *QueryDepthLimiter(max_depth=s.MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=s.MAX_ALIASES).validation_rules,
    ]
    extensions: list[Any] = [
        lambda: AddValidationRules(limits),
        lambda: MaxTokensLimiter(max_token_count=s.MAX_TOKENS),
        lambda: s.CodedParserCache(maxsize=256),  # strawberry's, leaving a failed parse to strawberry
        lambda: ValidationCache(maxsize=256),
        lambda: ExpectedErrors(mask=production),
    ]
    if production:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return s.QuietSchema(query=s.Query, mutation=s.Mutation, extensions=extensions)


def _deep(depth: int) -> str:
    inner = "caseNumber"
    for i in range(depth):
        inner = f"f{i} {{ {inner} }}"
    return "{ timeline(caseNumber: \"X\") { state { deadlines { kind } } events { " + inner + " } } }"


QUERIES: list[tuple[str, dict[str, Any] | None, str | None]] = [
    ("{ __typename }", None, None),
    ("{ __schema { queryType { name } } }", None, None),
    ("{ __type(name: \"Dispute\") { name fields { name } } }", None, None),
    (get_introspection_query(descriptions=True), None, None),
    ("{ dispute(caseNumber: \"X\") { id } }", None, None),  # no loader in this context: an unexpected error
    ("{ supervision(from: \"2026-01-01\", to: \"2026-02-01\") { received } }", None, None),  # FORBIDDEN
    ("{ accessLog { id } }", None, None),  # FORBIDDEN
    ("{ disputes(first: -1) { totalCount } }", None, None),  # BAD_USER_INPUT
    ("{ nope }", None, None),
    ("{ dispute { id } }", None, None),
    ("{ dispute(caseNumber: 1) { id } }", None, None),
    ("query($n: String!) { dispute(caseNumber: $n) { id } }", {}, None),
    ("query A { __typename } query B { __typename }", None, None),
    ("query A { __typename } query B { __typename }", None, "B"),
    ("query A { __typename }", None, "C"),
    ("{ __typename ", None, None),
    ("{ " + " ".join(f"a{i}: __typename" for i in range(25)) + " }", None, None),
    ("{ " + "__typename " * 4100 + "}", None, None),
    (_deep(3), None, None),
    (_deep(12), None, None),
    ("mutation { __typename }", None, None),
    ("subscription { __typename }", None, None),
    ("", None, None),
]


def _answer(schema: Any, query: str, variables: dict[str, Any] | None, operation: str | None) -> str:
    # A read side with nothing behind it: its gates answer (FORBIDDEN) before any read is made.
    reads = ReadSide.__new__(ReadSide)
    context = Context(actor=Actor("clerk-tax", Role.CLERK, "tax"), fengqiao=None, reads=reads, checkpoints=None,  # type: ignore[arg-type]
                      now=None, case_loader=None, access_reason=None)
    try:
        result = asyncio.run(schema.execute(query, variable_values=variables, context_value=context, operation_name=operation))
    except Exception as e:  # noqa: BLE001 - the same exception either way is the same answer
        return f"raised {type(e).__name__}: {e}"
    errors = [e.formatted for e in result.errors or []]
    return json.dumps({"data": result.data, "errors": errors, "extensions": result.extensions}, ensure_ascii=False)


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
def test_the_operation_extension_answers_as_the_five_did(production: bool, caplog: pytest.LogCaptureFixture) -> None:
    before, now = _as_before(production), s.build_schema(production=production)
    with caplog.at_level(logging.CRITICAL, logger="fengqiao.graphql"):
        for query, variables, operation in QUERIES:
            for _ in range(2):
                expected = _answer(before, query, variables, operation)
                assert _answer(now, query, variables, operation) == expected, query[:200]


def test_the_cases_cover_what_the_extensions_do() -> None:
    schema = s.build_schema(production=True)
    answers = {q[:40]: _answer(schema, q, v, o) for q, v, o in QUERIES}
    text = "\n".join(answers.values())
    for expected in ("FORBIDDEN", "BAD_USER_INPUT", "INTERNAL", "GRAPHQL_VALIDATION_FAILED", "more than 4000 tokens",
                     "exceeds maximum operation depth", "aliases found", "introspection", "Syntax Error"):
        assert expected in text, expected
