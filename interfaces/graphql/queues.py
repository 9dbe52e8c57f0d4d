"""Work queues: a unit's cases of one kind, ordered by the earliest open deadline."""

from __future__ import annotations

from enum import Enum

import strawberry

from interfaces.graphql import threads
from interfaces.graphql.context import Info
from interfaces.graphql.dispute import Dispute, dispute_of
from projections import queries as q
from projections.case_view import CaseView


@strawberry.enum
class QueueKind(Enum):
    TO_TRANSFER = "TO_TRANSFER"
    IN_HANDLING = "IN_HANDLING"
    TO_DELIBERATE = "TO_DELIBERATE"
    TO_FEEDBACK = "TO_FEEDBACK"
    OBJECTED = "OBJECTED"
    OVERDUE = "OVERDUE"
    TO_DESIGNATE = "TO_DESIGNATE"
    RISK = "RISK"


async def resolve_queue(info: Info, unit: str, kind: QueueKind) -> list[Dispute]:
    ctx = info.context
    reach = ctx.reads.queue_reach(ctx.actor, kind.value)
    views: list[CaseView] = await threads.run_sync(ctx.reads.query, q.queue, unit, kind.value, reach, ctx.now)
    return [dispute_of(v, ctx.now) for v in views]


@strawberry.type
class QueuesQuery:
    queue: list[Dispute] = strawberry.field(
        resolver=resolve_queue, description="A unit's work, ordered by the earliest open deadline"
    )
