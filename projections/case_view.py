"""What a case looks like to its readers, folded from its events.

The same fold serves the live projection (one stored row per case) and time travel (the events
recorded up to an instant, folded afresh), so both always agree.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec

from domain import events as ev
from domain.deadlines import deadline_overdue, is_late, open_and_passed, was_missed
from domain.remedies import RemedyWindow, remedy_windows
from domain.values import DESIGNATING_UNIT, RETURNS_BEFORE_DESIGNATION, ROUTING_BY_CATEGORY, OtherParty, Payer

TASKFORCE_OFFICE = "taskforce"  # who answers for the deliberation deadline (the task-force office)


class DeadlineView(msgspec.Struct):
    """One clock of the case. A case keeps every clock it ever had: a return closes the handling
    clock (`closed_by` "return", not met) and opens a new transfer clock beside the old one."""

    kind: str
    due_at: datetime
    due_on: date
    provisional: bool
    derivation: tuple[str, ...]
    unit: str
    met_at: datetime | None = None
    missed_recorded: bool = False
    closed_at: datetime | None = None  # closed without being met
    closed_by: str | None = None  # what closed it: "return"
    missed_unit: str | None = None  # whom its recorded miss counts against, when not `unit`

    def overdue(self, now: datetime) -> bool:
        """Open and past its end, or met or closed after it (domain.deadlines)."""
        return deadline_overdue(self.due_at, self.ended_at, now)

    def open_and_passed(self, now: datetime) -> bool:
        """What makes the case overdue (domain.deadlines)."""
        return open_and_passed(self.due_at, self.ended_at, now)

    @property
    def ended_at(self) -> datetime | None:
        return self.met_at or self.closed_at

    def missed(self, now: datetime) -> bool:
        """A miss on the record, or met or closed late, or open past its end: never undone."""
        return was_missed(self.due_at, self.ended_at, now, recorded=self.missed_recorded)

    def met_late(self) -> bool:
        return self.met_at is not None and is_late(self.due_at, self.met_at)

    def answerable(self) -> str:
        """The unit a miss of this clock counts against."""
        return self.missed_unit or self.unit

    def is_open(self) -> bool:
        return self.met_at is None and self.closed_at is None


class RoutingOverrideView(msgspec.Struct):
    """A transfer to another unit than the suggested one: who chose it and why."""

    to_unit: str
    by: str
    reason: str
    at: datetime


class CaseView(msgspec.Struct):
    id: str
    case_number: str
    status: str
    level: str | None
    channel: str
    category: str
    accepting_unit: str
    handling_unit: str | None
    received_at: datetime
    accepted_on: date
    acceptance_provisional: bool
    acceptance_derivation: tuple[str, ...]
    payer: Payer
    summary: str
    other_party: OtherParty | None
    external_ref: str | None
    insurance_types: tuple[str, ...]
    people_involved: int
    township: str | None
    registered_by_subject: str
    registered_by_role: str
    suggested_unit: str
    imported: bool
    version: int
    registered_at: datetime
    last_at: datetime
    recorded_at: datetime
    units_involved: list[str] = msgspec.field(default_factory=list)
    deadlines: list[DeadlineView] = msgspec.field(default_factory=list)
    transfers: int = 0
    returns: int = 0
    returned_by: list[str] = msgspec.field(default_factory=list)  # the unit of each return, in order
    designated_to: list[str] = msgspec.field(default_factory=list)  # units designated (指定承办)
    awaits_designation: bool = False
    routing_override: bool = False
    routing_rule: str = ROUTING_BY_CATEGORY
    routing_overrides: list[RoutingOverrideView] = msgspec.field(default_factory=list)
    resolved_on_spot: bool = False
    escalated: bool = False
    deliberated_at: datetime | None = None
    executing_unit: str | None = None
    outcome: str | None = None
    result: str | None = None
    concluded_by: str | None = None
    settled_at: datetime | None = None
    payer_told_at: datetime | None = None
    other_party_told_at: datetime | None = None
    objected: bool = False
    remedies: list[str] = msgspec.field(default_factory=list)
    archived_at: datetime | None = None
    objections: dict[str, bool] = msgspec.field(default_factory=dict)  # party -> guidance recorded
    no_objection: list[str] = msgspec.field(default_factory=list)  # parties that confirmed 无异议
    archive_basis: list[ev.ArchiveBasis] = msgspec.field(default_factory=list)
    remedy_windows: list[RemedyWindow] = msgspec.field(default_factory=list)
    risk_level: str | None = None
    risk_kind: str | None = None  # the kind of the highest flag (group: 群体性风险)
    supervision_notices: int = 0
    satisfied: bool | None = None
    shredded: bool = False  # its key was destroyed: its personal data reads 已销毁

    def overdue(self, now: datetime) -> bool:
        """An open deadline has passed (now, or at an asOf): the one meaning of a case overdue."""
        return any(d.open_and_passed(now) for d in self.deadlines)

    def missed_deadlines(self, now: datetime) -> int:
        """The case's history of misses (met or closed late, recorded, or open and passed)."""
        return sum(1 for d in self.deadlines if d.missed(now))

    def earliest_open_due(self) -> datetime | None:
        open_dues = [d.due_at for d in self.deadlines if d.is_open()]
        return min(open_dues) if open_dues else None

    def earliest_unrecorded_due(self) -> datetime | None:
        dues = [d.due_at for d in self.deadlines if d.is_open() and not d.missed_recorded]
        return min(dues) if dues else None

    def has_provisional(self) -> bool:
        return self.acceptance_provisional or any(d.provisional for d in self.deadlines)

    def met_late(self) -> bool:
        return any(d.met_late() for d in self.deadlines)

    def deadline(self, kind: str) -> DeadlineView | None:
        """The case's latest clock of this kind."""
        return next((d for d in reversed(self.deadlines) if d.kind == kind), None)

    def feedback_pending(self) -> list[str]:
        """Once the case is settled, the registered parties not yet told the result."""
        if self.settled_at is None:
            return []
        pending = [] if self.payer_told_at is not None else ["payer"]
        if self.other_party is not None and self.other_party_told_at is None:
            pending.append("other_party")
        return pending


