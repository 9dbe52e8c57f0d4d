"""REST commands under /api/v1, one route per entry of the command registry
(application/registry.py): parse, call the application off the event loop, answer.

The commands share one shape (a case reference, a body, an optional Idempotency-Key), so their
handlers are made from the registry instead of being written out one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import anyio.to_thread
import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody

from application import commands as cmd
from application import registry
from application.disputes import Fengqiao
from application.read_gates import ReadGate
from application.reads import ReadSide
from domain.values import Actor
from interfaces.http import openapi

CASE_PATH = "/api/v1/disputes/{id:str}"


async def _call(function: Callable[..., Any], *args: Any) -> Any:
    # The eventsourcing application is synchronous: keep it off the event loop.
    return await anyio.to_thread.run_sync(partial(function, *args))


def _answer(result: cmd.CommandResult, status_code: int) -> Response[cmd.CommandResult]:
    headers: dict[str, str] = {}
    if isinstance(result, cmd.ReplayedResult):
        headers["Idempotent-Replayed"] = "true"
    if status_code == 201:
        headers["Location"] = f"/api/v1/disputes/{result.case_number}"
    return Response(content=result, status_code=status_code, headers=headers)


async def _run(spec: registry.CommandSpec, request: Request[Actor, Any, Any], ref: str | None, data: cmd.Command,
               fengqiao: Fengqiao) -> cmd.CommandResult:
    key = registry.idempotency_key(spec, ref, data, request.headers.get("idempotency-key"))
    result: cmd.CommandResult = await _call(registry.run, fengqiao, spec, ref, data, request.user, key)
    return result


def _body(struct: Any) -> Any:
    """The handler's `data` annotation: the command's Struct as a JSON body (made per command)."""
    body: Any = JSONBody
    return body[struct]


def _register(spec: registry.CommandSpec) -> HTTPRouteHandler:
    async def handler(request: Request[Actor, Any, Any], data: Any, fengqiao: NamedDependency[Fengqiao]) -> Response[cmd.CommandResult]:
        return _answer(await _run(spec, request, None, data, fengqiao), 201)

    handler.__annotations__ = {**handler.__annotations__, "data": _body(spec.input)}
    handler.__name__ = spec.operation
    return post("/api/v1/disputes", status_code=201, **openapi.command_operation(spec))(handler)


def _case_command(spec: registry.CommandSpec) -> HTTPRouteHandler:
    struct = spec.input

    async def with_body(request: Request[Actor, Any, Any], id: FromPath[str], data: Any, fengqiao: NamedDependency[Fengqiao]) -> Response[cmd.CommandResult]:  # noqa: A002
        return _answer(await _run(spec, request, id, data, fengqiao), 200)

    async def body_optional(request: Request[Actor, Any, Any], id: FromPath[str], fengqiao: NamedDependency[Fengqiao], data: Any = None) -> Response[cmd.CommandResult]:  # noqa: A002
        return _answer(await _run(spec, request, id, struct() if data is None else data, fengqiao), 200)

    # A command whose fields are all optional (sign-for, archive) accepts an empty body.
    handler = body_optional if spec.optional_body else with_body
    handler.__annotations__ = {**handler.__annotations__, "data": _body(struct | None if spec.optional_body else struct)}
    handler.__name__ = spec.operation
    return post(f"{CASE_PATH}/{spec.path}", status_code=200, **openapi.command_operation(spec))(handler)


COMMAND_HANDLERS = [_register(s) if not s.on_case else _case_command(s) for s in registry.COMMANDS]


@get(CASE_PATH, operation_id="getDispute", summary="A case's number, status and version (what a command answers)",
     description="`{id}` is the case's UUID or its case number. The registration's `Location`. "
     "Everything else about a case is read over GraphQL.",
     tags=["commands"], responses=openapi.errors(401, 404, 503))
async def get_dispute(
    request: Request[Actor, Any, Any], id: FromPath[str], fengqiao: NamedDependency[Fengqiao], reads: NamedDependency[ReadSide]  # noqa: A002
) -> cmd.CommandResult:
    from application.command_path import result_of

    # The read policy admits the read; the case comes from the event store, not the read models,
    # so the registration's `Location` answers at once (read-your-writes) under the same reach rule.
    reads.admit(request.user, ReadGate.CASE)
    dispute = await _call(fengqiao.get_dispute, id, request.user)
    return result_of(dispute, None)


class UnitBody(msgspec.Struct):
    code: str
    name: str


@post("/api/v1/units", operation_id="addUnit", summary="Add a member unit (the task force, item 三(一))",
      tags=["reference"], status_code=201, responses=openapi.errors(400, 401, 403, 409, 503))
async def add_unit(request: Request[Actor, Any, Any], data: JSONBody[cmd.AddUnit], fengqiao: NamedDependency[Fengqiao]) -> UnitBody:
    result = await anyio.to_thread.run_sync(partial(fengqiao.add_unit, data, request.user))
    return UnitBody(**result)


@get("/api/v1/units", operation_id="listUnits", summary="Member units", tags=["reference"],
     responses=openapi.errors(401, 503))
async def list_units(fengqiao: NamedDependency[Fengqiao]) -> list[UnitBody]:
    units = await anyio.to_thread.run_sync(fengqiao.units)
    return [UnitBody(code=c, name=n) for c, n in sorted(units.items())]
