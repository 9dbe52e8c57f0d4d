"""The read side as the interfaces see it: reach, masking, the access log, and the read models.

Who may see which case, and which of its personal data whole, is decided here, once, for
every read path (GraphQL, the console, the dossier, the ledger export). The read models and the
access log are reached through ports that the infrastructure implements.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import msgspec

from application.access import may_read, may_unmask
from application.event_codec import decode_event
from application.privacy import Privacy, PrivacyError
from domain.values import Actor, OtherParty, Payer, Role
from projections.case_view import CaseView, fold
from projections.queries import RECORDED, Reach, TimelineRow, timeline_rows

log = logging.getLogger("fengqiao.reads")


class ReadCursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def fetchone(self) -> tuple[Any, ...] | None: ...
    def fetchall(self) -> list[tuple[Any, ...]]: ...


class ReadModelStore(Protocol):
    """The read-model database (a port: SQLite or PostgreSQL in the infrastructure)."""

    dialect: str

    def transaction(self, readonly: bool = False) -> AbstractContextManager[Any]: ...
    def close(self) -> None: ...


class ProjectionProgress(Protocol):
    """The projection runner, as readers need it: how far the read models are."""

    @property
    def leading(self) -> bool: ...
    @property
    def running(self) -> bool: ...
    def wait_for(self, position: int, timeout: float) -> bool: ...
    def status(self) -> dict[str, Any]: ...
    def catch_up(self, timeout: float = 60.0, *, rebuilding: bool = False) -> None: ...
    def wake(self) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...


class AccessEntry(msgspec.Struct):
    id: int
    at: str
    subject: str
    role: str
    unit: str | None
    case_number: str
    fields: list[str]
    reason: str


class AccessLogStore(Protocol):
    """The hash-chained log of whole views of personal data (a port)."""

    def append(self, at: datetime, actor: Actor, case_number: str, fields: list[str], reason: str) -> None: ...
    def entries(
        self, *, start: datetime | None, end: datetime | None, case_number: str | None, limit: int
    ) -> list[AccessEntry]: ...


class PartyValues(msgspec.Struct):
    kind: str
    name: str
    id_number: str
    phone: str
    unmasked: bool


@dataclass(frozen=True)
class CaseTimeline:
    """A case's events in version order, and the case as it stood after the last of them."""

    rows: list[TimelineRow]
    events: list[Any] | None  # the rows decoded, when the state was folded from them
    state: CaseView | None  # None when not asked for (or no event was recorded by then)


class ReadSide:
    def __init__(
        self,
        store: ReadModelStore,
        runner: ProjectionProgress,
        access: AccessLogStore,
        privacy: Privacy,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.runner = runner
        self.access = access
        self.privacy = privacy
        self.clock = clock

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
        self.access.append(self.clock(), actor, case_number, fields, reason)

    def access_log(
        self, *, start: datetime | None, end: datetime | None, case_number: str | None, limit: int = 1000
    ) -> list[AccessEntry]:
        return self.access.entries(start=start, end=end, case_number=case_number, limit=limit)

    def query(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.store.transaction(readonly=True) as cur:
            return fn(cur, *args, **kwargs)

    def timeline(
        self, view: CaseView, as_of: datetime | None, *, with_state: bool, axis: str = RECORDED
    ) -> CaseTimeline:
        """The case's events up to `as_of` (a recording instant, or an act time on the ACTED axis;
        all of them without one) and, `with_state`, the case as it stood after the last of them."""
        rows: list[TimelineRow] = self.query(timeline_rows, view.id, as_of, axis)
        if as_of is None and rows and rows[-1].version == view.version:
            # The read-model view is the same fold of the same events: nothing to fold.
            return CaseTimeline(rows, None, view)
        if not with_state:
            return CaseTimeline(rows, None, None)
        events = [decode_event(row.topic, row.state) for row in rows]
        state: CaseView | None = None
        for event in events:
            state = fold(state, event)
        return CaseTimeline(rows, events, state)

    def close(self) -> None:
        self.runner.stop()
        self.store.close()


def _default_reason(actor: Actor, view: CaseView) -> str:
    if actor.role == Role.LEGAL:
        return "legal review"
    if actor.unit == view.handling_unit:
        return "handling unit"
    return "accepting unit (first-contact responsibility)"


__all__ = ["AccessEntry", "AccessLogStore", "CaseTimeline", "PartyValues", "ProjectionProgress", "ReadModelStore", "ReadSide"]
