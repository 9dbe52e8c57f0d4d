"""Audit: a case's hash chain recomputed, the log of whole views of personal data, and how far
each read model has got."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

import strawberry

from application.audit.verification import verify_case
from application.bounds import query_instant
from application.errors import DisputeNotFound
from application.reads import AccessEntry
from interfaces.graphql import threads
from interfaces.graphql.context import Context, Info, case_view
from interfaces.graphql.instants import parse_ts
from projections.case_view import CaseView


@strawberry.type
class Verification:
    case_number: str
    valid: bool
    events: int
    head_hash: str
    first_invalid_sequence: int | None
    problems: list[str]


@strawberry.type
class AccessLogEntry:
    id: int
    at: dt.datetime
    subject: str
    role: str
    unit: str | None
    case_number: str
    fields: list[str]
    reason: str


@strawberry.type
class ProjectionState:
    name: str
    position: int
    lag: int


async def resolve_verify_case(info: Info, case_number: str) -> Verification:
    view = await case_view(info, case_number)
    if view is None:
        raise DisputeNotFound(case_number)
    return await threads.run_sync(_verify, info.context, view)  # the case came through the read side's reach


def _verify(ctx: Context, view: CaseView) -> Verification:
    result = verify_case(ctx.fengqiao, ctx.reads.store, ctx.checkpoints, UUID(view.id))
    return Verification(
        case_number=view.case_number,
        valid=result.valid,
        events=result.events,
        head_hash=result.head_hash,
        first_invalid_sequence=result.first_invalid_sequence,
        problems=result.problems,
    )


async def resolve_access_log(
    info: Info,
    from_: Annotated[dt.datetime | None, strawberry.argument(name="from")] = None,
    to: dt.datetime | None = None,
    case_number: str | None = None,
) -> list[AccessLogEntry]:
    ctx = info.context
    entries: list[AccessEntry] = await threads.run_sync(
        ctx.reads.access_log, ctx.actor, start=query_instant(from_, "from"), end=query_instant(to, "to"),
        case_number=case_number,
    )
    return [
        AccessLogEntry(
            id=e.id,
            at=parse_ts(e.at),
            subject=e.subject,
            role=e.role,
            unit=e.unit,
            case_number=e.case_number,
            fields=e.fields,
            reason=e.reason,
        )
        for e in entries
    ]


async def resolve_projections(info: Info) -> list[ProjectionState]:
    status: dict[str, Any] = await threads.run_sync(info.context.reads.projections, info.context.actor)
    return [ProjectionState(name=n, position=s["position"], lag=s["lag"]) for n, s in sorted(status["projections"].items())]


@strawberry.type
class AuditQuery:
    verify_case: Verification = strawberry.field(
        resolver=resolve_verify_case, description="Recompute the case's hash chain from the event store"
    )
    access_log: list[AccessLogEntry] = strawberry.field(
        resolver=resolve_access_log, description="Whole views of personal data: who, when, which case, which fields, why"
    )
    projections: list[ProjectionState] = strawberry.field(
        resolver=resolve_projections, description="Each read model's position and lag behind the event store"
    )
