"""Bounds on what a request body may be, checked before anything parses it.

A JSON document nested thousands of levels deep makes a recursive parser fail deep in its own
stack; such a body is answered 400 before it reaches one.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from interfaces.http.problems import problem

MAX_JSON_DEPTH = 32
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")
_QUOTE, _BACKSLASH = ord('"'), ord("\\")


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True if the JSON text nests arrays/objects more than `limit` levels (strings skipped)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # cannot be deeper than its brackets: the usual case costs two C-level scans
    depth, in_string, escaped = 0, False, False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif byte in _CLOSE:
            depth -= 1
    return False


async def refuse_deep_bodies(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """A before-request hook: JSON bodies nested deeper than MAX_JSON_DEPTH are a 400."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    body = await request.body()  # cached on the request: the handler parses the same bytes
    if not json_depth_exceeds(body):
        return None
    detail = f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels"
    if request.url.path == "/graphql":
        from interfaces.http.errors import graphql_problem

        return graphql_problem("invalid_input", detail, field="body")
    return problem("invalid_input", detail, field="body")
