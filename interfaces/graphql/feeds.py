"""For integrators that pull: `changes` (every case event the caller may read, in log order; one
query instead of polling every case) and `deliveries` (what the webhook worker sent, is retrying
or gave up on: the dead letters)."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from application.errors import InvalidCommand
from application.read_gates import ReadGate
from domain.subscription import EVENT_TYPES, TYPE_PREFIX
from interfaces.graphql import threads
from interfaces.graphql.cases import PageInfo
from interfaces.graphql.context import Info
from interfaces.graphql.dispute import DisputeStatus
from interfaces.graphql.instants import parse_ts
from projections import feeds

DEFAULT_PAGE = 100


@strawberry.type
class Change:
    case_number: str
    version: int
    type: str = strawberry.field(description="The event's name, as in the timeline (e.g. DisputeTransferred)")
    event_type: str | None = strawberry.field(description="Its CloudEvents type, as webhooks send it")
    acted_at: dt.datetime
    recorded_at: dt.datetime
    status: DisputeStatus = strawberry.field(description="The case's status after this event")
    position: str = strawberry.field(description="The event's log position (also its cursor)")


@strawberry.type
class ChangeEdge:
    node: Change
    cursor: str


@strawberry.type
class ChangeConnection:
    edges: list[ChangeEdge]
    page_info: PageInfo


@strawberry.enum
class DeliveryStatus(Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@strawberry.type
class Delivery:
    subscription_id: str
    event_id: str = strawberry.field(description="CloudEvents id and webhook-id: the same on every try")
    case_number: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    last_status_code: int | None
    last_error: str | None
    position: str


@strawberry.type
class DeliveryEdge:
    node: Delivery
    cursor: str


@strawberry.type
class DeliveryConnection:
    edges: list[DeliveryEdge]
    page_info: PageInfo


def _first(first: int | None) -> int:
    value = DEFAULT_PAGE if first is None else first
    if not 0 <= value <= feeds.FEED_PAGE:
        raise InvalidCommand("first", f"must be 0 to {feeds.FEED_PAGE}")
    return value


def _page_info(cursors: list[str], more: bool, after: str | None) -> PageInfo:
    return PageInfo(
        has_next_page=more,
        has_previous_page=after is not None,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


async def resolve_changes(info: Info, after: str | None = None, first: int | None = DEFAULT_PAGE) -> ChangeConnection:
    ctx = info.context
    try:
        position = 0 if after is None else int(after)
    except ValueError:
        raise InvalidCommand("after", "a cursor from a previous page (a log position)") from None
    found, more = await threads.run_sync(
        ctx.reads.scoped, ctx.actor, ReadGate.CHANGES, feeds.change_page, after=position, first=_first(first)
    )
    edges = [
        ChangeEdge(
            node=Change(
                case_number=c.case_number,
                version=c.version,
                type=c.type,
                event_type=TYPE_PREFIX + EVENT_TYPES[c.type] if c.type in EVENT_TYPES else None,
                acted_at=parse_ts(c.at),
                recorded_at=parse_ts(c.recorded_at),
                status=DisputeStatus(c.status),
                position=str(c.position),
            ),
            cursor=str(c.position),
        )
        for c in found
    ]
    return ChangeConnection(edges=edges, page_info=_page_info([e.cursor for e in edges], more, after))


def _delivery_cursor(after: str | None) -> tuple[int, str] | None:
    if after is None:
        return None
    position, _, subscription = after.partition(":")
    try:
        return int(position), subscription
    except ValueError:
        raise InvalidCommand("after", "a cursor from a previous page") from None


async def resolve_deliveries(
    info: Info,
    subscription_id: str | None = None,
    status: DeliveryStatus | None = None,
    first: int | None = DEFAULT_PAGE,
    after: str | None = None,
) -> DeliveryConnection:
    ctx = info.context
    found, more = await threads.run_sync(
        ctx.reads.deliveries,
        ctx.actor,
        subscription_id=subscription_id,
        status=None if status is None else status.value,
        after=_delivery_cursor(after),
        first=_first(first),
    )
    edges = [
        DeliveryEdge(
            node=Delivery(
                subscription_id=d.subscription_id,
                event_id=d.event_id,
                case_number=d.case_number,
                event_type=TYPE_PREFIX + d.type,
                status=DeliveryStatus(d.status),
                attempts=d.attempts,
                next_attempt_at=parse_ts(d.next_at) if d.status == "pending" else None,
                created_at=parse_ts(d.created_at),
                delivered_at=None if d.delivered_at is None else parse_ts(d.delivered_at),
                last_status_code=d.last_code,
                last_error=d.last_error,
                position=str(d.position),
            ),
            cursor=f"{d.position}:{d.subscription_id}",
        )
        for d in found
    ]
    return DeliveryConnection(edges=edges, page_info=_page_info([e.cursor for e in edges], more, after))


@strawberry.type
class FeedsQuery:
    changes: ChangeConnection = strawberry.field(
        resolver=resolve_changes,
        description="Every case event the caller may read, in log order; `after` is the last cursor seen",
    )
    deliveries: DeliveryConnection = strawberry.field(
        resolver=resolve_deliveries,
        description="Webhook deliveries of the caller's subscriptions (roles that read every case: all); DEAD = the dead letters",
    )
