"""Who may read what, as data: the role gate of every kind of read, a caller's reach (and its SQL
form), and the cases whose personal data a caller sees whole (and its SQL form).

The read side (application/reads.py) is the only user: interfaces ask it, never this table, so a
new read path cannot re-decide who sees what.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from domain.values import Actor, Role
from projections.queries import unit_pattern

ALL_ROLES = frozenset(Role)
READ_ALL_ROLES = frozenset({Role.TASKFORCE, Role.LEGAL, Role.AUDITOR, Role.SYSTEM})
UNIT_ROLES = frozenset({Role.CLERK, Role.HANDLER})


class ReadGate(Enum):
    """Every kind of read. Each read path names the one it is, and the read side checks it."""

    CASE = "case"  # one case, its timeline, its verification
    CASES = "cases"  # a filtered page of cases
    QUEUE = "queue"
    PERSONAL_SEARCH = "personal data search"  # exact match by ID number, phone or name
    SUPERVISION = "supervision figures"
    ACCESS_LOG = "the access log"
    PROJECTIONS = "the read models' progress"
    DOSSIER = "a case's dossier"
    LEDGER_EXPORT = "the ledger export"
    CHANGES = "the change feed"  # the events of the cases in reach, in log order
    DELIVERIES = "webhook deliveries"  # of the caller's subscriptions (who reads every case: all)


GATE_ROLES: dict[ReadGate, frozenset[Role]] = {
    ReadGate.CASE: ALL_ROLES,
    ReadGate.CASES: ALL_ROLES,
    ReadGate.QUEUE: ALL_ROLES,
    # Only roles that ever see personal data whole may search by it; within them, only the cases
    # they see whole can match (see `whole_view`).
    ReadGate.PERSONAL_SEARCH: frozenset({Role.LEGAL, Role.CLERK, Role.HANDLER}),
    ReadGate.SUPERVISION: frozenset({Role.TASKFORCE, Role.AUDITOR, Role.LEGAL}),
    ReadGate.ACCESS_LOG: frozenset({Role.AUDITOR, Role.TASKFORCE, Role.LEGAL}),
    ReadGate.PROJECTIONS: ALL_ROLES,
    ReadGate.DOSSIER: frozenset({Role.LEGAL, Role.AUDITOR, Role.TASKFORCE, Role.CLERK, Role.HANDLER}),
    ReadGate.LEDGER_EXPORT: frozenset({Role.LEGAL, Role.AUDITOR, Role.TASKFORCE}),
    ReadGate.CHANGES: ALL_ROLES,
    ReadGate.DELIVERIES: frozenset({Role.INTEGRATOR, Role.TASKFORCE, Role.AUDITOR, Role.LEGAL}),
}

REFUSALS: dict[ReadGate, str] = {
    ReadGate.PERSONAL_SEARCH: "searching by personal data is for roles that may see it",
    ReadGate.SUPERVISION: "supervision figures are for the task-force office, auditors and legal staff",
    ReadGate.ACCESS_LOG: "the access log is for auditors, the task-force office and legal staff",
    ReadGate.LEDGER_EXPORT: "the ledger export is for legal staff, auditors and the task-force office",
    ReadGate.DELIVERIES: "deliveries are for the subscribing integrator and the roles that read every case",
}


def refusal(actor: Actor, gate: ReadGate) -> str:
    return REFUSALS.get(gate, f"role {actor.role} may not read {gate.value}")


@dataclass(frozen=True)
class Reach:
    """Which cases a caller may see, as SQL over rm_cases: everything, the cases of a unit, or the
    cases an integrator registered for its unit."""

    everything: bool = False
    unit: str | None = None
    registered_by: str | None = None

    def sql(self) -> tuple[str, list[Any]]:
        if self.everything:
            return "1 = 1", []
        if self.registered_by is not None:
            # An integrator files for one unit: its reach is its subject within that unit.
            return ("registered_by = ? AND registered_role = 'integrator' AND accepting_unit = ?",
                    [self.registered_by, self.unit])
        if self.unit is not None:
            return "units LIKE ? ESCAPE '\\'", [unit_pattern(self.unit)]
        return "1 = 0", []


RISK_UNIT = "police"  # sees every case flagged MEDIUM or higher in the risk queue (三(二)8)


def queue_reach_of(actor: Actor, kind: str) -> Reach:
    """A queue's reach: the caller's, except that the risk queue shows the police unit every case
    flagged MEDIUM or higher (domain.md, "Risk"); reading such a case still needs the usual reach
    (a HIGH flag gives it)."""
    if kind == "RISK" and actor.role in (Role.CLERK, Role.HANDLER) and actor.unit == RISK_UNIT:
        return Reach(everything=True)
    return reach_of(actor)


def reach_of(actor: Actor) -> Reach:
    if actor.role in READ_ALL_ROLES:
        return Reach(everything=True)
    if actor.role in UNIT_ROLES and actor.unit:
        return Reach(unit=actor.unit)
    if actor.role == Role.INTEGRATOR and actor.unit:
        return Reach(registered_by=actor.subject, unit=actor.unit)
    return Reach()


@dataclass(frozen=True)
class WholeView:
    """The cases whose personal data a caller sees whole, as SQL over rm_cases (the same rule as
    `access.may_unmask`): every case for legal staff, the cases its unit accepted or handles for
    a clerk or handler, none for anyone else."""

    everything: bool = False
    unit: str | None = None

    def sql(self) -> tuple[str, list[Any]]:
        if self.everything:
            return "1 = 1", []
        if self.unit is not None:
            return "(accepting_unit = ? OR handling_unit = ?)", [self.unit, self.unit]
        return "1 = 0", []


def whole_view_of(actor: Actor) -> WholeView:
    if actor.role == Role.LEGAL:
        return WholeView(everything=True)
    if actor.role in UNIT_ROLES and actor.unit:
        return WholeView(unit=actor.unit)
    return WholeView()