def _deadline(kind: str, value: Any, unit: str) -> DeadlineView:
    return DeadlineView(
        kind=kind,
        due_at=value.due_at,
        due_on=value.due_on,
        provisional=value.provisional,
        derivation=tuple(value.derivation),
        unit=unit,
    )


def _set_deadline(view: CaseView, deadline: DeadlineView) -> None:
    """A new clock of its kind: the latest one replaces an earlier one that is still open; a
    clock met, closed or missed stays in the case's history."""
    kept = [d for d in view.deadlines if d.kind != deadline.kind or not d.is_open() or d.missed_recorded]
    view.deadlines = [*kept, deadline]


def _meet(view: CaseView, kind: str, at: datetime) -> None:
    d = view.deadline(kind)
    if d is not None and d.met_at is None:
        d.met_at = at


def _involve(view: CaseView, *units: str | None) -> None:
    for unit in units:
        if unit and unit not in view.units_involved:
            view.units_involved.append(unit)


def start(event: ev.DisputeRegistered) -> CaseView:
    return CaseView(
        id=str(event.originator_id),
        case_number=event.case_number,
        status="accepted",
        level=None,
        channel=event.channel.value,
        category=event.category.value,
        accepting_unit=event.accepting_unit,
        handling_unit=None,
        received_at=event.received_at,
        accepted_on=event.acceptance.accepted_on,
        acceptance_provisional=event.acceptance.provisional,
        acceptance_derivation=tuple(event.acceptance.derivation),
        payer=event.payer,
        summary=event.summary,
        other_party=event.other_party,
        external_ref=event.external_ref,
        insurance_types=tuple(t.value for t in event.insurance_types),
        people_involved=event.people_involved,
        township=event.township,
        registered_by_subject=event.actor.subject,
        registered_by_role=event.actor.role.value,
        suggested_unit=event.suggested_unit,
        routing_rule=event.routing_rule or ROUTING_BY_CATEGORY,
        imported=event.imported,
        version=1,
        registered_at=event.at,
        last_at=event.at,
        recorded_at=event.timestamp,
        units_involved=[event.accepting_unit],
        deadlines=[_deadline("transfer", event.transfer_deadline, event.accepting_unit)],
    )


