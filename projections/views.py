"""The case as its readers see it: the read model's row types (folded in projections/case_view.py)."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from domain import events as ev
from domain.deadlines import deadline_overdue, is_late, open_and_passed, was_missed
from domain.remedies import RemedyWindow
from domain.values import ROUTING_BY_CATEGORY, OtherParty, Payer

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
