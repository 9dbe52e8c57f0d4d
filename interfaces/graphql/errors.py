"""GraphQL errors carry a stable code in `extensions.code` (the README lists them); a client's
mistake is never INTERNAL. Only INTERNAL errors are logged, and masked in production.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLEnumType, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension

from application.errors import DisputeNotFound, DomainError, Forbidden, InvalidCommand, RateLimited, StoreUnavailable

log = logging.getLogger("fengqiao.graphql")

CODES = (
    "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT", "UNAUTHENTICATED", "FORBIDDEN",
    "NOT_FOUND", "CONFLICT", "RATE_LIMITED", "UNAVAILABLE", "QUERY_TOO_COMPLEX", "INTERNAL",
)

_CODES: list[tuple[type[BaseException], str]] = [
    (DisputeNotFound, "NOT_FOUND"),
    (Forbidden, "FORBIDDEN"),
    (InvalidCommand, "BAD_USER_INPUT"),
    (StoreUnavailable, "UNAVAILABLE"),
    (RateLimited, "RATE_LIMITED"),
    (DomainError, "CONFLICT"),  # refused in the case's status, a concurrent change, an idempotency key in use
    (ValueError, "BAD_USER_INPUT"),  # a resolver's refusal of an argument (a bad cursor, a negative `first`)
]

# What graphql-core and strawberry's limiters say, before anything runs.
_TOO_COMPLEX = ("exceeds maximum operation depth", "aliases found. allowed", "tokens. parsing aborted")


def code_of(error: GraphQLError) -> str | None:
    """The error's code; None when it is unexpected (INTERNAL)."""
    given = (error.extensions or {}).get("code")
    if given in CODES and given != "INTERNAL":
        return str(given)
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    if original is not None and not isinstance(original, GraphQLError):
        for kind, code in _CODES:
            if isinstance(original, kind):
                return code
        return "BAD_USER_INPUT" if _is_variable(error) else None
    return _before_execution(error)


def _before_execution(error: GraphQLError) -> str | None:
    message = error.message.lower()
    if any(text in message for text in _TOO_COMPLEX):
        return "QUERY_TOO_COMPLEX"
    if message.startswith("syntax error"):
        return "GRAPHQL_PARSE_FAILED"
    if _is_variable(error):
        return "BAD_USER_INPUT"  # a variable's value does not fit its type (coerced before execution)
    if error.path is not None:
        return None  # raised while executing, by nothing of ours: a fault
    return "GRAPHQL_VALIDATION_FAILED"


def _is_variable(error: GraphQLError) -> bool:
    return error.path is None and error.message.startswith("Variable '$")


def is_expected(error: GraphQLError) -> bool:
    return code_of(error) is not None


MASKED_MESSAGE = "internal error; it has been logged"
SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class ExpectedErrors(SchemaExtension):
    """Gives every error a code; in production also hides the message of unexpected ones.

    (For a schema built with strawberry's own extensions; the fast schema's Operation extension
    does the same, with four others' work, in interfaces/graphql/fast/operation.py.)"""

    def __init__(self, *, mask: bool = False) -> None:
        super().__init__()
        self.mask = mask

    def on_operation(self) -> Iterator[None]:
        yield
        mark_errors(self.execution_context, mask=self.mask)


def mark_errors(execution_context: Any, *, mask: bool) -> None:
    """Every error of the operation gets its code in `extensions`; unexpected ones are logged,
    and in production (`mask`) their message is hidden. A document that did not parse has no
    result yet (strawberry answers it from the context's errors): its errors are marked in place."""
    result = execution_context.result
    schema = getattr(execution_context.schema, "_schema", None)
    if result is None or not result.errors:
        for error in execution_context.pre_execution_errors or []:
            _code(error, schema)
        return
    shown: list[GraphQLError] = []
    for error in result.errors:
        code = _code(error, schema)
        if code == "INTERNAL" and mask:
            replacement = GraphQLError(MASKED_MESSAGE, nodes=error.nodes, path=error.path)
            replacement.extensions = {"code": code}
        elif isinstance(error.original_error, InvalidCommand) and error.message != str(error.original_error):
            # graphql-core takes the bare `message`; the answer names the field, as REST's does.
            replacement = GraphQLError(str(error.original_error), nodes=error.nodes, path=error.path,
                                       original_error=error.original_error, extensions=error.extensions)
        elif mask and SUGGESTION.search(error.message):
            # Production names no fields the caller did not ask for: no schema by guessing.
            replacement = GraphQLError(SUGGESTION.sub("", error.message), nodes=error.nodes, path=error.path,
                                       original_error=error.original_error, extensions=error.extensions)
        else:
            replacement = error
        extensions: dict[str, Any] = dict(replacement.extensions or {})
        extensions.setdefault("code", code)
        original = error.original_error
        if isinstance(original, InvalidCommand):
            extensions.setdefault("field", original.field)
        if isinstance(original, RateLimited):
            extensions.setdefault("retryAfter", original.retry_after)
        replacement.extensions = extensions
        shown.append(replacement)
    result.errors = shown


_UNKNOWN_MEMBER = re.compile(r"Value '[^']*' does not exist in '(\w+)' enum\.")


def _code(error: GraphQLError, schema: GraphQLSchema | None) -> str:
    code = code_of(error)
    if code is None:
        log.error("unexpected GraphQL error", exc_info=error.original_error)
        code = "INTERNAL"
    if code == "BAD_USER_INPUT" and schema is not None:
        _list_allowed_values(error, schema)
    extensions: dict[str, Any] = dict(error.extensions or {})
    extensions["code"] = code
    error.extensions = extensions
    return code


def _list_allowed_values(error: GraphQLError, schema: GraphQLSchema) -> None:
    """graphql-core names a wrong enum value but not the right ones: say them."""
    found = _UNKNOWN_MEMBER.search(error.message)
    enum = schema.get_type(found.group(1)) if found else None
    if isinstance(enum, GraphQLEnumType):
        error.message = f"{error.message.rstrip('.')}; allowed: {', '.join(enum.values)}."
