"""/graphql over Litestar: per-request context (caller, loaders, read-your-writes)."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import unquote

import anyio.to_thread
from litestar import Request
from litestar.exceptions import ValidationException
from strawberry.dataloader import DataLoader
from strawberry.litestar import make_graphql_controller

from application.disputes import Fengqiao
from infrastructure.checkpoints import CheckpointStore
from infrastructure.readside import ReadSide
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
        found = await anyio.to_thread.run_sync(partial(reads.query, q.find_cases, numbers, reach))
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

    return make_graphql_controller(
        schema,
        path="/graphql",
        context_getter=context_getter,
        graphql_ide=None if production else "graphiql",
        allow_queries_via_get=not production,
        multipart_uploads_enabled=False,
    )
