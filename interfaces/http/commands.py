"""REST commands under /api/v1: parse, call the application off the event loop, answer.

The lifecycle commands share one shape (a case reference, a body, an optional Idempotency-Key),
so their handlers are made from one table instead of being written out one by one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from typing import Any

import anyio.to_thread
import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from application import commands as cmd
from application.disputes import Fengqiao, IdempotencyKey
from application.errors import InvalidCommand
from domain.values import Actor
from interfaces.http.errors import ErrorBody

MAX_KEY_LENGTH = 200

_ERRORS = {
    400: ResponseSpec(ErrorBody, description="Malformed or invalid input; `field` names it. Nothing is recorded."),
    401: ResponseSpec(ErrorBody, description="No token, or a bad or expired token."),
    403: ResponseSpec(ErrorBody, description="The token's role or unit may not do this."),
    404: ResponseSpec(ErrorBody, description="No such case, or one outside the caller's reach."),
    409: ResponseSpec(
        ErrorBody,
        description="Not allowed in the case's current status (`status` names it), a concurrent change won, "
        "or the first request with this Idempotency-Key is still running.",
    ),
    422: ResponseSpec(ErrorBody, description="The Idempotency-Key was used before with a different body."),
    503: ResponseSpec(ErrorBody, description="The store is unavailable; retry after Retry-After seconds."),
}


def _idempotency(request: Request[Any, Any, Any], operation: str, ref: str, body: bytes) -> IdempotencyKey | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidCommand("Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} characters")
    try:
        canonical = msgspec.json.encode(msgspec.json.decode(body or b"{}"), order="sorted")
    except msgspec.DecodeError:
        canonical = body
    digest = hashlib.sha256(b"\0".join([operation.encode(), ref.strip().upper().encode(), canonical]))
    return IdempotencyKey(key=key, request_hash=digest.hexdigest())


async def _call(function: Callable[..., cmd.CommandResult], *args: Any) -> cmd.CommandResult:
    # The eventsourcing application is synchronous: keep it off the event loop.
    return await anyio.to_thread.run_sync(partial(function, *args))


def _answer(result: cmd.CommandResult, status_code: int) -> Response[cmd.CommandResult]:
    return Response(content=result, status_code=status_code)


@post(
    "/api/v1/disputes",
    operation_id="registerDispute",
    summary="Register a dispute (受理): the intake ledger entry",
    tags=["commands"],
    status_code=201,
    responses=_ERRORS,
)
async def register_dispute(
    request: Request[Actor, Any, Any], data: JSONBody[cmd.RegisterDispute], fengqiao: NamedDependency[Fengqiao]
) -> Response[cmd.CommandResult]:
    idem = _idempotency(request, "register", "", await request.body())
    result = await _call(fengqiao.register, data, request.user, idem)
    return _answer(result, 201)


def _command(path: str, operation: str, struct: type[cmd.Command], method: str, summary: str) -> HTTPRouteHandler:
    async def run(request: Request[Actor, Any, Any], ref: str, data: Any, fengqiao: Fengqiao) -> Response[cmd.CommandResult]:
        idem = _idempotency(request, operation, ref, await request.body())
        result = await _call(getattr(fengqiao, method), ref, data, request.user, idem)
        return _answer(result, 200)

    async def with_body(request: Request[Actor, Any, Any], id: FromPath[str], data: Any, fengqiao: NamedDependency[Fengqiao]) -> Response[cmd.CommandResult]:  # noqa: A002
        return await run(request, id, data, fengqiao)

    async def body_optional(request: Request[Actor, Any, Any], id: FromPath[str], fengqiao: NamedDependency[Fengqiao], data: Any = None) -> Response[cmd.CommandResult]:  # noqa: A002
        return await run(request, id, struct() if data is None else data, fengqiao)

    # A command whose fields are all optional (sign-for, archive) accepts an empty body.
    optional = all(not f.required for f in msgspec.structs.fields(struct))
    handler = body_optional if optional else with_body
    # The body's type is only known here, so the annotation Litestar reads is built at runtime.
    body: Any = JSONBody
    handler.__annotations__ = {**handler.__annotations__, "data": body[struct | None] if optional else body[struct]}
    handler.__name__ = operation
    return post(
        f"/api/v1/disputes/{{id:str}}/{path}",
        operation_id=operation,
        summary=summary,
        description="`{id}` is the case's UUID or its case number (GP-YYYY-NNNNNN).",
        tags=["commands"],
        status_code=200,
        responses=_ERRORS,
    )(handler)


COMMANDS: list[tuple[str, str, type[cmd.Command], str, str]] = [
    ("resolve-on-spot", "resolveOnSpot", cmd.ResolveOnSpot, "resolve_on_spot", "Settle a simple case on the spot (简易事项)"),
    ("transfer", "transferDispute", cmd.Transfer, "transfer", "Transfer to the handling unit (转交), within 1 working day"),
    ("sign-for", "signForTransfer", cmd.SignFor, "sign_for", "The handling unit acknowledges a transferred case"),
    ("return", "returnDispute", cmd.Return, "return_case", "Give the case back as not this unit's responsibility"),
    ("progress", "recordProgress", cmd.RecordProgress, "record_progress", "Record handling progress"),
    ("conclude", "concludeDispute", cmd.Conclude, "conclude", "Conclude handling (办结)"),
    ("escalate", "escalateDispute", cmd.Escalate, "escalate", "Escalate to the task force (提请工作专班研判)"),
    ("deliberation", "recordDeliberation", cmd.HoldDeliberation, "hold_deliberation", "Record the task force's collective deliberation (集体商议)"),
    ("feedback", "giveFeedback", cmd.GiveFeedback, "give_feedback", "Give feedback to a party (反馈)"),
    ("objection", "raiseObjection", cmd.RaiseObjection, "raise_objection", "Record a party's objection (异议)"),
    ("no-objection", "confirmNoObjection", cmd.NoObjection, "confirm_no_objection", "Record that a told party has no objection to the result (无异议确认)"),
    ("remedy-guidance", "giveRemedyGuidance", cmd.GiveRemedyGuidance, "give_remedy_guidance", "Record guidance towards reconsideration or litigation (业务指导)"),
    ("archive", "archiveDispute", cmd.Archive, "archive", "Archive the case file (案卷归档)"),
    ("risk-flag", "flagRisk", cmd.FlagRisk, "flag_risk", "Flag a conflict risk; a high flag notifies the police unit"),
    ("supervision-notice", "issueSupervisionNotice", cmd.IssueSupervisionNotice, "issue_supervision_notice", "Issue a supervision notice (督办) to a unit"),
    ("satisfaction", "recordSatisfaction", cmd.RecordSatisfaction, "record_satisfaction", "Record a follow-up call and the party's satisfaction (回访)"),
]

COMMAND_HANDLERS = [register_dispute, *(_command(*row) for row in COMMANDS)]


class UnitBody(msgspec.Struct):
    code: str
    name: str


@post("/api/v1/units", operation_id="addUnit", summary="Add a member unit (the task force, item 三(一))",
      tags=["reference"], status_code=201, responses=_ERRORS)
async def add_unit(request: Request[Actor, Any, Any], data: JSONBody[cmd.AddUnit], fengqiao: NamedDependency[Fengqiao]) -> UnitBody:
    result = await anyio.to_thread.run_sync(partial(fengqiao.add_unit, data, request.user))
    return UnitBody(**result)


@get("/api/v1/units", operation_id="listUnits", summary="Member units", tags=["reference"], responses=_ERRORS)
async def list_units(fengqiao: NamedDependency[Fengqiao]) -> list[UnitBody]:
    units = await anyio.to_thread.run_sync(fengqiao.units)
    return [UnitBody(code=c, name=n) for c, n in sorted(units.items())]