def fold(view: CaseView | None, event: Any) -> CaseView | None:
    """Apply one event of a case; events of other kinds leave the view as it is."""
    if isinstance(event, ev.DisputeRegistered):
        return start(event)
    if view is None or not isinstance(event, ev.DisputeEvent):
        return view
    view.version = event.originator_version
    view.last_at = max(view.last_at, event.at)
    view.recorded_at = event.timestamp
    handler = _HANDLERS.get(type(event))
    if handler is not None:
        handler(view, event)
    return view


def _resolved(v: CaseView, e: ev.ResolvedOnSpot) -> None:
    v.status, v.level = "feedback_given", "simple"
    v.resolved_on_spot = True
    v.result = e.result
    v.concluded_by = v.accepting_unit
    v.settled_at = v.payer_told_at = e.at
    _meet(v, "transfer", e.at)
    v.status = "concluded"
    _answered(v)


def _transferred(v: CaseView, e: ev.DisputeTransferred) -> None:
    v.status, v.level = "transferred", "general"
    v.handling_unit = e.to_unit
    v.transfers += 1
    v.awaits_designation = False
    if e.designation:
        v.designated_to.append(e.to_unit)
    v.routing_override = v.routing_override or e.routing_override
    if e.routing_override:
        v.routing_overrides.append(RoutingOverrideView(e.to_unit, e.actor.subject, e.note or "", e.at))
    _involve(v, e.to_unit)
    _meet(v, "transfer", e.at)
    _set_deadline(v, _deadline("handling", e.handling_deadline, e.to_unit))


def _returned(v: CaseView, e: ev.DisputeReturned) -> None:
    v.status = "accepted"
    v.returned_by.append(v.handling_unit or e.from_unit)
    v.handling_unit = None
    v.returns += 1
    handling = v.deadline("handling")
    if handling is not None and handling.is_open():
        handling.closed_at, handling.closed_by = e.at, "return"
    if e.transfer_deadline is not None:
        _set_deadline(v, _deadline("transfer", e.transfer_deadline, e.transfer_unit or v.accepting_unit))
    # Returned twice (also by returns recorded before the rule): it waits for a designation.
    v.awaits_designation = v.returns >= RETURNS_BEFORE_DESIGNATION
    if v.awaits_designation:
        _involve(v, DESIGNATING_UNIT)


def _concluded(v: CaseView, e: ev.HandlingConcluded) -> None:
    v.status = "concluded"
    v.outcome, v.result, v.concluded_by = e.outcome.value, e.result, e.unit
    v.settled_at = e.at
    _meet(v, "handling", e.at)


def _escalated(v: CaseView, e: ev.DisputeEscalated) -> None:
    v.status, v.level = "escalated", "special"
    v.escalated = True
    _meet(v, "transfer" if e.direct else "handling", e.at)
    _set_deadline(v, _deadline("deliberation", e.deliberation_deadline, TASKFORCE_OFFICE))


def _deliberated(v: CaseView, e: ev.DeliberationHeld) -> None:
    v.status = "deliberated"
    v.deliberated_at = e.held_at
    v.executing_unit = v.handling_unit = e.executing_unit
    _involve(v, e.executing_unit)
    _meet(v, "deliberation", e.held_at)


def _feedback(v: CaseView, e: ev.FeedbackGiven) -> None:
    if e.party.value == "payer":
        v.payer_told_at = v.payer_told_at or e.at
    else:
        v.other_party_told_at = v.other_party_told_at or e.at
    _answered(v)


