"""Every failure becomes a problem-details answer here, in one place; no traceback reaches a caller."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException

from application import registry
from application.errors import (
    CommandRejected,
    ConcurrencyConflict,
    DisputeNotFound,
    Forbidden,
    IdempotencyInProgress,
    IdempotencyMismatch,
    InvalidCommand,
    RateLimited,
    StoreUnavailable,
)
from domain.subscription import SubscriptionNotFound
from interfaces.auth import TokenError
from interfaces.http.problems import PROBLEMS, Problem, code_for_status, problem

log = logging.getLogger("fengqiao.http")


ErrorBody = Problem  # the schema of every error answer, for the OpenAPI description


_NAMED = re.compile(r"(?:missing required field|unknown field) `([^`]+)`")
_AT = re.compile(r"at `\$((?:\.[A-Za-z0-9_]+|\[\d+\])*)`")


def readable(message: str) -> str:
    """msgspec names a failed pattern by its regex; say what the text rule is instead."""
    if "matching regex" not in message or "x00-" not in message:
        return message
    at = _AT.search(message)
    return "must not contain control characters (only tab and newline)" + (f" - {at.group(0)}" if at else "")


def field_of(message: str, key: str | None = None) -> str | None:
    """The dotted field path named by a validation message and the key Litestar reports."""
    path = ""
    if (m := _AT.search(message)) is not None:
        path = m.group(1).lstrip(".")
    elif key and key != "data":
        path = key.removeprefix("data.")
    if (m := _NAMED.search(message)) is not None:
        path = f"{path}.{m.group(1)}" if path else m.group(1)
    return path or None


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    first = extra[0] if extra and isinstance(extra[0], dict) else {}
    message = str(first.get("message", exc.detail))
    key = first.get("key")
    field = field_of(message, key if isinstance(key, str) else None) or "body"
    message = readable(message) + _allowed(request, field, message)
    if field not in message:
        message = f"{field}: {message}"
    if _is_graphql(request):
        return graphql_problem("invalid_input", message, field=field)
    return problem("invalid_input", message, field=field)


def _allowed(request: Request[Any, Any, Any], field: str, message: str) -> str:
    """An unknown enum value: say which values the field takes."""
    if "Invalid enum value" not in message:
        return ""
    spec = registry.BY_OPERATION.get(getattr(request.scope.get("route_handler"), "operation_id", None) or "")
    values = None if spec is None else registry.allowed_values(spec.input, field)
    return "" if not values else f"; allowed: {', '.join(values)}"


def _domain(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, InvalidCommand):
        answer = graphql_problem if _is_graphql(request) else problem
        return answer("invalid_input", str(exc), field=exc.field)
    if isinstance(exc, RateLimited):
        answer = graphql_problem if _is_graphql(request) else problem
        return answer("rate_limited", str(exc), headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, DisputeNotFound | SubscriptionNotFound):
        return problem("not_found", str(exc))
    if isinstance(exc, Forbidden):
        return problem("forbidden", str(exc))
    if isinstance(exc, CommandRejected):
        return problem("rejected", str(exc), case_status=exc.status.upper())
    if isinstance(exc, ConcurrencyConflict):
        return problem("conflict", str(exc), case_status=exc.status.upper(), headers={"Retry-After": "1"})
    if isinstance(exc, IdempotencyInProgress):
        return problem("in_progress", str(exc), headers={"Retry-After": "1"})
    if isinstance(exc, IdempotencyMismatch):
        return problem("idempotency_key_reused", str(exc))
    if isinstance(exc, StoreUnavailable):
        log.warning("store unavailable: %s", exc)
        return problem("unavailable", "the store is unavailable; retry", headers={"Retry-After": "2"})
    if isinstance(exc, TokenError):
        return problem("unauthorized", str(exc), headers={"WWW-Authenticate": "Bearer"})
    return _internal(request, exc)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    answer = graphql_problem if _is_graphql(request) else problem
    if isinstance(exc, NotAuthorizedException):
        return answer("unauthorized", exc.detail, headers={"WWW-Authenticate": "Bearer"})
    status = exc.status_code
    if status == 400:
        return answer("invalid_input", f"body: {exc.detail}", field="body")
    headers = getattr(exc, "headers", None)
    return answer(code_for_status(status), exc.detail, headers=headers, status=status)


def _is_graphql(request: Request[Any, Any, Any]) -> bool:
    # A GraphQL client reads `errors[].extensions.code`, whatever failed before the schema ran.
    return request.url.path == "/graphql"


# REST error code -> GraphQL extensions.code (README, "GraphQL error codes")
GRAPHQL_CODES = {
    "invalid_input": "BAD_USER_INPUT",
    "unauthorized": "UNAUTHENTICATED",
    "forbidden": "FORBIDDEN",
    "not_found": "NOT_FOUND",
    "rate_limited": "RATE_LIMITED",
    "unavailable": "UNAVAILABLE",
    "too_large": "BAD_USER_INPUT",
    "unsupported_media_type": "BAD_USER_INPUT",
    "method_not_allowed": "BAD_USER_INPUT",
    "rejected": "CONFLICT",
    "conflict": "CONFLICT",
    "in_progress": "CONFLICT",
    "idempotency_key_reused": "CONFLICT",
    "internal": "INTERNAL",
}


def graphql_problem(
    code: str,
    detail: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    status: int | None = None,
) -> Response[Any]:
    extensions: dict[str, Any] = {"code": GRAPHQL_CODES.get(code, "INTERNAL")}
    if field is not None:
        extensions["field"] = field
    http_status = status or PROBLEMS.get(code, (500, ""))[0]
    return Response(
        {"errors": [{"message": detail, "extensions": extensions}]},
        status_code=http_status,
        headers=headers,
        media_type="application/json",
    )


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # The detail goes to the log, never to the caller.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem("internal", "internal error; it has been logged")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ValidationException: _validation,
    InvalidCommand: _domain,
    DisputeNotFound: _domain,
    SubscriptionNotFound: _domain,
    Forbidden: _domain,
    CommandRejected: _domain,
    ConcurrencyConflict: _domain,
    IdempotencyInProgress: _domain,
    IdempotencyMismatch: _domain,
    StoreUnavailable: _domain,
    RateLimited: _domain,
    TokenError: _domain,
    HTTPException: _http,
    Exception: _internal,
}
