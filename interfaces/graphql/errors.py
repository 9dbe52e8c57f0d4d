"""Expected GraphQL failures carry a code in `extensions`; anything else is masked in production."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from application.errors import DisputeNotFound, DomainError, Forbidden, InvalidCommand, StoreUnavailable

_CODES: list[tuple[type[BaseException], str]] = [
    (DisputeNotFound, "NOT_FOUND"),
    (Forbidden, "FORBIDDEN"),
    (InvalidCommand, "BAD_INPUT"),
    (StoreUnavailable, "UNAVAILABLE"),
    (DomainError, "REJECTED"),
    (ValueError, "BAD_INPUT"),
]


def code_of(error: GraphQLError) -> str | None:
    original = error.original_error
    if original is None:
        return "GRAPHQL_VALIDATION_FAILED"
    for kind, code in _CODES:
        if isinstance(original, kind):
            return code
    return None


def is_expected(error: GraphQLError) -> bool:
    return code_of(error) is not None


class ExpectedErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        for error in result.errors:
            code = code_of(error) or "INTERNAL"
            extensions: dict[str, Any] = dict(error.extensions or {})
            extensions.setdefault("code", code)
            error.extensions = extensions
