"""/graphql over Litestar: per-request context (caller, loaders, read-your-writes)."""

from __future__ import annotations

import json
from functools import partial
from typing import Any, ClassVar
from urllib.parse import unquote

import anyio.to_thread
import msgspec
from litestar import Request, Response, post
from litestar.background_tasks import BackgroundTasks
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.status_codes import HTTP_200_OK
from strawberry.dataloader import DataLoader
from strawberry.litestar import make_graphql_controller
from strawberry.litestar.controller import GraphQLResource

from application.audit.checkpoints import CheckpointStore
from application.disputes import Fengqiao
from application.reads import ReadSide
from interfaces.graphql import threads
from interfaces.graphql.schema import build_schema
from projections import queries as q

CONSISTENCY_HEADER = "x-consistency-position"
CONSISTENCY_WAIT = 5.0


async def _wait_for_position(request: Request[Any, Any, Any], reads: ReadSide) -> None:
    raw = request.headers.get(CONSISTENCY_HEADER)
    if raw is None:
        return
    try:
        position = int(raw)
    except ValueError:
        raise ValidationException(f"{CONSISTENCY_HEADER}: expected a notification id (an integer)") from None
    if position > 0:
        await anyio.to_thread.run_sync(partial(reads.runner.wait_for, position, CONSISTENCY_WAIT))


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


def request_context(
    fengqiao: Fengqiao, reads: ReadSide, checkpoints: CheckpointStore, actor: Any, reason: str | None
) -> dict[str, Any]:
    """What every resolver sees for one request (the API's and the console's alike)."""
    reach = reads.reach(actor)

    async def load_cases(numbers: list[str]) -> list[Any]:
        found = await threads.run_sync(reads.query, q.find_cases, numbers, reach)
        return [found.get(n) for n in numbers]

    return {
        "actor": actor,
        "fengqiao": fengqiao,
        "reads": reads,
        "checkpoints": checkpoints,
        "now": fengqiao.clock(),
        # A fresh loader per request: never shared, so nobody sees another caller's cache.
        "case_loader": DataLoader(load_fn=load_cases),
        "access_reason": reason,
    }


def graphql_controller(fengqiao: Fengqiao, reads: ReadSide, checkpoints: CheckpointStore, *, production: bool) -> type:
    schema = build_schema(production=production)

    async def context_getter(request: Request[Any, Any, Any]) -> dict[str, Any]:
        await _wait_for_position(request, reads)
        reason = access_reason(request.headers.get("x-access-reason"))
        return request_context(fengqiao, reads, checkpoints, request.user, reason)

    base = make_graphql_controller(
        schema,
        path="/graphql",
        context_getter=context_getter,
        graphql_ide=None if production else "graphiql",
        allow_queries_via_get=not production,
        multipart_uploads_enabled=False,
    )

    class GraphQLController(base):  # type: ignore[valid-type,misc]
        # strawberry provides the sub-response with sync_to_thread=True: a worker-thread round
        # trip per request to build an empty Response. Built in the event loop instead.
        dependencies: ClassVar[dict[str, Any]] = {
            **base.dependencies,
            "response": Provide(_sub_response, sync_to_thread=False),
        }

        # strawberry's POST handler (the same route, status and OpenAPI entry), with its
        # dependencies (the sub-response, the context, the root value) made here in turn:
        # Litestar resolves sibling dependencies in an anyio task group, three tasks a request
        # for three trivial values.
        @post(status_code=HTTP_200_OK)
        async def handle_http_post(self, request: Request[Any, Any, Any]) -> Response[GraphQLResource | str]:
            response = _sub_response()
            self.temporal_response = response
            custom = await context_getter(request)
            context = {"request": request, "response": response, **custom}
            return await self.execute_request(request=request, context=context, root_value=None)  # type: ignore[no-any-return]

        def encode_json(self, data: object) -> bytes | str:
            return encode_json(data)

    return GraphQLController


def _sub_response() -> Response[Any]:
    return Response({}, background=BackgroundTasks([]))


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
