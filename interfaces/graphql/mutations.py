"""Mutations: thin wrappers over the same use cases as REST, with expected failures as typed results.

Each takes the REST body as `input` (JSON, snake_case fields as in the contract), so both surfaces
share one validation.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import anyio.to_thread
import msgspec
import strawberry
from strawberry.scalars import JSON

from application import commands as cmd
from application.disputes import IdempotencyKey
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
from interfaces.graphql.context import Info


@strawberry.type
class CommandSuccess:
    id: str
    case_number: str
    status: str
    version: int
    position: int | None


@strawberry.type
class InvalidInput:
    field: str
    message: str


@strawberry.type
class NotAllowed:
    status: str
    message: str


@strawberry.type
class NotFound:
    message: str


@strawberry.type
class Denied:
    message: str


@strawberry.type
class Conflict:
    message: str


@strawberry.type
class Unavailable:
    message: str


CommandOutcome = Annotated[
    CommandSuccess | InvalidInput | NotAllowed | NotFound | Denied | Conflict | Unavailable,
    strawberry.union("CommandOutcome"),
]


def _field(message: str) -> str:
    from interfaces.http.errors import field_of

    return field_of(message) or "input"


async def _execute(info: Info, method: str, struct: type[cmd.Command] | type[cmd.RegisterDispute], ref: str | None,
                   data: Any, key: str | None) -> CommandOutcome:
    ctx = info.context
    try:
        command = msgspec.convert(data, struct, strict=False)
    except msgspec.ValidationError as e:
        return InvalidInput(field=_field(str(e)), message=str(e))
    raw = msgspec.json.encode(data, order="sorted")
    idem = None
    if key is not None:
        import hashlib

        digest = hashlib.sha256(b"\0".join([method.encode(), (ref or "").upper().encode(), raw])).hexdigest()
        idem = IdempotencyKey(key=key, request_hash=digest)
    fn = getattr(ctx.fengqiao, method)
    args = (command, ctx.actor, idem) if ref is None else (ref, command, ctx.actor, idem)
    try:
        result = await anyio.to_thread.run_sync(partial(fn, *args))
    except InvalidCommand as e:
        return InvalidInput(field=e.field, message=str(e))
    except CommandRejected as e:
        return NotAllowed(status=e.status.upper(), message=str(e))
    except DisputeNotFound as e:
        return NotFound(message=str(e))
    except Forbidden as e:
        return Denied(message=str(e))
    except (ConcurrencyConflict, IdempotencyInProgress, IdempotencyMismatch) as e:
        return Conflict(message=str(e))
    except StoreUnavailable:
        return Unavailable(message="the store is unavailable; retry")
    return CommandSuccess(id=result.id, case_number=result.case_number, status=result.status,
                          version=result.version, position=result.position)


def _case_mutation(method: str, struct: type[cmd.Command], description: str) -> Any:
    async def resolver(info: Info, id: str, input: JSON, idempotency_key: str | None = None) -> CommandOutcome:  # noqa: A002
        return await _execute(info, method, struct, id, input, idempotency_key)

    return strawberry.mutation(resolver=resolver, description=description)


async def _register(info: Info, input: JSON, idempotency_key: str | None = None) -> CommandOutcome:  # noqa: A002
    return await _execute(info, "register", cmd.RegisterDispute, None, input, idempotency_key)


@strawberry.type
class Mutation:
    resolve_on_spot: CommandOutcome = _case_mutation("resolve_on_spot", cmd.ResolveOnSpot, "Settle on the spot")
    transfer_dispute: CommandOutcome = _case_mutation("transfer", cmd.Transfer, "Transfer to the handling unit")
    sign_for_transfer: CommandOutcome = _case_mutation("sign_for", cmd.SignFor, "Acknowledge a transfer")
    return_dispute: CommandOutcome = _case_mutation("return_case", cmd.Return, "Give the case back")
    record_progress: CommandOutcome = _case_mutation("record_progress", cmd.RecordProgress, "Record progress")
    conclude_dispute: CommandOutcome = _case_mutation("conclude", cmd.Conclude, "Conclude handling")
    escalate_dispute: CommandOutcome = _case_mutation("escalate", cmd.Escalate, "Escalate to the task force")
    record_deliberation: CommandOutcome = _case_mutation("hold_deliberation", cmd.HoldDeliberation, "Record a deliberation")
    give_feedback: CommandOutcome = _case_mutation("give_feedback", cmd.GiveFeedback, "Give feedback to a party")
    raise_objection: CommandOutcome = _case_mutation("raise_objection", cmd.RaiseObjection, "Record an objection")
    confirm_no_objection: CommandOutcome = _case_mutation(
        "confirm_no_objection", cmd.NoObjection, "Record that a told party has no objection (无异议确认)"
    )
    give_remedy_guidance: CommandOutcome = _case_mutation("give_remedy_guidance", cmd.GiveRemedyGuidance, "Record remedy guidance")
    archive_dispute: CommandOutcome = _case_mutation("archive", cmd.Archive, "Archive the case file")
    flag_risk: CommandOutcome = _case_mutation("flag_risk", cmd.FlagRisk, "Flag a conflict risk")
    issue_supervision_notice: CommandOutcome = _case_mutation("issue_supervision_notice", cmd.IssueSupervisionNotice, "Issue a supervision notice")
    record_satisfaction: CommandOutcome = _case_mutation("record_satisfaction", cmd.RecordSatisfaction, "Record satisfaction")
    register_dispute: CommandOutcome = strawberry.mutation(
        resolver=_register, description="Register a dispute; input is the REST body of POST /api/v1/disputes"
    )
