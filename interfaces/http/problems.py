"""REST errors as RFC 9457 problem details (`application/problem+json`).

Each error code has one stable `type` URI, a title and an HTTP status; the README lists them.
Beside the RFC's members an answer carries what 1.0 clients already read: `error` (the code),
`message` (the detail again), `field` (the input that is wrong) and `case_status` (the case's
status on a 409).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:fengqiao:problem:"


class Problem(msgspec.Struct, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    error: str
    message: str
    field: str | None = None
    case_status: str | None = None


# code -> (HTTP status, title). Codes are part of the contract: never rename one.
PROBLEMS: dict[str, tuple[int, str]] = {
    "invalid_input": (400, "Invalid input"),
    "unauthorized": (401, "Authentication required"),
    "forbidden": (403, "Not allowed for this role or unit"),
    "not_found": (404, "No such resource"),
    "method_not_allowed": (405, "Method not allowed"),
    "rejected": (409, "Not allowed in the case's current status"),
    "conflict": (409, "A concurrent change won"),
    "in_progress": (409, "The first request with this Idempotency-Key is still running"),
    "too_large": (413, "Request body too large"),
    "unsupported_media_type": (415, "Unsupported media type"),
    "idempotency_key_reused": (422, "Idempotency-Key reused with a different request"),
    "rate_limited": (429, "Too many requests"),
    "internal": (500, "Internal error"),
    "unavailable": (503, "Service unavailable"),
}


def type_uri(code: str) -> str:
    return TYPE_BASE + code.replace("_", "-")


def problem(
    code: str,
    detail: str,
    *,
    field: str | None = None,
    case_status: str | None = None,
    headers: dict[str, str] | None = None,
    status: int | None = None,
) -> Response[Any]:
    http_status, title = PROBLEMS.get(code, (status or 500, "Error"))
    body = Problem(
        type=type_uri(code),
        title=title,
        status=status or http_status,
        detail=detail,
        error=code,
        message=detail,
        field=field,
        case_status=case_status,
    )
    return Response(
        content=msgspec.json.encode(body), status_code=body.status, headers=headers, media_type=MEDIA_TYPE
    )


def code_for_status(status: int) -> str:
    for code, (http_status, _) in PROBLEMS.items():
        if http_status == status:
            return code
    return "internal" if status >= 500 else "invalid_input"
