"""The read side of one process: read-model store, projection runner, access log, masking."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec

from application.access import may_read, may_unmask
from application.privacy import Privacy, PrivacyError
from domain.hashchain import GENESIS
from domain.values import Actor, OtherParty, Payer, Role
from infrastructure.projection_runner import ProjectionRunner
from infrastructure.readstore import ReadStore
from projections.case_view import CaseView
from projections.cases import ts
from projections.queries import Reach

log = logging.getLogger("fengqiao.reads")

ACCESS_LOG_DDL = {
    "sqlite": """CREATE TABLE IF NOT EXISTS access_log (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, subject TEXT NOT NULL, role TEXT NOT NULL,
        unit TEXT, case_number TEXT NOT NULL, fields TEXT NOT NULL, reason TEXT NOT NULL, hash TEXT NOT NULL)""",
    "postgresql": """CREATE TABLE IF NOT EXISTS access_log (
        id BIGINT PRIMARY KEY, at TEXT NOT NULL, subject TEXT NOT NULL, role TEXT NOT NULL,
        unit TEXT, case_number TEXT NOT NULL, fields TEXT NOT NULL, reason TEXT NOT NULL, hash TEXT NOT NULL)""",
}


class PartyValues(msgspec.Struct):
    kind: str
    name: str
    id_number: str
    phone: str
    unmasked: bool


class AccessEntry(msgspec.Struct):
    id: int
    at: str
    subject: str
    role: str
    unit: str | None
    case_number: str
    fields: list[str]
    reason: str


def access_link(previous: str, row: tuple[Any, ...]) -> str:
    """hash = SHA-256(previous hash, then each field of the entry), newline-separated."""
    text = "\n".join([previous, *("" if v is None else str(v) for v in row)])
    return hashlib.sha256(text.encode()).hexdigest()


class ReadSide:
    def __init__(
        self, store: ReadStore, runner: ProjectionRunner, privacy: Privacy, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.runner = runner
        self.privacy = privacy
        self.clock = clock
        with store.transaction() as cur:
            cur.execute(ACCESS_LOG_DDL[store.dialect])

    @staticmethod
    def reach(actor: Actor) -> Reach:
        if actor.role in (Role.TASKFORCE, Role.LEGAL, Role.AUDITOR, Role.SYSTEM):
            return Reach(everything=True)
        if actor.role in (Role.CLERK, Role.HANDLER) and actor.unit:
            return Reach(unit=actor.unit)
        if actor.role == Role.INTEGRATOR:
            return Reach(registered_by=actor.subject)
        return Reach()

    @staticmethod
    def can_read(actor: Actor, view: CaseView) -> bool:
        return may_read(
            actor,
            units_involved=view.units_involved,
            registered_by_subject=view.registered_by_subject,
            registered_by_role=view.registered_by_role,
        )

    def party(self, actor: Actor, view: CaseView, payer: Payer, fields: list[str], reason: str | None) -> PartyValues:
        """The payer as this caller may see it; every whole view is logged."""
        unmask = may_unmask(actor, accepting_unit=view.accepting_unit, handling_unit=view.handling_unit)
        sensitive = [f for f in fields if f in ("idNumber", "phone", "name")]
        if not unmask or not sensitive:
            return PartyValues(payer.kind.value, payer.name_masked, payer.id_number_masked, payer.phone_masked, False)
        try:
            id_number = self.privacy.decrypt(payer.id_number)
            phone = self.privacy.decrypt(payer.phone)
        except PrivacyError:
            log.error("cannot decrypt personal data of %s", view.case_number)
            return PartyValues(payer.kind.value, payer.name_masked, payer.id_number_masked, payer.phone_masked, False)
        why = reason or _default_reason(actor, view)
        self.log_access(actor, view.case_number, sensitive, why)
        return PartyValues(payer.kind.value, payer.name, id_number, phone, True)

    def other_party_contact(self, actor: Actor, view: CaseView, other: OtherParty, reason: str | None) -> str | None:
        if other.contact is None:
            return None
        if not may_unmask(actor, accepting_unit=view.accepting_unit, handling_unit=view.handling_unit):
            return other.contact_masked
        try:
            contact = self.privacy.decrypt(other.contact)
        except PrivacyError:
            return other.contact_masked
        self.log_access(actor, view.case_number, ["otherParty.contact"], reason or _default_reason(actor, view))
        return contact

    def log_access(self, actor: Actor, case_number: str, fields: list[str], reason: str) -> None:
        """Append one entry, chained to the previous one so that removing or editing any shows."""
        with self.store.transaction() as cur:
            if self.store.dialect == "postgresql":
                cur.execute("LOCK TABLE access_log IN EXCLUSIVE MODE")
            cur.execute("SELECT id, hash FROM access_log ORDER BY id DESC LIMIT 1")
            last = cur.fetchone()
            entry_id, previous = (1, GENESIS) if last is None else (int(last[0]) + 1, str(last[1]))
            row = (entry_id, ts(self.clock()), actor.subject, actor.role.value, actor.unit, case_number,
                   ",".join(sorted(fields)), reason)
            cur.execute(
                "INSERT INTO access_log (id, at, subject, role, unit, case_number, fields, reason, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*row, access_link(previous, row)),
            )

    def access_log(
        self, *, start: datetime | None, end: datetime | None, case_number: str | None, limit: int = 1000
    ) -> list[AccessEntry]:
        clauses, args = ["1 = 1"], []  # type: ignore[var-annotated]
        if start is not None:
            clauses.append("at >= ?")
            args.append(ts(start))
        if end is not None:
            clauses.append("at <= ?")
            args.append(ts(end))
        if case_number is not None:
            clauses.append("case_number = ?")
            args.append(case_number)
        with self.store.transaction(readonly=True) as cur:
            cur.execute(
                f"SELECT id, at, subject, role, unit, case_number, fields, reason FROM access_log "  # noqa: S608
                f"WHERE {' AND '.join(clauses)} ORDER BY id LIMIT ?",
                [*args, limit],
            )
            rows = cur.fetchall()
        return [AccessEntry(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6].split(",") if r[6] else [], r[7]) for r in rows]

    def query(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.store.transaction(readonly=True) as cur:
            return fn(cur, *args, **kwargs)

    def close(self) -> None:
        self.runner.stop()
        self.store.close()


def _default_reason(actor: Actor, view: CaseView) -> str:
    if actor.role == Role.LEGAL:
        return "legal review"
    if actor.unit == view.handling_unit:
        return "handling unit"
    return "accepting unit (first-contact responsibility)"


__all__ = ["AccessEntry", "PartyValues", "ReadSide"]
