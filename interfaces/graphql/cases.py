"""Cases: one by its number, or a filtered page of them, newest intake first."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated

import strawberry

from application.bounds import query_instant
from interfaces.graphql import threads
from interfaces.graphql.context import Info, case_view
from interfaces.graphql.dispute import Dispute, DisputeStatus, Level, dispute_of
from interfaces.graphql.enums import Category, Channel, RiskLevel
from projections import queries as q


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class DisputeEdge:
    node: Dispute
    cursor: str


@strawberry.type
class DisputeConnection:
    edges: list[DisputeEdge]
    page_info: PageInfo
    total_count: int


@strawberry.input
class DisputeFilter:
    status: DisputeStatus | None = None
    level: Level | None = None
    unit: str | None = None
    category: Category | None = None
    channel: Channel | None = None
    township: str | None = None
    received_from: dt.datetime | None = None
    received_to: dt.datetime | None = None
    overdue: bool | None = None
    external_ref: str | None = None
    risk_level: RiskLevel | None = strawberry.field(default=None, description="Cases whose risk flag is at this level")
    payer_id_number: str | None = strawberry.field(default=None, description="Exact match; matches only cases whose personal data the caller sees whole; logged and rate-limited")
    payer_name: str | None = strawberry.field(default=None, description="Exact match; matches only cases whose personal data the caller sees whole; logged and rate-limited")
    changed_since: dt.datetime | None = strawberry.field(
        default=None, description="Cases with an event recorded at or after this instant"
    )


@strawberry.enum
class DisputeOrder(Enum):
    RECEIVED_DESC = "RECEIVED_DESC"
    LAST_ACT_DESC = "LAST_ACT_DESC"


async def resolve_dispute(info: Info, case_number: str) -> Dispute | None:
    view = await case_view(info, case_number)
    return None if view is None else dispute_of(view, info.context.now)


def page_size(first: int | None, default: int, maximum: int) -> int:
    """The page size asked for, refused (BAD_USER_INPUT) rather than cut when over the maximum."""
    size = default if first is None else first
    if size < 0:
        raise ValueError("first: must not be negative")
    if size > maximum:
        raise ValueError(f"first: at most {maximum} (asked for {size}); page with `after`")
    return size


async def resolve_disputes(
    info: Info,
    filter: DisputeFilter | None = None,  # noqa: A002
    first: Annotated[int | None, strawberry.argument(description=f"At most {q.MAX_PAGE}; more is BAD_USER_INPUT")] = 50,
    after: str | None = None,
    order_by: DisputeOrder | None = None,
) -> DisputeConnection:
    ctx = info.context
    f = filter or DisputeFilter()
    first = page_size(first, 50, q.MAX_PAGE)
    criteria = q.CaseFilter(
        status=f.status.value if f.status else None,
        level=f.level.value if f.level else None,
        unit=f.unit,
        category=f.category.value if f.category else None,
        channel=f.channel.value if f.channel else None,
        township=f.township,
        received_from=query_instant(f.received_from, "receivedFrom"),
        received_to=query_instant(f.received_to, "receivedTo"),
        overdue=f.overdue,
        external_ref=f.external_ref,
        risk_level=f.risk_level.value if f.risk_level else None,
        changed_since=query_instant(f.changed_since, "changedSince"),
    )
    page: q.Page = await threads.run_sync(
        ctx.reads.search, ctx.actor, criteria, id_number=f.payer_id_number, name=f.payer_name,
        first=first, after=after, now=ctx.now, order=None if order_by is None else order_by.value,
    )
    return DisputeConnection(
        edges=[DisputeEdge(node=dispute_of(v, ctx.now), cursor=c) for v, c in zip(page.views, page.cursors, strict=True)],
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
        ),
        total_count=page.total,
    )


@strawberry.type
class CasesQuery:
    dispute: Dispute | None = strawberry.field(
        resolver=resolve_dispute, description="One case; null when unknown or out of the caller's reach"
    )
    disputes: DisputeConnection = strawberry.field(resolver=resolve_disputes)
