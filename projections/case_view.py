"""What a case looks like to its readers, folded from its events.

The same fold serves the live projection (one stored row per case) and time travel (the events
recorded up to an instant, folded afresh), so both always agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import events as ev
from domain.remedies import remedy_windows
from domain.values import DESIGNATING_UNIT, RETURNS_BEFORE_DESIGNATION, ROUTING_BY_CATEGORY
from projections.views import TASKFORCE_OFFICE, CaseView, DeadlineView, RoutingOverrideView

# The row types live in projections/views.py; readers import them from here with the fold.
__all__ = ["TASKFORCE_OFFICE", "CaseView", "DeadlineView", "RoutingOverrideView", "fold", "start"]


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
