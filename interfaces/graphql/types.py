"""GraphQL output types (camelCase, enums UPPER_CASE), built from the read models' views."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import msgspec
import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from projections.case_view import CaseView, DeadlineView


@strawberry.enum
class DisputeStatus(Enum):
    ACCEPTED = "accepted"
    TRANSFERRED = "transferred"
    ESCALATED = "escalated"
    DELIBERATED = "deliberated"
    CONCLUDED = "concluded"
    FEEDBACK_GIVEN = "feedback_given"
    OBJECTED = "objected"
    ARCHIVED = "archived"


@strawberry.enum
class Level(Enum):
    SIMPLE = "simple"
    GENERAL = "general"
    SPECIAL = "special"


@strawberry.enum
class DeadlineKind(Enum):
    TRANSFER = "transfer"
    HANDLING = "handling"
    DELIBERATION = "deliberation"


@strawberry.enum
class QueueKind(Enum):
    TO_TRANSFER = "TO_TRANSFER"
    IN_HANDLING = "IN_HANDLING"
    TO_DELIBERATE = "TO_DELIBERATE"
    TO_FEEDBACK = "TO_FEEDBACK"
    OBJECTED = "OBJECTED"
    OVERDUE = "OVERDUE"


@strawberry.type
class Party:
    kind: str
    name: str
    id_number: str
    phone: str
    unmasked: bool = strawberry.field(description="True when shown whole to this caller (and logged)")


@strawberry.type
class OtherPartyInfo:
    name: str
    kind: str | None
    contact: str | None


@strawberry.type
class Deadline:
    kind: DeadlineKind
    due_at: dt.datetime
    due_on: dt.date = strawberry.field(description="The last day (Asia/Shanghai); dueAt is 24:00 of it")
    met_at: dt.datetime | None
    overdue: bool
    provisional: bool
    derivation: list[str]
    unit: str = strawberry.field(description="Who answers for it: the accepting unit, the handling unit, or taskforce")


class DeadlineRecord(msgspec.Struct, gc=False):
    """What a Deadline's fields are read from (the same attribute names): a msgspec Struct rather
    than the strawberry dataclass, as a queue builds a few hundred and only attributes are read.
    Not tracked by the GC: it holds plain data, in no cycle."""

    kind: DeadlineKind
    due_at: dt.datetime
    due_on: dt.date
    met_at: dt.datetime | None
    overdue: bool
    provisional: bool
    derivation: list[str]
    unit: str


def _members(enum: type[Enum]) -> dict[Any, Any]:
    """value -> member, as `enum(value)` finds them (aliases included)."""
    return dict(enum._value2member_map_)


_DEADLINE_KINDS = _members(DeadlineKind)
_STATUSES = _members(DisputeStatus)
_LEVELS = _members(Level)


def deadline_of(d: DeadlineView, now: dt.datetime) -> DeadlineRecord:
    """A Deadline (read by attribute, see DeadlineRecord)."""
    return DeadlineRecord(
        _DEADLINE_KINDS.get(d.kind) or DeadlineKind(d.kind),
        d.due_at,
        d.due_on,
        d.met_at,
        d.overdue(now),
        d.provisional,
        list(d.derivation),
        d.unit,
    )


_DEADLINE_ORDER = {"transfer": 0, "handling": 1, "deliberation": 2}


def _deadline_order(d: DeadlineView) -> int:
    return _DEADLINE_ORDER[d.kind]


def selected_names(info: Info) -> set[str]:
    """Field names selected under this field, fragments (inline and named) included."""
    names: set[str] = set()

    def walk(selections: list[Any]) -> None:
        for node in selections:
            name = getattr(node, "name", None)
            if isinstance(node, SelectedField) and name is not None:
                names.add(name)
            else:
                walk(getattr(node, "selections", []) or [])

    for field in info.selected_fields:
        walk(field.selections)
    return names


@strawberry.type
class Dispute:
    view: strawberry.Private[CaseView]
    now: strawberry.Private[dt.datetime]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return self.view.id  # type: ignore[return-value] # strawberry.ID(x) is x

    @strawberry.field
    def case_number(self) -> str:
        return self.view.case_number

    @strawberry.field
    def status(self) -> DisputeStatus:
        return _STATUSES.get(self.view.status) or DisputeStatus(self.view.status)

    @strawberry.field
    def level(self) -> Level | None:
        level = self.view.level
        return None if level is None else _LEVELS.get(level) or Level(level)

    @strawberry.field
    def channel(self) -> str:
        return self.view.channel

    @strawberry.field
    def category(self) -> str:
        return self.view.category

    @strawberry.field
    def accepting_unit(self) -> str:
        return self.view.accepting_unit

    @strawberry.field
    def handling_unit(self) -> str | None:
        return self.view.handling_unit

    @strawberry.field
    def received_at(self) -> dt.datetime:
        return self.view.received_at

    @strawberry.field(description="The deemed acceptance day (the next working day for a rest-day intake)")
    def accepted_on(self) -> dt.date:
        return self.view.accepted_on

    @strawberry.field
    def acceptance_derivation(self) -> list[str]:
        return list(self.view.acceptance_derivation)

    @strawberry.field(description="ID number and phone are masked unless this caller may see them; whole views are logged")
    def payer(self, info: Info) -> Party:
        fields = selected_names(info)
        reason = info.context["access_reason"]
        values = info.context["reads"].party(info.context["actor"], self.view, self.view.payer, fields, reason)
        return Party(kind=values.kind, name=values.name, id_number=values.id_number, phone=values.phone, unmasked=values.unmasked)

    @strawberry.field(description="contact is masked unless this caller may see it whole (logged)")
    def other_party(self, info: Info) -> OtherPartyInfo | None:
        o = self.view.other_party
        if o is None:
            return None
        wants_contact = "contact" in selected_names(info)
        contact = info.context["reads"].other_party_contact(
            info.context["actor"], self.view, o, info.context["access_reason"]
        ) if wants_contact else o.contact_masked
        return OtherPartyInfo(name=o.name, kind=o.kind, contact=contact)

    @strawberry.field
    def summary(self) -> str:
        return self.view.summary

    @strawberry.field
    def external_ref(self) -> str | None:
        return self.view.external_ref

    @strawberry.field
    def insurance_types(self) -> list[str]:
        return list(self.view.insurance_types)

    @strawberry.field
    def people_involved(self) -> int:
        return self.view.people_involved

    @strawberry.field
    def township(self) -> str | None:
        return self.view.township

    @strawberry.field
    def version(self) -> int:
        return self.view.version

    @strawberry.field
    def deadlines(self) -> list[Deadline]:
        now = self.now
        return [deadline_of(d, now) for d in sorted(self.view.deadlines, key=_deadline_order)]  # type: ignore[misc]

    @strawberry.field(description="Overdue as of now (or of asOf in a timeline)")
    def overdue(self) -> bool:
        return self.view.overdue(self.now)

    @strawberry.field
    def outcome(self) -> str | None:
        return self.view.outcome

    @strawberry.field
    def result(self) -> str | None:
        return self.view.result

    @strawberry.field
    def suggested_unit(self) -> str:
        return self.view.suggested_unit

    @strawberry.field
    def routing_override(self) -> bool:
        return self.view.routing_override

    @strawberry.field
    def executing_unit(self) -> str | None:
        return self.view.executing_unit

    @strawberry.field
    def risk_level(self) -> str | None:
        return self.view.risk_level

    @strawberry.field
    def remedies(self) -> list[str]:
        return list(self.view.remedies)

    @strawberry.field
    def imported(self) -> bool:
        return self.view.imported

    @strawberry.field
    def last_act_at(self) -> dt.datetime:
        return self.view.last_at


def dispute_of(view: CaseView, now: dt.datetime) -> Dispute:
    return Dispute(view=view, now=now)


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


@strawberry.type
class Timeline:
    case_number: str
    events: list[TimelineEvent]
    state: Dispute | None
    as_of: dt.datetime | None


@strawberry.type
class Verification:
    case_number: str
    valid: bool
    events: int
    head_hash: str
    first_invalid_sequence: int | None
    problems: list[str]


@strawberry.type
class UnitStats:
    unit: str
    received: int
    handled: int
    concluded: int
    overdue_now: int
    missed_deadlines: int
    on_time_rate: float | None


@strawberry.type
class GroupStats:
    key: str
    received: int
    settled: int
    overdue_now: int
    missed_deadlines: int
    on_time_rate: float | None


@strawberry.type
class Supervision:
    period_from: dt.date
    period_to: dt.date
    units: list[UnitStats]
    by_category: list[GroupStats]
    by_channel: list[GroupStats]
    by_township: list[GroupStats]
    received: int
    settled: int
    settled_on_spot_share: float | None
    settled_without_escalation_share: float | None
    settled_in_one_visit_share: float | None
    objected: int
    units_with_missed_deadlines: list[str] = strawberry.field(description="Most misses first: the basis for a 通报")


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


def share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def as_json(value: Any) -> JSON:
    return value  # type: ignore[no-any-return]
