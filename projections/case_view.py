"""What a case looks like to its readers, folded from its events.

The same fold serves the live projection (one stored row per case) and time travel (the events
recorded up to an instant, folded afresh), so both always agree.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec

from domain import events as ev
from domain.remedies import RemedyWindow, remedy_windows
from domain.values import OtherParty, Payer

TASKFORCE_OFFICE = "taskforce"  # who answers for the deliberation deadline (the task-force office)


class DeadlineView(msgspec.Struct):
    kind: str
    due_at: datetime
    due_on: date
    provisional: bool
    derivation: tuple[str, ...]
    unit: str
    met_at: datetime | None = None
    missed_recorded: bool = False

    def overdue(self, now: datetime) -> bool:
        if self.met_at is not None:
            return self.met_at > self.due_at
        return now > self.due_at

    def is_open(self) -> bool:
        return self.met_at is None


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
    # Deadlines that left the case missed (replaced by a new transfer's, dropped by a return): a
    # miss is never undone and stays with the unit that held the deadline (五, 通报).
    past_misses: list[DeadlineView] = msgspec.field(default_factory=list)
    transfers: int = 0
    returns: int = 0
    routing_override: bool = False
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
    supervision_notices: int = 0
    satisfied: bool | None = None
    shredded: bool = False  # its key was destroyed: its personal data reads 已销毁

    def overdue(self, now: datetime) -> bool:
        return any(d.overdue(now) for d in self.deadlines)

    def earliest_open_due(self) -> datetime | None:
        open_dues = [d.due_at for d in self.deadlines if d.is_open()]
        return min(open_dues) if open_dues else None

    def earliest_unrecorded_due(self) -> datetime | None:
        dues = [d.due_at for d in self.deadlines if d.is_open() and not d.missed_recorded]
        return min(dues) if dues else None

    def has_provisional(self) -> bool:
        return self.acceptance_provisional or any(d.provisional for d in self.deadlines)

    def met_late(self) -> bool:
        return any(d.met_at is not None and d.met_at > d.due_at for d in self.deadlines)

    def deadline(self, kind: str) -> DeadlineView | None:
        return next((d for d in self.deadlines if d.kind == kind), None)

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


def _set_deadline(view: CaseView, deadline: DeadlineView, at: datetime) -> None:
    _retire(view, deadline.kind, at)
    view.deadlines.append(deadline)


def _retire(view: CaseView, kind: str, at: datetime) -> None:
    """Take the `kind` deadline off the case at `at`, keeping it on record if it was missed."""
    for d in view.deadlines:
        if d.kind == kind and (d.missed_recorded or d.overdue(at)):
            view.past_misses.append(d)
    view.deadlines = [d for d in view.deadlines if d.kind != kind]


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
    v.routing_override = v.routing_override or e.routing_override
    _involve(v, e.to_unit)
    _meet(v, "transfer", e.at)
    _set_deadline(v, _deadline("handling", e.handling_deadline, e.to_unit), e.at)


def _returned(v: CaseView, e: ev.DisputeReturned) -> None:
    v.status = "accepted"
    v.handling_unit = None
    v.returns += 1
    _retire(v, "handling", e.at)


def _concluded(v: CaseView, e: ev.HandlingConcluded) -> None:
    v.status = "concluded"
    v.outcome, v.result, v.concluded_by = e.outcome.value, e.result, e.unit
    v.settled_at = e.at
    _meet(v, "handling", e.at)


def _escalated(v: CaseView, e: ev.DisputeEscalated) -> None:
    v.status, v.level = "escalated", "special"
    v.escalated = True
    _meet(v, "handling", e.at)
    _set_deadline(v, _deadline("deliberation", e.deliberation_deadline, TASKFORCE_OFFICE), e.at)


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
        v.risk_level = e.level.value
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
