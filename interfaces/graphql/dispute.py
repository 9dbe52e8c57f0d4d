"""The Dispute as GraphQL shows it (a case, in a queue, in search results, or as it stood in a
timeline), with its parties and deadlines, read from the case's read-model view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum
from typing import Any

import msgspec
import strawberry
from strawberry.types.field import StrawberryField
from strawberry.types.nodes import SelectedField

from interfaces.graphql.answers import ArchiveBasis, RemedyWindow, Routing, RoutingOverride
from interfaces.graphql.context import Info
from interfaces.graphql.enums import (
    Category,
    Channel,
    InsuranceType,
    NoObjectionBasis,
    Outcome,
    PartyRole,
    PayerKind,
    RemedyKind,
    RiskLevel,
    member,
)
from projections.case_view import CaseView, DeadlineView


def described(description: str) -> Callable[[Callable[..., Any]], StrawberryField]:
    """`@strawberry.field(description=...)`, typed (strawberry's overload for that form is not)."""

    def field(resolver: Callable[..., Any]) -> StrawberryField:
        return strawberry.field(resolver, description=description)

    return field


def withdrawn(reason: str) -> Callable[[Callable[..., Any]], StrawberryField]:
    """`@strawberry.field(deprecation_reason=...)`, typed: a field kept for old clients."""

    def field(resolver: Callable[..., Any]) -> StrawberryField:
        return strawberry.field(resolver, deprecation_reason=reason)

    return field


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


@strawberry.type
class Party:
    kind: PayerKind
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
    overdue: bool = strawberry.field(description="Open and past its end, or met or closed after it")
    provisional: bool
    derivation: list[str]
    unit: str = strawberry.field(
        description="Who answers for it: the accepting unit (gov_office once a case awaits designation), "
        "the handling unit, or taskforce"
    )
    closed_at: dt.datetime | None = strawberry.field(
        description="When it was closed without being met (a return closes the handling clock)"
    )
    closed_by: str | None = strawberry.field(description="What closed it unmet: return")
    missed_unit: str | None = strawberry.field(
        description="Whom its recorded miss counts against when not `unit` (the escalating unit, for a "
        "deliberation deadline already passed at the escalation)"
    )


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
    closed_at: dt.datetime | None
    closed_by: str | None
    missed_unit: str | None


def _members(enum: type[Enum]) -> dict[Any, Any]:
    """value -> member, as `enum(value)` finds them (aliases included)."""
    return dict(enum._value2member_map_)


_DEADLINE_KINDS = _members(DeadlineKind)
_STATUSES = _members(DisputeStatus)
_LEVELS = _members(Level)
# A queue page reads these for every case: a dict lookup rather than an Enum call each.
_CHANNELS = _members(Channel)
_CATEGORIES = _members(Category)
_INSURANCE_TYPES = _members(InsuranceType)


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
        d.closed_at,
        d.closed_by,
        d.missed_unit,
    )


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
    def channel(self) -> Channel:
        return _CHANNELS.get(self.view.channel) or Channel(self.view.channel)

    @strawberry.field
    def category(self) -> Category:
        return _CATEGORIES.get(self.view.category) or Category(self.view.category)

    @strawberry.field
    def accepting_unit(self) -> str:
        return self.view.accepting_unit

    @strawberry.field
    def handling_unit(self) -> str | None:
        return self.view.handling_unit

    @strawberry.field
    def received_at(self) -> dt.datetime:
        return self.view.received_at

    @described("The deemed acceptance day (the next working day for a rest-day intake)")
    def accepted_on(self) -> dt.date:
        return self.view.accepted_on

    @strawberry.field
    def acceptance_derivation(self) -> list[str]:
        return list(self.view.acceptance_derivation)

    @described("ID number and phone are masked unless this caller may see them; whole views are logged")
    def payer(self, info: Info) -> Party:
        ctx = info.context
        values = ctx.reads.party(ctx.actor, self.view, self.view.payer, sorted(selected_names(info)), ctx.access_reason)
        return Party(kind=PayerKind(values.kind), name=values.name, id_number=values.id_number, phone=values.phone, unmasked=values.unmasked)

    @described("an individual's name and the contact are masked unless this caller may see them whole (logged)")
    def other_party(self, info: Info) -> OtherPartyInfo | None:
        o = self.view.other_party
        if o is None:
            return None
        ctx = info.context
        values = ctx.reads.other_party(
            ctx.actor, self.view, o, ctx.access_reason, contact="contact" in selected_names(info)
        )
        return OtherPartyInfo(name=values.name, kind=values.kind, contact=values.contact)

    @strawberry.field
    def summary(self) -> str:
        return self.view.summary

    @strawberry.field
    def external_ref(self) -> str | None:
        return self.view.external_ref

    @strawberry.field
    def insurance_types(self) -> list[InsuranceType]:
        return [_INSURANCE_TYPES.get(t) or InsuranceType(t) for t in self.view.insurance_types]

    @strawberry.field
    def people_involved(self) -> int:
        return self.view.people_involved

    @strawberry.field
    def township(self) -> str | None:
        return self.view.township

    @strawberry.field
    def version(self) -> int:
        return self.view.version

    @described("Every clock the case had, in the order they started (a return opens a new transfer clock)")
    def deadlines(self) -> list[Deadline]:
        now = self.now
        return [deadline_of(d, now) for d in self.view.deadlines]  # type: ignore[misc]

    @described("An open deadline has passed, now (or at asOf in a timeline); history is missedDeadlines")
    def overdue(self) -> bool:
        return self.view.overdue(self.now)

    @described("How many of its deadlines were missed: recorded misses (never undone), met or closed late")
    def missed_deadlines(self) -> int:
        return self.view.missed_deadlines(self.now)

    @described("Returned twice: waits for gov_office or the task force to designate its unit (指定承办)")
    def awaits_designation(self) -> bool:
        return self.view.awaits_designation

    @strawberry.field
    def outcome(self) -> Outcome | None:
        return member(Outcome, self.view.outcome)

    @strawberry.field
    def result(self) -> str | None:
        return self.view.result

    @strawberry.field
    def suggested_unit(self) -> str:
        return self.view.suggested_unit

    @strawberry.field
    def routing_override(self) -> bool:
        return self.view.routing_override

    @described("The suggested handling unit, the rule that suggested it, and each override with who and why")
    def routing(self) -> Routing:
        v = self.view
        overrides = [RoutingOverride(to_unit=o.to_unit, by=o.by, reason=o.reason, at=o.at) for o in v.routing_overrides]
        return Routing(suggested_unit=v.suggested_unit, rule=v.routing_rule, overrides=overrides)

    @strawberry.field
    def executing_unit(self) -> str | None:
        return self.view.executing_unit

    @strawberry.field
    def risk_level(self) -> RiskLevel | None:
        return member(RiskLevel, self.view.risk_level)

    @withdrawn("Use remedyWindows (typed, per party)")
    def remedies(self) -> list[str]:
        return list(self.view.remedies)

    @described("Each objecting party's remedy windows, from the latest guidance it was given")
    def remedy_windows(self) -> list[RemedyWindow]:
        return [
            RemedyWindow(
                party=PartyRole(w.party.value), kind=RemedyKind(w.kind.value), starts_on=w.starts_on,
                last_day=w.last_day, body=w.body, provisional=w.provisional, derivation=list(w.derivation),
            )
            for w in self.view.remedy_windows
        ]

    @described("Registered parties not yet told the result, once the case is settled; FEEDBACK_GIVEN waits for none")
    def feedback_pending(self) -> list[PartyRole]:
        return [PartyRole(p) for p in self.view.feedback_pending()]

    @described("Told parties that confirmed they have no objection (无异议确认)")
    def no_objection_confirmed(self) -> list[PartyRole]:
        return [PartyRole(p) for p in self.view.no_objection]

    @described("Parties that objected (each may object once)")
    def objections(self) -> list[PartyRole]:
        return [PartyRole(p) for p in self.view.objections]

    @described("Why the case could be archived, per told party (empty before archive, and for archives before 1.1)")
    def archive_basis(self) -> list[ArchiveBasis]:
        return [
            ArchiveBasis(party=PartyRole(b.party.value), basis=NoObjectionBasis(b.basis.value), told_at=b.told_at,
                         quiet_until=b.quiet_until)
            for b in self.view.archive_basis
        ]

    @strawberry.field
    def imported(self) -> bool:
        return self.view.imported

    @strawberry.field
    def last_act_at(self) -> dt.datetime:
        return self.view.last_at


def dispute_of(view: CaseView, now: dt.datetime) -> Dispute:
    return Dispute(view=view, now=now)

