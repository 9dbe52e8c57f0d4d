"""A case's timeline: every event with its chained hash and, as of an instant, the case as it
stood then (folded by the read side): on the RECORDED axis the record as it stood at that
recording instant, on the ACTED axis the case as it stood at that act time, back-dated acts
recorded later included."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import msgspec
import strawberry
from strawberry.scalars import JSON

from application.bounds import query_instant
from application.event_codec import decode_event
from application.reads import CaseTimeline
from domain import events as ev
from interfaces.graphql import threads
from interfaces.graphql.context import Context, Info, case_view
from interfaces.graphql.dispute import Dispute, dispute_of
from interfaces.graphql.instants import parse_ts
from projections.case_view import CaseView
from projections.queries import ACTED, RECORDED, TimelineRow

_ENVELOPE = ("originator_id", "originator_version", "timestamp", "at", "actor")


@strawberry.type
class TimelineEvent:
    sequence: int
    type: str
    at: dt.datetime
    recorded_at: dt.datetime
    actor: str
    actor_role: str
    actor_unit: str | None
    data: JSON
    hash: str
    position: int
    backdated: bool = strawberry.field(description="The act happened earlier than it was recorded")


class TimelineEventRecord(msgspec.Struct, gc=False):
    """What a TimelineEvent's fields are read from (the same attribute names): a msgspec Struct
    rather than the strawberry dataclass, as a timeline builds 1,000 of them and the resolver
    only ever reads attributes. Not tracked by the GC: it holds plain data, in no cycle."""

    sequence: int
    type: str
    at: dt.datetime
    recorded_at: dt.datetime
    actor: str
    actor_role: str
    actor_unit: str | None
    data: Any
    hash: str
    position: int
    backdated: bool


@strawberry.enum(description="Which time asOf is: RECORDED, when the record was made; ACTED, when the act happened")
class TimelineAxis(Enum):
    RECORDED = RECORDED
    ACTED = ACTED


@strawberry.type
class Timeline:
    case_number: str
    events: list[TimelineEvent]
    state: Dispute | None
    as_of: dt.datetime | None
    axis: TimelineAxis


async def resolve_timeline(
    info: Info, case_number: str, as_of: dt.datetime | None = None, axis: TimelineAxis | None = TimelineAxis.RECORDED
) -> Timeline | None:
    ctx = info.context
    axis = axis or TimelineAxis.RECORDED  # an explicit null means the default
    view = await case_view(info, case_number)
    if view is None:
        return None
    as_of = query_instant(as_of, "asOf")
    history: CaseTimeline = await threads.run_sync(
        ctx.reads.timeline, ctx.actor, view, as_of, with_state=_selects(info, "state"), axis=axis.value
    )
    events: list[Any] = _records(history, ctx, view)  # TimelineEventRecords, read as TimelineEvents
    now = min(as_of or ctx.now, ctx.now)
    return Timeline(
        case_number=view.case_number,
        events=events,
        state=None if history.state is None else dispute_of(history.state, now),
        as_of=as_of,
        axis=axis,
    )


def _selects(info: Info, name: str) -> bool:
    return any(
        getattr(selection, "name", None) == name
        for field in info.selected_fields
        for selection in getattr(field, "selections", ())
    )


def _records(history: CaseTimeline, ctx: Context, case: CaseView) -> list[TimelineEventRecord]:
    """Each event's data straight from its stored JSON, but for the registration (whose personal
    data is shown as this caller may see it), or the decoded events when the read side has them."""
    if history.events is not None:
        return [_timeline_event(row, event, ctx, case) for row, event in zip(history.rows, history.events, strict=True)]
    return [
        _timeline_event(row, decode_event(row.topic, row.state), ctx, case)
        if row.type == "DisputeRegistered"
        else _timeline_record(row, _event_data(row.state))
        for row in history.rows
    ]


def _event_data(state: bytes) -> dict[str, Any]:
    """An event's own fields, straight from its stored JSON (the same values as decoding it into
    its type and back: the events are encoded with every field, see test_timeline_data)."""
    data: dict[str, Any] = msgspec.json.decode(state)
    for key in _ENVELOPE:
        data.pop(key, None)
    return data


def _timeline_event(row: TimelineRow, event: Any, ctx: Context, case: CaseView) -> TimelineEventRecord:
    data = msgspec.to_builtins(event)
    for key in _ENVELOPE:
        data.pop(key, None)
    if isinstance(event, ev.DisputeRegistered):
        # Who may see personal data whole is decided on the case as it is now (its handling unit).
        data["payer"] = _payer_data(event, ctx, case)
        if event.other_party is not None:
            values = ctx.reads.other_party(ctx.actor, case, event.other_party, ctx.access_reason)
            data["other_party"] = {"name": values.name, "kind": values.kind, "contact": values.contact}
    return _timeline_record(row, data)


def _timeline_record(row: TimelineRow, data: dict[str, Any]) -> TimelineEventRecord:
    at, recorded = parse_ts(row.at), parse_ts(row.recorded_at)
    return TimelineEventRecord(
        row.version,
        row.type,
        at,
        recorded,
        row.actor,
        row.actor_role,
        row.actor_unit,
        data,
        row.hash,
        row.position,
        (recorded - at).total_seconds() > 60,
    )


def _payer_data(event: ev.DisputeRegistered, ctx: Context, case: CaseView) -> dict[str, Any]:
    values = ctx.reads.party(ctx.actor, case, event.payer, ["idNumber", "phone", "name"], ctx.access_reason)
    return {"kind": values.kind, "name": values.name, "id_number": values.id_number, "phone": values.phone}


@strawberry.type
class TimelineQuery:
    timeline: Timeline | None = strawberry.field(
        resolver=resolve_timeline,
        description="The full audit trail up to asOf and the case as it stood then: on the RECORDED axis (the "
        "default) asOf is a recording instant, the record as it stood then; on the ACTED axis an act time, the "
        "case as it stood then with back-dated acts recorded later",
    )
