"""/graphql over Litestar: per-request context (caller, loaders, read-your-writes).

strawberry's Litestar controller with GET and POST handlers of our own. strawberry's take their
context, root value and sub-response as Litestar dependencies whose parameters Litestar infers
(deprecated for Litestar 3), resolved as three sibling tasks a request; ours take only the
request and make the three themselves (strawberry's dependencies stay declared, unused). The
routes, their status codes and what strawberry does with a request (GET queries, GraphiQL,
batches refused) are strawberry's. No subscriptions are served, so there is no websocket route.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import anyio.to_thread
import msgspec
from cross_web import HTTPException as StrawberryHTTPException
from litestar import MediaType, Request, Response, get, post
from litestar.background_tasks import BackgroundTasks
from litestar.exceptions import NotFoundException, ValidationException
from litestar.handlers import BaseRouteHandler, WebsocketRouteHandler
from litestar.status_codes import HTTP_200_OK
from strawberry.litestar.controller import GraphQLController as StrawberryController
from strawberry.litestar.controller import GraphQLResource

from application.audit.checkpoints import CheckpointStore
from application.disputes import Fengqiao
from application.reads import ReadSide
from interfaces.graphql.context import request_context
from interfaces.graphql.schema import FAST, build_schema

CONSISTENCY_HEADER = "x-consistency-position"
CONSISTENCY_WAIT = 5.0
CONSISTENCY_STATE = "fengqiao_consistency"
# GraphiQL from the bundled assets (interfaces/http/static), with a field for a bearer token:
# strawberry's own page loads everything from a CDN and cannot send a token.
IDE_PAGE = (Path(__file__).parent / "graphiql.html").read_text(encoding="utf-8")
IDE_HEADERS = {
    # GraphiQL sets inline styles (resizable panes) and reads fonts and icons from data: URLs.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

__all__ = ["access_reason", "encode_json", "graphql_controller", "request_context"]


async def _wait_for_position(request: Request[Any, Any, Any], reads: ReadSide) -> None:
    """The read side waits (beyond the store's head: 400; too many waits of this caller: 429);
    whether the position was reached is kept for the answer's header and extensions."""
    raw = request.headers.get(CONSISTENCY_HEADER)
    if raw is None:
        return None
    try:
        position = int(raw)
    except ValueError:
        raise ValidationException(f"{CONSISTENCY_HEADER}: expected a notification id (an integer)") from None
    if await reads.wait_for_position(request.user, position, CONSISTENCY_WAIT):
        request.state[CONSISTENCY_STATE] = {"requested": position, "reached": position, "ok": True}
        return None
    # Timed out: say how far the read models got (the slowest one), so the caller can judge.
    positions = await anyio.to_thread.run_sync(reads.runner.positions)
    reached = min(positions.values(), default=0)
    request.state[CONSISTENCY_STATE] = {"requested": position, "reached": reached, "ok": False}
    return None


def access_reason(raw: str | None) -> str | None:
    """The why of a personal-data view: UTF-8 (percent-encoded or raw) in a header."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        text = text.encode("latin-1").decode("utf-8")  # raw UTF-8 bytes arrive decoded as latin-1
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return unquote(text)[:500]


def graphql_controller(
    fengqiao: Fengqiao, reads: ReadSide, checkpoints: CheckpointStore, *, production: bool, executor: str = FAST
) -> type[StrawberryController]:
    schema_ = build_schema(production=production, executor=executor)

    class GraphQLController(StrawberryController):
        path = "/graphql"
        schema = schema_
        graphql_ide = None if production else "graphiql"
        allow_queries_via_get = not production
        multipart_uploads_enabled = False

        @get(raises=[ValidationException, NotFoundException])
        async def handle_http_get(self, request: Request[Any, Any, Any]) -> Response[GraphQLResource | str]:
            if request.scope.get("user") is None:  # the IDE's page, let through without a token
                return await _ide_page(self, request)  # type: ignore[return-value]  # a str body either way
            return await self.answer(request)

        render_graphql_ide = _ide_page
        decode_json = _decode_json

        @post(status_code=HTTP_200_OK)
        async def handle_http_post(self, request: Request[Any, Any, Any]) -> Response[GraphQLResource | str]:
            return await self.answer(request)

        async def answer(self, request: Request[Any, Any, Any]) -> Response[GraphQLResource | str]:
            await _wait_for_position(request, reads)
            reason = access_reason(request.headers.get("x-access-reason"))
            context = request_context(fengqiao, reads, checkpoints, request.user, reason)
            response = await self.execute_request(request=request, context=context, root_value=None)
            response.headers.update(context.response_headers)
            return response

        async def execute_request(self, request: Request[Any, Any, Any], context: Any, root_value: Any) -> Response[GraphQLResource | str]:
            # strawberry answers what it refuses before the schema runs (a body that is not JSON, no
            # query, a batch) in plain text: a GraphQL client reads errors[].extensions.code instead.
            try:
                return await self.run(request, context=context, root_value=root_value)
            except StrawberryHTTPException as e:
                from interfaces.http.errors import graphql_problem
                from interfaces.http.problems import code_for_status

                return graphql_problem(code_for_status(e.status_code), e.reason, status=e.status_code)

        def get_route_handlers(self) -> list[BaseRouteHandler]:
            # No subscriptions are served: strawberry's websocket route is left out.
            return [h for h in super().get_route_handlers() if not isinstance(h, WebsocketRouteHandler)]

        async def get_sub_response(self, request: Request[Any, Any, Any]) -> Response[Any]:
            # A fresh one per request (strawberry keeps it on the controller, shared by requests).
            response: Response[Any] = Response({}, background=BackgroundTasks([]))
            consistency = request.state.get(CONSISTENCY_STATE)
            if consistency is not None:
                response.headers["X-Consistency-Reached"] = "true" if consistency["ok"] else "false"
            return response

        async def process_result(self, request: Request[Any, Any, Any], result: Any) -> Any:
            data: dict[str, Any] = dict(await super().process_result(request, result))
            consistency = request.state.get(CONSISTENCY_STATE)
            if consistency is not None and not consistency["ok"]:
                # The answer may not include the caller's write: say so beside the header.
                reported = {"requested": consistency["requested"], "reached": consistency["reached"]}
                data["extensions"] = {**(data.get("extensions") or {}), "consistency": reported}
            return data

        def encode_json(self, data: object) -> bytes | str:
            return encode_json(data)

        def create_response(self, response_data: Any, sub_response: Response[bytes]) -> Response[bytes]:
            response = super().create_response(response_data, sub_response)
            retry = _retry_after(response_data)
            if retry is not None:  # a refused personal-data search: 429, as for any other flood
                response.status_code = 429
                response.headers["Retry-After"] = str(retry)
            return response

    return GraphQLController


def _decode_json(self: Any, data: str | bytes) -> object:
    """strawberry's decode_json, with bytes that are not UTF-8 (or UTF-16/32) refused like any
    other body that is not JSON (a 400, where json.loads' UnicodeDecodeError was a 500)."""
    try:
        return json.loads(data)
    except UnicodeDecodeError as e:
        raise json.JSONDecodeError(f"the body is not UTF-8 text ({e.reason})", "", 0) from None


async def _ide_page(self: Any, request: Request[Any, Any, Any]) -> Response[str]:
    """GraphiQL's page (strawberry's render_graphql_ide): ours, with its security headers."""
    return Response(IDE_PAGE, media_type=MediaType.HTML, headers=IDE_HEADERS)


def _retry_after(data: Any) -> int | None:
    errors = data.get("errors") if isinstance(data, dict) else None
    for error in errors or ():
        extensions = error.get("extensions") or {}
        if extensions.get("code") == "RATE_LIMITED":
            return int(extensions.get("retryAfter") or 1)
    return None


_encode = msgspec.json.Encoder().encode


def encode_json(data: object) -> bytes | str:
    """The response body: msgspec's encoder, ~10x faster than json.dumps on a large answer.

    The same JSON as strawberry's `json.dumps(data, separators=(",", ":"))`, parsed: non-ASCII
    text is written as UTF-8 rather than as \\u escapes, and a float exponent as 1e16 rather
    than 1e+16 (the values are the same). Anything msgspec refuses (a lone surrogate, a type it
    does not know) goes to json.dumps as before, which answers or fails as it always did. (A NaN
    would be null rather than json.dumps' invalid NaN, but no response can hold one: Float
    coercion rejects it and the JSON scalar only carries decoded JSON.)"""
    try:
        return _encode(data)
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError, UnicodeError):
        return json.dumps(data, separators=(",", ":"))
