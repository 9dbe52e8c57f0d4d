"""The read side as the interfaces see it: the one read policy of the application.

Who may read what (every role gate of a read, application/read_gates.py), which cases a caller
reaches (and the SQL of it), which personal data it sees whole, the access log, the bounds on
personal-data searches and on read-your-writes waits: all decided here, once, for every read path
(GraphQL, the console, the dossier, the ledger export, the REST dossier download). The interfaces
ask and translate; tests/interfaces/test_read_policy.py walks every read path and proves it.
The read models and the access log are reached through ports that the infrastructure implements.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

import msgspec

from application.access import may_read, may_unmask
from application.bounds import query_day
from application.errors import DisputeNotFound, Forbidden
from application.event_codec import decode_event
from application.privacy import DESTROYED, CaseKeyDestroyed, Privacy
from application.read_gates import GATE_ROLES, Reach, ReadGate, queue_reach_of, reach_of, refusal, whole_view_of
from application.read_limits import ConsistencyWaits, SearchBudget
from domain.identifiers import mask_name
from domain.values import Actor, OtherParty, Payer, Role, is_individual
from projections import feeds
from projections import queries as q
from projections import supervision as sv
from projections.case_view import CaseView, fold
from projections.queries import RECORDED, TimelineRow, timeline_rows

log = logging.getLogger("fengqiao.reads")

SEARCH_ENTRY = "-"  # the access log's case number for a search, which names no case


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
    def positions(self) -> dict[str, int]: ...
    def head(self) -> int: ...
    def hurry(self) -> None: ...
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


class OtherPartyValues(msgspec.Struct):
    name: str  # masked like the payer's when the other party is a private person
    kind: str | None
    contact: str | None
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
        *,
        searches: SearchBudget | None = None,
    ) -> None:
        self.store = store
        self.runner = runner
        self.access = access
        self.privacy = privacy
        self.clock = clock
        self.searches = searches or SearchBudget()
        self.waits = ConsistencyWaits(
            head=lambda: asyncio.to_thread(runner.head),
            position=lambda: asyncio.to_thread(lambda: min(runner.positions().values(), default=0)),
            hurry=runner.hurry,
        )

    # --- who may read what ---------------------------------------------------------------

    def admit(self, actor: Actor, gate: ReadGate) -> None:
        """Every read asks this first: the role's gate for this kind of read (403 otherwise)."""
        if actor.role not in GATE_ROLES[gate]:
            raise Forbidden(refusal(actor, gate))

    @staticmethod
    def may(actor: Actor, gate: ReadGate) -> bool:
        """Whether the role passes a gate (for an interface that offers the read or not)."""
        return actor.role in GATE_ROLES[gate]

    @staticmethod
    def reach(actor: Actor) -> Reach:
        return reach_of(actor)

    def reads_everything(self, actor: Actor) -> bool:
        return reach_of(actor).everything

    @staticmethod
    def sees_all_whole(actor: Actor) -> bool:
        """Whether the caller sees every case's personal data whole (legal staff)."""
        return whole_view_of(actor).everything

    def queue_units(self, actor: Actor, units: Sequence[str]) -> list[str]:
        """The units whose queues a caller is shown: every one to those who read everything."""
        if reach_of(actor).everything:
            return list(units)
        return [actor.unit] if actor.unit and actor.role != Role.INTEGRATOR else []

    @staticmethod
    def can_read(actor: Actor, view: CaseView) -> bool:
        return may_read(
            actor,
            units_involved=view.units_involved,
            registered_by_subject=view.registered_by_subject,
            registered_by_role=view.registered_by_role,
            accepting_unit=view.accepting_unit,
        )

    # --- cases -----------------------------------------------------------------------------

    def scoped(self, actor: Actor, gate: ReadGate, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A read-model question asked for a caller: its gate first, then `fn(cursor, *args,
        reach, **kwargs)` with the caller's reach as the last positional argument (the form of
        the projections' queries)."""
        self.admit(actor, gate)
        return self.query(fn, *args, reach_of(actor), **kwargs)

    def cases_by_number(self, actor: Actor, numbers: list[str]) -> dict[str, CaseView]:
        """The cases of these numbers within the caller's reach (others are simply absent)."""
        found: dict[str, CaseView] = self.scoped(actor, ReadGate.CASE, q.find_cases, numbers)
        return found

    def find(self, actor: Actor, ref: str, gate: ReadGate = ReadGate.CASE) -> CaseView | None:
        """One case by its id or number, when within the caller's reach."""
        self.admit(actor, gate)
        text = ref.strip()
        reach = reach_of(actor)
        view: CaseView | None
        try:
            view = self.query(q.find_case, case_id=str(UUID(text)), reach=reach)
        except ValueError:
            view = self.query(q.find_case, case_number=text.upper(), reach=reach)
        return view if view is not None and self.can_read(actor, view) else None

    def search(
        self,
        actor: Actor,
        criteria: q.CaseFilter,
        *,
        id_number: str | None = None,
        name: str | None = None,
        first: int,
        after: str | None,
        now: datetime,
        **options: Any,
    ) -> q.Page:
        """A page of cases in reach, newest intake first. An exact match by the payer's ID number
        or name is for roles that see personal data, is counted against the caller's budget,
        logged (its keyed digest, never the value), and matches only the cases whose personal
        data the caller sees whole: a masked case never changes what it answers."""
        self.admit(actor, ReadGate.CASES)
        if id_number is not None or name is not None:
            self.admit(actor, ReadGate.PERSONAL_SEARCH)
            self.searches.spend(actor)
            criteria.personal_scope = whole_view_of(actor)
            if id_number is not None:
                criteria.id_digest = self.privacy.digest(id_number)
                self._log_search(actor, "payerIdNumber", criteria.id_digest)
            if name is not None:
                criteria.payer_name = self.privacy.name_keys(name.strip())
                self._log_search(actor, "payerName", self.privacy.digest(name.strip()))
        page: q.Page = self.query(q.list_cases, criteria, reach_of(actor), first=first, after=after, now=now, **options)
        return page

    def all_received(self, actor: Actor, criteria: q.CaseFilter, now: datetime, gate: ReadGate) -> list[CaseView]:
        """Every case in reach matching `criteria` (no personal-data criteria), in intake order."""
        self.admit(actor, gate)
        views: list[CaseView] = []
        after: str | None = None
        while True:
            page = self.query(q.list_cases, criteria, reach_of(actor), first=q.MAX_PAGE, after=after, now=now)
            views += page.views
            if not page.has_next:
                break
            after = page.end_cursor
        views.sort(key=lambda v: (v.received_at, v.case_number))
        return views

    def queue(self, actor: Actor, unit: str, kind: str, now: datetime, **page: Any) -> Any:
        """A unit's queue within the caller's reach (`page`: the projection's paging arguments)."""
        self.admit(actor, ReadGate.QUEUE)
        return self.query(q.queue, unit, kind, queue_reach_of(actor, kind), now, **page)

    def supervision(self, actor: Actor, start: date, end: date, now: datetime) -> sv.SupervisionReport:
        self.admit(actor, ReadGate.SUPERVISION)
        query_day(start, "from")
        query_day(end, "to")
        if end < start:
            raise ValueError("to: must not be before from")
        report: sv.SupervisionReport = self.query(sv.supervision, start, end, now)
        return report

    def deliveries(self, actor: Actor, **page: Any) -> Any:
        """Webhook deliveries: an integrator's own subscriptions', every one for the others let in."""
        self.admit(actor, ReadGate.DELIVERIES)
        owner = (actor.subject, actor.role.value) if actor.role == Role.INTEGRATOR else None
        return self.query(feeds.delivery_page, owner=owner, **page)

    def projections(self, actor: Actor) -> dict[str, Any]:
        self.admit(actor, ReadGate.PROJECTIONS)
        return self.runner.status()

    async def wait_for_position(self, actor: Actor, position: int, timeout: float) -> bool:
        """Read-your-writes: wait (without holding a thread) until the read models have processed
        `position`; beyond the store's head is refused at once, and waits per caller are few."""
        if position <= 0:
            return True
        return await self.waits.wait(actor, position, timeout)

    # --- personal data -------------------------------------------------------------------

    def party(self, actor: Actor, view: CaseView, payer: Payer, fields: list[str], reason: str | None) -> PartyValues:
        """The payer as this caller may see it; every whole view is logged. A case whose key was
        destroyed reads 已销毁; one whose key is missing raises PersonalDataUnavailable."""
        if view.shredded:
            return PartyValues(payer.kind.value, DESTROYED, DESTROYED, DESTROYED, False)
        unmask = may_unmask(actor, accepting_unit=view.accepting_unit, handling_unit=view.handling_unit)
        sensitive = [f for f in fields if f in ("idNumber", "phone", "name")]
        if not unmask or not sensitive:
            return PartyValues(payer.kind.value, payer.name_masked, payer.id_number_masked, payer.phone_masked, False)
        case_id = UUID(view.id)
        try:
            name = self.privacy.open(case_id, payer.name)
            id_number = self.privacy.open(case_id, payer.id_number)
            phone = self.privacy.open(case_id, payer.phone)
        except CaseKeyDestroyed:
            return PartyValues(payer.kind.value, DESTROYED, DESTROYED, DESTROYED, False)
        why = reason or _default_reason(actor, view)
        self.log_access(actor, view.case_number, sensitive, why)
        return PartyValues(payer.kind.value, name, id_number, phone, True)

    def other_party(
        self, actor: Actor, view: CaseView, other: OtherParty, reason: str | None, *, contact: bool = True
    ) -> OtherPartyValues:
        """The other party as this caller may see it: an individual's name masked like the
        payer's, the contact masked; whole only for a role that may see them (logged)."""
        individual = other.name_masked is not None or is_individual(other.kind)
        if view.shredded:
            return OtherPartyValues(
                DESTROYED if individual else other.name, other.kind, None if other.contact is None else DESTROYED, False
            )
        masked_name = other.name_masked or (mask_name(other.name) if individual else other.name)
        unmask = may_unmask(actor, accepting_unit=view.accepting_unit, handling_unit=view.handling_unit)
        fields = (["otherParty.name"] if individual else []) + (
            ["otherParty.contact"] if contact and other.contact is not None else []
        )
        if not unmask or not fields:
            return OtherPartyValues(masked_name, other.kind, other.contact_masked if contact else None, False)
        case_id = UUID(view.id)
        try:
            name = self.privacy.open(case_id, other.name)
            whole = None if not contact or other.contact is None else self.privacy.open(case_id, other.contact)
        except CaseKeyDestroyed:
            return OtherPartyValues(DESTROYED if individual else other.name, other.kind, DESTROYED, False)
        self.log_access(actor, view.case_number, fields, reason or _default_reason(actor, view))
        return OtherPartyValues(name, other.kind, whole, True)

    def other_party_contact(self, actor: Actor, view: CaseView, other: OtherParty, reason: str | None) -> str | None:
        """The other party's contact alone, as this caller may see it (a whole view logged)."""
        return self.other_party(actor, view, other, reason).contact

    def log_access(self, actor: Actor, case_number: str, fields: list[str], reason: str) -> None:
        self.access.append(self.clock(), actor, case_number, fields, reason)

    def _log_search(self, actor: Actor, field: str, digest: str) -> None:
        """A personal-data search is itself logged: who, when, which field and the keyed digest
        of what was sought (never the value); the entry names no case."""
        self.log_access(actor, SEARCH_ENTRY, [f"search.{field}"], f"exact-match search; digest {digest}")

    def access_log(
        self,
        actor: Actor,
        *,
        start: datetime | None,
        end: datetime | None,
        case_number: str | None,
        limit: int = 1000,
    ) -> list[AccessEntry]:
        self.admit(actor, ReadGate.ACCESS_LOG)
        return self.access.entries(start=start, end=end, case_number=case_number, limit=limit)

    def query(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.store.transaction(readonly=True) as cur:
            return fn(cur, *args, **kwargs)

    def timeline(
        self, actor: Actor, view: CaseView, as_of: datetime | None, *, with_state: bool, axis: str = RECORDED
    ) -> CaseTimeline:
        """The case's events up to `as_of` (a recording instant, or an act time on the ACTED axis;
        all of them without one) and, `with_state`, the case as it stood after the last of them."""
        self.admit(actor, ReadGate.CASE)
        if not self.can_read(actor, view):
            raise DisputeNotFound(view.case_number)
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


__all__ = ["AccessEntry", "AccessLogStore", "CaseTimeline", "OtherPartyValues", "PartyValues", "ProjectionProgress", "ReadModelStore", "ReadSide"]