def _answered(v: CaseView) -> None:
    # As the aggregate decides: answered only once every registered party was told.
    if v.status == "concluded" and not v.feedback_pending():
        v.status = "objected" if v.objections else "feedback_given"


def _objection(v: CaseView, e: ev.ObjectionRaised) -> None:
    if e.party.value == "payer":
        v.payer_told_at = v.payer_told_at or e.at
    else:
        v.other_party_told_at = v.other_party_told_at or e.at
    v.objections[e.party.value] = False
    if e.party.value in v.no_objection:
        v.no_objection.remove(e.party.value)
    if v.status != "concluded" or not v.feedback_pending():
        v.status = "objected"
    v.objected = True
    if e.reopened:
        v.archived_at = None


def _no_objection(v: CaseView, e: ev.NoObjectionConfirmed) -> None:
    if e.party.value not in v.no_objection:
        v.no_objection.append(e.party.value)


def _remedy(v: CaseView, e: ev.RemedyGuidanceGiven) -> None:
    v.remedies.append(e.remedy.value)
    v.objections[e.party.value] = True
    fresh = remedy_windows(e)
    kept = [w for w in v.remedy_windows if not any(w.party == n.party and w.kind == n.kind for n in fresh)]
    v.remedy_windows = [*kept, *fresh]


def _archived(v: CaseView, e: ev.DisputeArchived) -> None:
    v.status = "archived"
    v.archived_at = e.at
    v.archive_basis = list(e.basis)


def _risk(v: CaseView, e: ev.RiskFlagged) -> None:
    order = ("low", "medium", "high")
    if v.risk_level is None or order.index(e.level.value) > order.index(v.risk_level):
        v.risk_level, v.risk_kind = e.level.value, e.kind
    _involve(v, *e.notified_units)


def _notice(v: CaseView, e: ev.SupervisionNoticeIssued) -> None:
    v.supervision_notices += 1


def _satisfaction(v: CaseView, e: ev.SatisfactionRecorded) -> None:
    if e.party.value == "payer":
        v.satisfied = e.satisfied


def _missed(v: CaseView, e: ev.DeadlineMissed) -> None:
    d = v.deadline(e.kind.value)
    if d is not None:
        d.missed_recorded = True
        if e.unit is not None and e.unit != d.unit:
            d.missed_unit = e.unit


def _recomputed(v: CaseView, e: ev.DeadlinesRecomputed) -> None:
    if e.acceptance is not None:
        v.accepted_on = e.acceptance.accepted_on
        v.acceptance_provisional = e.acceptance.provisional
        v.acceptance_derivation = tuple(e.acceptance.derivation)
    for item in e.deadlines:
        d = v.deadline(item.kind.value)
        if d is not None:
            d.due_at, d.due_on = item.deadline.due_at, item.deadline.due_on
            d.provisional, d.derivation = item.deadline.provisional, tuple(item.deadline.derivation)


def _shredded(v: CaseView, e: ev.PersonalDataShredded) -> None:
    v.shredded = True


_HANDLERS: dict[type, Any] = {
    ev.ResolvedOnSpot: _resolved,
    ev.DisputeTransferred: _transferred,
    ev.DisputeReturned: _returned,
    ev.HandlingConcluded: _concluded,
    ev.DisputeEscalated: _escalated,
    ev.DeliberationHeld: _deliberated,
    ev.FeedbackGiven: _feedback,
    ev.ObjectionRaised: _objection,
    ev.NoObjectionConfirmed: _no_objection,
    ev.RemedyGuidanceGiven: _remedy,
    ev.DisputeArchived: _archived,
    ev.RiskFlagged: _risk,
    ev.SupervisionNoticeIssued: _notice,
    ev.SatisfactionRecorded: _satisfaction,
    ev.DeadlineMissed: _missed,
    ev.DeadlinesRecomputed: _recomputed,
    ev.PersonalDataShredded: _shredded,
}
