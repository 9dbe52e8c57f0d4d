"""Expected GraphQL failures carry a code in `extensions`; anything else is masked in production."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from application.errors import DisputeNotFound, DomainError, Forbidden, InvalidCommand, RateLimited, StoreUnavailable

log = logging.getLogger("fengqiao.graphql")

_CODES: list[tuple[type[BaseException], str]] = [
    (DisputeNotFound, "NOT_FOUND"),
    (Forbidden, "FORBIDDEN"),
    (InvalidCommand, "BAD_USER_INPUT"),
    (StoreUnavailable, "UNAVAILABLE"),
    (RateLimited, "RATE_LIMITED"),
    (DomainError, "REJECTED"),
    (ValueError, "BAD_USER_INPUT"),
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
        mark_errors(self.execution_context.result, mask=self.mask)


def mark_errors(result: Any, *, mask: bool) -> None:
    """Every error of the result gets its code in `extensions`; unexpected ones are logged, and
    in production (`mask`) their message is hidden."""
    if result is None or not result.errors:
        return
    shown: list[GraphQLError] = []
    for error in result.errors:
        code = code_of(error)
        if code is None:
            log.error("unexpected GraphQL error", exc_info=error.original_error)
            code = "INTERNAL"
        if code == "INTERNAL" and mask:
            replacement = GraphQLError(MASKED_MESSAGE, nodes=error.nodes, path=error.path)
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
