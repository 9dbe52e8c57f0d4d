"""Every failure becomes a JSON answer here, in one place; no traceback reaches a caller."""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException

from application.errors import (
    CommandRejected,
    ConcurrencyConflict,
    DisputeNotFound,
    Forbidden,
    IdempotencyInProgress,
    IdempotencyMismatch,
    InvalidCommand,
    StoreUnavailable,
)
from interfaces.auth import TokenError

log = logging.getLogger("fengqiao.http")


class ErrorBody(msgspec.Struct, omit_defaults=True):
    error: str
    message: str
    field: str | None = None
    status: str | None = None


def _json(code: int, body: ErrorBody, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(content=msgspec.to_builtins(body), status_code=code, headers=headers, media_type="application/json")


_NAMED = re.compile(r"(?:missing required field|unknown field) `([^`]+)`")
_AT = re.compile(r"at `\$((?:\.[A-Za-z0-9_]+|\[\d+\])*)`")


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
    if field not in message:
        message = f"{field}: {message}"
    return _json(400, ErrorBody(error="invalid_input", message=message, field=field))


def _domain(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, InvalidCommand):
        return _json(400, ErrorBody(error="invalid_input", message=str(exc), field=exc.field))
    if isinstance(exc, DisputeNotFound):
        return _json(404, ErrorBody(error="not_found", message=str(exc)))
    if isinstance(exc, Forbidden):
        return _json(403, ErrorBody(error="forbidden", message=str(exc)))
    if isinstance(exc, CommandRejected):
        return _json(409, ErrorBody(error="rejected", message=str(exc), status=exc.status.upper()))
    if isinstance(exc, ConcurrencyConflict):
        return _json(409, ErrorBody(error="conflict", message=str(exc), status=exc.status.upper()))
    if isinstance(exc, IdempotencyInProgress):
        return _json(409, ErrorBody(error="in_progress", message=str(exc)), {"Retry-After": "1"})
    if isinstance(exc, IdempotencyMismatch):
        return _json(422, ErrorBody(error="idempotency_key_reused", message=str(exc)))
    if isinstance(exc, StoreUnavailable):
        log.warning("store unavailable: %s", exc)
        return _json(503, ErrorBody(error="unavailable", message="the store is unavailable; retry"), {"Retry-After": "2"})
    if isinstance(exc, TokenError):
        return _json(401, ErrorBody(error="unauthorized", message=str(exc)), {"WWW-Authenticate": "Bearer"})
    return _internal(request, exc)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, NotAuthorizedException):
        return _json(401, ErrorBody(error="unauthorized", message=exc.detail), {"WWW-Authenticate": "Bearer"})
    code = exc.status_code
    if code == 400:
        return _json(400, ErrorBody(error="invalid_input", message=f"body: {exc.detail}", field="body"))
    names = {400: "invalid_input", 404: "not_found", 405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}
    return _json(code, ErrorBody(error=names.get(code, "error"), message=exc.detail), getattr(exc, "headers", None))


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # The detail goes to the log, never to the caller.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _json(500, ErrorBody(error="internal", message="internal error; it has been logged"))


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ValidationException: _validation,
    InvalidCommand: _domain,
    DisputeNotFound: _domain,
    Forbidden: _domain,
    CommandRejected: _domain,
    ConcurrencyConflict: _domain,
    IdempotencyInProgress: _domain,
    IdempotencyMismatch: _domain,
    StoreUnavailable: _domain,
    TokenError: _domain,
    HTTPException: _http,
    Exception: _internal,
}
