"""Work queues: a unit's cases of one kind, ordered by the earliest open deadline, a page at a
time (a connection, as `disputes` is): nothing is left out without saying so."""

from __future__ import annotations

import base64
from enum import Enum
from typing import Annotated

import strawberry

from interfaces.graphql import threads
from interfaces.graphql.cases import DisputeConnection, DisputeEdge, PageInfo, page_size
from interfaces.graphql.context import Info
from interfaces.graphql.dispute import dispute_of
from projections.case_view import CaseView

QUEUE_DEFAULT_PAGE = 100
QUEUE_MAX_PAGE = 500  # the most cases one page of a queue answers


def queue_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"queue|{offset}".encode()).decode()


def parse_queue_cursor(cursor: str) -> int:
    try:
        tag, offset = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        if tag == "queue" and offset.isdigit():
            return int(offset)
    except (ValueError, UnicodeDecodeError):
        pass
    raise ValueError("after: not a queue cursor returned by this API")


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


async def resolve_queue(
    info: Info,
    unit: str,
    kind: QueueKind,
    first: Annotated[int | None, strawberry.argument(
        description=f"At most {QUEUE_MAX_PAGE}; more is BAD_USER_INPUT")] = QUEUE_DEFAULT_PAGE,
    after: str | None = None,
) -> DisputeConnection:
    ctx = info.context
    size = page_size(first, QUEUE_DEFAULT_PAGE, QUEUE_MAX_PAGE)
    offset = 0 if after is None else parse_queue_cursor(after) + 1
    views: list[CaseView]
    views, total = await threads.run_sync(ctx.reads.queue, ctx.actor, unit, kind.value, ctx.now,
                                          first=size, offset=offset)
    cursors = [queue_cursor(offset + i) for i in range(len(views))]
    return DisputeConnection(
        edges=[DisputeEdge(node=dispute_of(v, ctx.now), cursor=c) for v, c in zip(views, cursors, strict=True)],
        page_info=PageInfo(
            has_next_page=offset + len(views) < total,
            has_previous_page=offset > 0,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        total_count=total,
    )


@strawberry.type
class QueuesQuery:
    queue: DisputeConnection = strawberry.field(
        resolver=resolve_queue,
        description=f"A unit's work, ordered by the earliest open deadline, {QUEUE_DEFAULT_PAGE} cases a page by "
        f"default and at most {QUEUE_MAX_PAGE}",
    )
