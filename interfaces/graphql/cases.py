"""Cases: one by its number, or a filtered page of them, newest intake first."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from application.errors import Forbidden
from domain.values import Role
from interfaces.graphql import threads
from interfaces.graphql.context import Info, case_view
from interfaces.graphql.dispute import Dispute, DisputeStatus, Level, dispute_of
from interfaces.graphql.instants import utc
from projections import feeds
from projections import queries as q

PERSONAL_DATA_ROLES = frozenset({Role.LEGAL, Role.CLERK, Role.HANDLER})


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
    category: str | None = None
    channel: str | None = None
    township: str | None = None
    received_from: dt.datetime | None = None
    received_to: dt.datetime | None = None
    overdue: bool | None = None
    external_ref: str | None = None
    payer_id_number: str | None = strawberry.field(default=None, description="Exact match; roles that see personal data only")
    payer_name: str | None = strawberry.field(default=None, description="Exact match; roles that see personal data only")
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


async def resolve_disputes(
    info: Info,
    filter: DisputeFilter | None = None,  # noqa: A002 - the contract's name
    first: int | None = 50,
    after: str | None = None,
    order_by: DisputeOrder | None = None,
) -> DisputeConnection:
    ctx = info.context
    f = filter or DisputeFilter()
    digest = _payer_digest(info, f)
    first = 50 if first is None else first
    if first < 0:
        raise ValueError("first: must not be negative")
    criteria = q.CaseFilter(
        status=f.status.value if f.status else None,
        level=f.level.value if f.level else None,
        unit=f.unit,
        category=f.category,
        channel=f.channel,
        township=f.township,
        received_from=utc(f.received_from, "receivedFrom"),
        received_to=utc(f.received_to, "receivedTo"),
        overdue=f.overdue,
        external_ref=f.external_ref,
        id_digest=digest,
        payer_name=f.payer_name,
        changed_since=utc(f.changed_since, "changedSince"),
    )
    reach = ctx.reads.reach(ctx.actor)
    listing = feeds.list_cases_by_last_act if order_by == DisputeOrder.LAST_ACT_DESC else q.list_cases
    page: q.Page = await threads.run_sync(ctx.reads.query, listing, criteria, reach, first=first, after=after, now=ctx.now)
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


def _payer_digest(info: Info, f: DisputeFilter) -> str | None:
    """The search digest of an exact ID number; searching by personal data at all is for roles
    that may see it."""
    if f.payer_id_number is None and f.payer_name is None:
        return None
    ctx = info.context
    if ctx.actor.role not in PERSONAL_DATA_ROLES:
        raise Forbidden("searching by personal data is for roles that may see it")
    return None if f.payer_id_number is None else ctx.fengqiao.privacy.digest(f.payer_id_number)


@strawberry.type
class CasesQuery:
    dispute: Dispute | None = strawberry.field(
        resolver=resolve_dispute, description="One case; null when unknown or out of the caller's reach"
    )
    disputes: DisputeConnection = strawberry.field(resolver=resolve_disputes)
