"""The use cases: load → decide → save, returning plain values.

Every command goes through `_act` (or `register`), which checks the caller's reach, runs the
aggregate's decision, and saves the events together with the caller's idempotency key in one
transaction. Library errors become the project's own.
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any, Protocol
from uuid import UUID, uuid4

import msgspec
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, PersistenceError

from application import access
from application import commands as cmd
from application.errors import (
    ConcurrencyConflict,
    DisputeNotFound,
    DomainError,
    Forbidden,
    IdempotencyInProgress,
    IdempotencyMismatch,
    InvalidCommand,
    StoreUnavailable,
)
from application.privacy import Privacy
from application.statutory_holidays import STATUTORY_HOLIDAYS
from domain import identifiers as ids
from domain.calendar import SHANGHAI, OfficialCalendar, YearSchedule
from domain.dispute import Dispute, project_dispute, take_snapshot
from domain.errors import CommandRejected
from domain.reference import (
    CALENDAR_ID,
    UNITS_ID,
    CaseNumberIssued,
    UnitAdded,
    YearScheduleLoaded,
    case_number,
    dispute_id_for,
    sequence_id_for,
)
from domain.values import (
    BUILTIN_UNITS,
    Actor,
    Attendee,
    OtherParty,
    Payer,
    PayerKind,
    Role,
    parse_township,
)

SNAPSHOT_INTERVAL = 50
CASE_CACHE_SIZE = 4096  # recently commanded cases whose state is kept between commands
STORE_ATTEMPTS = 3  # a command whose connection failed is tried again this many times in all
STORE_RETRY_WAIT = 0.1
BREAKER_SECONDS = 1.0
FIRST_INTAKE_YEAR = 2019  # the unified collection mode (统模式) began
REGISTRATION_ATTEMPTS = 200
REFERENCE_REFRESH_SECONDS = 5.0
IDEMPOTENCY_RETENTION = timedelta(days=30)
SYSTEM = Actor(subject="fengqiao", role=Role.SYSTEM)


class IdempotencyKey(msgspec.Struct, frozen=True):
    key: str
    request_hash: str


class IdempotencyRecord(msgspec.Struct, frozen=True):
    """What the store keeps with the events: the caller's key, the hash of its request, and the
    answer to replay (without "position", which the store fills in from the notification ids)."""

    scope: str
    key: str
    request_hash: str
    response: dict[str, Any]
    created_at: datetime


class _CommandTransaction(Protocol):
    snapshot: Any
    events: list[Any]

    def events_after(self, originator_id: UUID, version: int) -> list[Any]: ...
    def insert(self, stored_events: list[Any], idempotency: IdempotencyRecord | None) -> list[int]: ...


class _Recorder(Protocol):
    def command_transaction(
        self, originator_id: UUID, *, after: int | None, snapshots_table: str
    ) -> AbstractContextManager[_CommandTransaction]: ...
    def recover(self) -> None: ...
    def lookup_idempotency(self, scope: str, key: str) -> Any: ...
    def find_event(self, originator_id: UUID, version: int) -> tuple[int, bytes] | None: ...
    def purge_idempotency(self, before: datetime) -> int: ...


class _CaseStates:
    """The state of recently commanded cases after their last command here, encoded: each use
    decodes its own copy, so a command that fails half-way cannot leave a changed state behind.
    Entries are never trusted as current; a command reads what was recorded after them."""

    def __init__(self, maxsize: int) -> None:
        self._items: OrderedDict[UUID, tuple[int, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._maxsize = maxsize

    def get(self, dispute_id: UUID) -> tuple[int, bytes] | None:
        with self._lock:
            item = self._items.get(dispute_id)
            if item is not None:
                self._items.move_to_end(dispute_id)
            return item

    def put(self, dispute_id: UUID, version: int, state: bytes) -> None:
        with self._lock:
            current = self._items.get(dispute_id)
            if current is not None and current[0] >= version:
                return  # a later state was put by a concurrent command
            self._items[dispute_id] = (version, state)
            self._items.move_to_end(dispute_id)
            if len(self._items) > self._maxsize:
                self._items.popitem(last=False)


_state_decoder = msgspec.json.Decoder(Dispute)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Fengqiao(Application[UUID]):
    """The application façade for every command of the mechanism."""

    name = "Fengqiao"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        privacy: Privacy,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(env)
        self.privacy = privacy
        self.clock = clock
        self._in_flight_keys: set[tuple[str, str]] = set()
        self._in_flight_lock = threading.Lock()
        self._reference_lock = threading.Lock()
        self._units: dict[str, str] = dict(BUILTIN_UNITS)
        self._units_version = 0
        self._calendar = OfficialCalendar.shipped(STATUTORY_HOLIDAYS)
        self._calendar_version = 0
        self._reference_checked = 0.0
        self.listeners: list[Callable[[], None]] = []  # told after every save (wakes projections)
        self._down_until = 0.0
        self._states = _CaseStates(CASE_CACHE_SIZE)
        self._snapshots_table = self.snapshots.recorder.events_table_name if self.snapshots else ""  # type: ignore[attr-defined]

    def _notify(self, recordings: list[Any]) -> None:
        super()._notify(recordings)
        for listener in self.listeners:
            listener()

    @property
    def store(self) -> _Recorder:
        return self.recorder  # type: ignore[return-value]

    # --- reference data -----------------------------------------------------------------

    def units(self) -> dict[str, str]:
        self._refresh_reference()
        return dict(self._units)

    def calendar(self) -> OfficialCalendar:
        self._refresh_reference()
        return self._calendar

    def _refresh_reference(self, force: bool = False, read: Callable[[UUID, int], list[Any]] | None = None) -> None:
        now = time.monotonic()
        if not force and now - self._reference_checked < REFERENCE_REFRESH_SECONDS:
            return
        events_after = self._events_after
        if read is not None:
            def events_after(originator_id: UUID, version: int) -> list[Any]:
                return [self.mapper.to_domain_event(s) for s in read(originator_id, version)]
        with self._reference_lock:
            for event in events_after(UNITS_ID, self._units_version):
                self._units[event.code] = event.name
                self._units_version = event.originator_version
            for event in events_after(CALENDAR_ID, self._calendar_version):
                self._calendar = self._calendar.with_year(event.schedule)
                self._calendar_version = event.originator_version
            self._reference_checked = now

    def _calendar_moved(self, used: OfficialCalendar, read: Callable[[UUID, int], list[Any]] | None = None) -> bool:
        """Refresh the cached reference data now (through `read`, a command's own transaction,
        when given); True if the calendar changed since `used`."""
        self._refresh_reference(force=True, read=read)
        return self._calendar.version != used.version

    def _events_after(self, originator_id: UUID, version: int) -> list[Any]:
        return list(self.events.get(originator_id, gt=version))

    def _unit(self, field: str, code: str) -> str:
        if code not in self._units:
            self._refresh_reference(force=True)
        if code not in self._units:
            known = ", ".join(sorted(self._units))
            raise InvalidCommand(field, f"unknown unit {code!r}; known units: {known}")
        return code

    def add_unit(self, command: cmd.AddUnit, actor: Actor) -> dict[str, str]:
        if actor.role != Role.TASKFORCE:
            raise Forbidden("only the task force adds member units (item 三(一))")
        now = self.clock()
        self._refresh_reference(force=True)
        if command.code in self._units:
            raise CommandRejected("active", f"unit {command.code!r} exists already")
        event = UnitAdded(
            originator_id=UNITS_ID,
            originator_version=self._units_version + 1,
            timestamp=now,
            actor=actor,
            code=command.code,
            name=command.name,
        )
        try:
            self.save(event)
        except IntegrityError:
            raise ConcurrencyConflict("active") from None
        self._refresh_reference(force=True)
        return {"code": command.code, "name": command.name}

    def load_calendar_years(
        self, schedules: list[YearSchedule], actor: Actor = SYSTEM, candidates: list[str] | None = None
    ) -> dict[str, Any]:
        """Record newly published holiday notices, then recompute provisional deadlines: of the
        `candidates` (case numbers the read side knows to hold provisional deadlines) when given,
        else of the cases received in or just before the loaded years."""
        self._refresh_reference(force=True)
        loaded: list[int] = []
        for schedule in schedules:
            current = self._calendar.with_year(schedule)
            if current.version == self._calendar.version:
                continue
            event = YearScheduleLoaded(
                originator_id=CALENDAR_ID,
                originator_version=self._calendar_version + 1,
                timestamp=self.clock(),
                actor=actor,
                schedule=schedule,
            )
            try:
                self.save(event)
            except IntegrityError:
                # Another instance loaded a notice at the same moment; look again.
                self._refresh_reference(force=True)
                if self._calendar.with_year(schedule).version == self._calendar.version:
                    continue
                raise ConcurrencyConflict("active") from None
            self._refresh_reference(force=True)
            loaded.append(schedule.year)
        recomputed: list[str] = []
        if loaded and candidates is not None:
            recomputed = self.recompute_cases(candidates)
        elif loaded:
            recomputed = self.recompute_provisional_deadlines(years=loaded)
        return {"loaded_years": loaded, "recomputed_cases": recomputed, "calendar": self._calendar.version}

    def recompute_provisional_deadlines(self, *, years: list[int]) -> list[str]:
        # A handling deadline runs from the transfer, which can come years after intake, so every
        # intake year since the unified collection mode (2019) up to the loaded years is scanned.
        refs = [
            issued.case_number
            for year in range(FIRST_INTAKE_YEAR, max(years) + 1)
            for issued in self._events_after(sequence_id_for(year), 0)
        ]
        return self.recompute_cases(refs)

    def recompute_case_deadlines(self, ref: str) -> bool:
        """Recompute one case's provisional deadlines against the current calendar; True if recorded."""
        return bool(self.recompute_cases([ref]))

    def recompute_cases(self, refs: list[str]) -> list[str]:
        """Recompute the provisional deadlines of these cases; the case numbers that changed."""
        self._refresh_reference(force=True)  # once for the batch: another instance may have loaded a year
        return [ref for ref in refs if self._recompute(ref)]

    def _recompute(self, ref: str) -> bool:
        for _ in range(5):
            dispute = self._get(self._resolve(ref))
            if not dispute.has_provisional_deadlines():
                return False
            dispute.begin_command(uuid4())
            if not dispute.recompute_deadlines(calendar=self._calendar, actor=SYSTEM, now=self.clock()):
                return False
            try:
                self._save_dispute(dispute)
                return True
            except IntegrityError:
                continue
        return False

    # --- registration -------------------------------------------------------------------

    def register(
        self, command: cmd.RegisterDispute, actor: Actor, idempotency: IdempotencyKey | None = None
    ) -> cmd.CommandResult:
        return self._register(command, actor, idempotency, imported=False)

    def _register(
        self, command: cmd.RegisterDispute, actor: Actor, idempotency: IdempotencyKey | None, *, imported: bool
    ) -> cmd.CommandResult:
        access.check_register(actor, command.accepting_unit)
        return self._idempotently(
            actor, idempotency, lambda: self._register_once(command, actor, idempotency, imported=imported)
        )

    def _register_once(
        self, command: cmd.RegisterDispute, actor: Actor, idempotency: IdempotencyKey | None, *, imported: bool
    ) -> cmd.CommandResult:
        now = self.clock()
        received_at = _aware("received_at", command.received_at)
        default_at = received_at if imported else now
        at = _aware("at", command.at) if command.at is not None else default_at
        self._unit("accepting_unit", command.accepting_unit)
        payer = self._payer(command.payer)
        township = None
        if command.township is not None:
            try:
                township = parse_township(command.township)
            except ValueError as e:
                raise InvalidCommand("township", str(e)) from None
        other_party = self._other_party(command.other_party)
        year = received_at.astimezone(SHANGHAI).year
        calendar = self.calendar()
        for attempt in range(REGISTRATION_ATTEMPTS):
            command_id = uuid4()
            sequence = self._last_sequence(year) + 1
            number = case_number(year, sequence)
            dispute = Dispute.register(
                dispute_id=dispute_id_for(number),
                case_number=number,
                channel=command.channel,
                received_at=received_at,
                accepting_unit=command.accepting_unit,
                payer=payer,
                category=command.category,
                summary=command.summary,
                other_party=other_party,
                external_ref=command.external_ref,
                insurance_types=tuple(dict.fromkeys(command.insurance_types)),
                people_involved=command.people_involved,
                township=township,
                actor=actor,
                at=at,
                now=now,
                calendar=calendar,
                imported=imported,
                command_id=command_id,
            )
            if dispute.has_provisional_deadlines() and self._calendar_moved(calendar):
                calendar = self._calendar  # a missing year's notice arrived meanwhile
                continue
            issued = CaseNumberIssued(
                originator_id=sequence_id_for(year),
                originator_version=sequence,
                timestamp=now,
                case_number=number,
                dispute_id=dispute.id,
                command_id=command_id,
            )
            pending = dispute.collect_events()
            try:
                position = self._store_events([*pending, issued], actor, idempotency, dispute)
            except IntegrityError:
                landed = self._landed(issued)
                if landed is not None:
                    return self._result(dispute, landed)
                if idempotency is not None:
                    stored = self.store.lookup_idempotency(idempotency_scope(actor), idempotency.key)
                    if stored is not None:
                        return self._replay(stored, idempotency)
                # Another registration took this number: take the next one.
                time.sleep(random.uniform(0, 0.002 * min(attempt + 1, 20)))  # noqa: S311 - jitter, not a secret
                continue
            return self._result(dispute, position)
        raise StoreUnavailable("could not allocate a case number under contention; retry")

    def import_case(
        self, command: cmd.RegisterDispute, actor: Actor, idempotency: IdempotencyKey | None = None
    ) -> cmd.CommandResult:
        """Register a historical case from an intake ledger (台账): as `register`, but the intake is
        dated at its received time unless `at` says otherwise, and DisputeRegistered is marked `imported`."""
        return self._register(command, actor, idempotency, imported=True)

    def _last_sequence(self, year: int) -> int:
        last = self.recorder.select_events(sequence_id_for(year), desc=True, limit=1)
        return last[0].originator_version if last else 0

    def _other_party(self, other: str | cmd.OtherPartyInput | None) -> OtherParty | None:
        if other is None:
            return None
        if isinstance(other, str):
            return OtherParty(name=other.strip())
        contact = masked = None
        if other.contact is not None and other.contact.strip():
            text = other.contact.strip()
            try:
                text = ids.parse_phone(text)
                masked = ids.mask_phone(text)
            except ids.InvalidIdentifier:
                masked = ids.mask_name(text)  # an address or e-mail: keep only its first character
            contact = self.privacy.encrypt(text)
        return OtherParty(name=other.name.strip(), kind=other.kind, contact=contact, contact_masked=masked)

    def _payer(self, payer: cmd.PayerInput) -> Payer:
        try:
            if payer.kind == PayerKind.INDIVIDUAL:
                id_number = ids.parse_resident_id(payer.id_number)
            else:
                id_number = ids.parse_credit_code(payer.id_number)
        except ids.InvalidIdentifier as e:
            raise InvalidCommand("payer.id_number", str(e)) from None
        try:
            phone = ids.parse_phone(payer.phone)
        except ids.InvalidIdentifier as e:
            raise InvalidCommand("payer.phone", str(e)) from None
        name = payer.name.strip()
        if not name:
            raise InvalidCommand("payer.name", "must not be empty")
        return Payer(
            kind=payer.kind,
            name=name,
            id_number=self.privacy.encrypt(id_number),
            phone=self.privacy.encrypt(phone),
            id_number_masked=ids.mask_id_number(id_number),
            phone_masked=ids.mask_phone(phone),
            name_masked=ids.mask_name(name) if payer.kind == PayerKind.INDIVIDUAL else name,
            id_number_digest=self.privacy.digest(id_number),
        )

    # --- the lifecycle commands ---------------------------------------------------------

    def resolve_on_spot(self, ref: str, c: cmd.ResolveOnSpot, actor: Actor, idem: IdempotencyKey | None = None) -> cmd.CommandResult:
        return self._act(ref, "resolve_on_spot", c, actor, idem, lambda d, at, now, cal: d.resolve_on_spot(
            result=c.result, feedback_method=c.feedback_method, actor=actor, at=at, now=now))

    def transfer(self, ref: str, c: cmd.Transfer, actor: Actor, idem: IdempotencyKey | None = None) -> cmd.CommandResult:
        to_unit = self._unit("to_unit", c.to_unit)
        return self._act(ref, "transfer", c, actor, idem, lambda d, at, now, cal: d.transfer(
            to_unit=to_unit, note=c.note, actor=actor, at=at, now=now, calendar=cal))

    def sign_for(self, ref: str, c: cmd.SignFor, actor: Actor, idem: IdempotencyKey | None = None) -> cmd.CommandResult:
        return self._act(ref, "sign_for", c, actor, idem, lambda d, at, now, cal: d.sign_for(
            actor=actor, at=at, now=now))

    def return_case(self, ref: str, c: cmd.Return, actor: Actor, idem: IdempotencyKey | None = None) -> cmd.CommandResult:
        return self._act(ref, "return", c, actor, idem, lambda d, at, now, cal: d.return_to_accepting_unit(
            reason=c.reason, actor=actor, at=at, now=now))

    def record_progress(self, ref: str, c: cmd.RecordProgress, actor: Actor, idem: IdempotencyKey | None = None) -> cmd.CommandResult:
        return self._act(ref, "progress", c, actor, idem, lambda d, at, now, cal: d.record_progress(
            note=c.note, actor=actor, at=at, now=now))

    def conclude(self, ref: str, c: cmd.Conclude, actor: Actor, idem: IdempotencyKey | None = None) -> cmd.CommandResult:
        return self._act(ref, "conclude", c, actor, idem, lambda d, at, now, cal: d.conclude(
            outcome=c.outcome, result=c.result, actor=actor, at=at, now=now))

    def escalate(self, ref: str, c: cmd.Escalate, actor: Actor, idem: IdempotencyKey | None = None) -> cmd.CommandResult:
        return self._act(ref, "escalate", c, actor, idem, lambda d, at, now, cal: d.escalate(
            reason=c.reason, actor=actor, at=at, now=now, calendar=cal))

    def hold_deliberation(self, ref: str, c: cmd.HoldDeliberation, actor: Actor, idem: IdempotencyKey | None = None) -> cmd.CommandResult:
        executing = self._unit("executing_unit", c.executing_unit)
        attendees = tuple(
            Attendee(unit=self._unit(f"attendees[{i}].unit", a.unit), name=a.name) for i, a in enumerate(c.attendees)
        )
        _held_at(c.held_at, None, None)  # validate before loading anything
        return self._act(ref, "deliberation", c, actor, idem, lambda d, at, now, cal: d.hold_deliberation(
            held_at=_held_at(c.held_at, min(at, now), d.last_at), attendees=attendees, minutes=c.minutes, written_opinion=c.written_opinion,
            executing_unit=executing, actor=actor, at=at, now=now))

    def give_feedback(self, ref: str, c: cmd.GiveFeedback, actor: Actor, idem: IdempotencyKey | None = None) -> cmd.CommandResult:
        return self._act(ref, "feedback", c, actor, idem, lambda d, at, now, cal: d.give_feedback(
            party=c.party, method=c.method, content=c.content, actor=actor, at=at, now=now))

    def raise_objection(self, ref: str, c: cmd.RaiseObjection, actor: Actor, idem: IdempotencyKey | None = None) -> cmd.CommandResult:
        return self._act(ref, "objection", c, actor, idem, lambda d, at, now, cal: d.raise_objection(
            party=c.party, content=c.content, actor=actor, at=at, now=now))

    def give_remedy_guidance(
        self, ref: str, c: cmd.GiveRemedyGuidance, actor: Actor, idem: IdempotencyKey | None = None
    ) -> cmd.CommandResult:
        return self._act(ref, "remedy_guidance", c, actor, idem, lambda d, at, now, cal: d.give_remedy_guidance(
            remedy=c.remedy, content=c.content, act_known_on=c.act_known_on,
            reconsideration_decided_on=c.reconsideration_decided_on, actor=actor, at=at, now=now, calendar=cal))

    def archive(self, ref: str, c: cmd.Archive, actor: Actor, idem: IdempotencyKey | None = None) -> cmd.CommandResult:
        return self._act(ref, "archive", c, actor, idem, lambda d, at, now, cal: d.archive(
            actor=actor, at=at, now=now))

    def flag_risk(self, ref: str, c: cmd.FlagRisk, actor: Actor, idem: IdempotencyKey | None = None) -> cmd.CommandResult:
        return self._act(ref, "risk_flag", c, actor, idem, lambda d, at, now, cal: d.flag_risk(
            kind=c.kind, level=c.level, people_involved=c.people_involved, note=c.note, actor=actor, at=at, now=now))

    def issue_supervision_notice(
        self, ref: str, c: cmd.IssueSupervisionNotice, actor: Actor, idem: IdempotencyKey | None = None
    ) -> cmd.CommandResult:
        unit = self._unit("unit", c.unit)
        return self._act(ref, "supervision_notice", c, actor, idem, lambda d, at, now, cal: d.issue_supervision_notice(
            unit=unit, content=c.content, actor=actor, at=at, now=now))

    def record_satisfaction(
        self, ref: str, c: cmd.RecordSatisfaction, actor: Actor, idem: IdempotencyKey | None = None
    ) -> cmd.CommandResult:
        return self._act(ref, "satisfaction", c, actor, idem, lambda d, at, now, cal: d.record_satisfaction(
            party=c.party, satisfied=c.satisfied, note=c.note, actor=actor, at=at, now=now))

    def record_missed_deadlines(self, ref: str) -> int:
        """Scheduler: put every passed, unmet deadline of a case on its record."""
        dispute = self._get(self._resolve(ref))
        now = self.clock()
        kinds = dispute.overdue_clocks(now)
        if not kinds:
            return 0
        dispute.begin_command(uuid4())
        for kind in kinds:
            dispute.record_missed_deadline(kind=kind, actor=SYSTEM, now=now)
        try:
            self._save_dispute(dispute)
        except IntegrityError:
            return 0  # a concurrent command won; the next sweep sees the case again
        return len(kinds)

    # --- reading the write side ---------------------------------------------------------

    def get_dispute(self, ref: str, actor: Actor) -> Dispute:
        dispute = self._get(self._resolve(ref))
        if not access.may_read(
            actor,
            units_involved=dispute.units_involved,
            registered_by_subject=dispute.registered_by.subject,
            registered_by_role=dispute.registered_by.role,
        ):
            raise DisputeNotFound(ref)
        return dispute

    def dispute_events(self, ref: str, actor: Actor) -> list[Any]:
        dispute = self.get_dispute(ref, actor)
        return list(self.events.get(dispute.id))

    # --- mechanics ----------------------------------------------------------------------

    def _act(
        self,
        ref: str,
        command: str,
        payload: cmd.Command,
        actor: Actor,
        idempotency: IdempotencyKey | None,
        decide: Callable[[Dispute, datetime, datetime, OfficialCalendar], None],
    ) -> cmd.CommandResult:
        access.check_role(actor, command)

        def attempt() -> cmd.CommandResult:
            dispute_id = self._resolve(ref)
            given_at = _aware("at", payload.at) if payload.at is not None else None
            for attempt_no in range(STORE_ATTEMPTS):
                sent: list[Any] = []  # [dispute, its events] once the insert has been sent
                try:
                    return self._command(dispute_id, ref, command, actor, idempotency, given_at, decide, sent)
                except (IntegrityError, InterfaceError, OperationalError) as e:
                    # Did our own write land (a commit whose answer was lost)?
                    landed = self._landed(sent[1][-1]) if sent else None
                    if landed is not None:
                        return self._result(sent[0], landed)
                    if isinstance(e, IntegrityError):
                        # Our key was taken meanwhile (replayed by `_idempotently`), or another
                        # change to the case won the race.
                        raise ConcurrencyConflict(self._get(dispute_id, ref).status) from None
                    if attempt_no == STORE_ATTEMPTS - 1:
                        raise
                    self.store.recover()
                    time.sleep(STORE_RETRY_WAIT)
            raise AssertionError("unreachable")

        return self._idempotently(actor, idempotency, attempt)

    def _command(
        self,
        dispute_id: UUID,
        ref: str,
        command: str,
        actor: Actor,
        idempotency: IdempotencyKey | None,
        given_at: datetime | None,
        decide: Callable[[Dispute, datetime, datetime, OfficialCalendar], None],
        sent: list[Any],
    ) -> cmd.CommandResult:
        """Load, decide and save in one store transaction. The case's state is kept from its
        last command in this process (`_states`); the transaction reads only the events recorded
        after it (by other instances, the scheduler or a recompute), so what is decided on is
        always what the insert builds on, and a conflict can only be a real race."""
        calendar = self.calendar()
        cached = self._states.get(dispute_id)
        with self.store.command_transaction(
            dispute_id, after=cached[0] if cached else None, snapshots_table=self._snapshots_table
        ) as tx:
            dispute = self._fold(dispute_id, ref, cached, tx.snapshot, tx.events)
            # Read the clock after loading: an act without `at` happens now, and never before the
            # case's previous event (which may carry a client's slightly fast clock).
            now = self.clock()
            at = given_at if given_at is not None else max(now, dispute.last_at)
            access.check_case(
                actor,
                command,
                case_ref=ref,
                units_involved=dispute.units_involved,
                registered_by_subject=dispute.registered_by.subject,
                registered_by_role=dispute.registered_by.role,
                accepting_unit=dispute.accepting_unit,
                handling_unit=dispute.handling_unit,
            )
            dispute.begin_command(uuid4())
            decide(dispute, at, now, calendar)
            if dispute.has_provisional_deadlines() and self._calendar_moved(calendar, tx.events_after):
                # Another instance loaded the missing year meanwhile: decide again on it.
                dispute = self._fold(dispute_id, ref, cached, tx.snapshot, tx.events)
                dispute.begin_command(uuid4())
                decide(dispute, at, now, self._calendar)
            pending = dispute.collect_events()
            record = self._idempotency_record(actor, idempotency, dispute)
            sent.extend([dispute, pending])
            positions = tx.insert([self.mapper.to_stored_event(e) for e in pending], record)
        self._remember(dispute)
        self._notify([])
        self._maybe_snapshot(dispute)
        return self._result(dispute, max(positions) if positions else None)

    def _fold(
        self,
        dispute_id: UUID,
        ref: str,
        cached: tuple[int, bytes] | None,
        snapshot: Any,
        stored: list[Any],
    ) -> Dispute:
        state: Dispute | None = None
        if cached is not None:
            state = _state_decoder.decode(cached[1])
            state._start_work()
        elif snapshot is not None:
            state = project_dispute(None, [self.mapper.to_domain_event(snapshot)])
        dispute = project_dispute(state, [self.mapper.to_domain_event(s) for s in stored])
        if dispute is None:
            raise DisputeNotFound(ref or str(dispute_id))
        return dispute

    def _remember(self, dispute: Dispute) -> None:
        self._states.put(dispute.id, dispute.version, msgspec.json.encode(dispute))

    def _store_events(
        self, pending: list[Any], actor: Actor, idempotency: IdempotencyKey | None, dispute: Dispute
    ) -> int | None:
        record = self._idempotency_record(actor, idempotency, dispute)
        try:
            recordings = self.save(*pending, idempotency=record)
        except IntegrityError:
            raise
        except PersistenceError as e:
            raise self._unavailable(e) from e
        self._remember(dispute)
        self._maybe_snapshot(dispute)
        return max(r.notification.id for r in recordings) if recordings else None

    def _landed(self, event: Any) -> int | None:
        """After an IntegrityError: did our own write land (a lost acknowledgement)?"""
        found = self.store.find_event(event.originator_id, event.originator_version)
        if found is None:
            return None
        position, state = found
        return position if state == self.mapper.to_stored_event(event).state else None

    def _maybe_snapshot(self, dispute: Dispute) -> None:
        if self.snapshots is not None and dispute.version % SNAPSHOT_INTERVAL == 0:
            self.snapshots.put([take_snapshot(dispute, self.clock())])

    def _save_dispute(self, dispute: Dispute) -> int | None:
        return self._store_events(dispute.collect_events(), SYSTEM, None, dispute)

    def _get(self, dispute_id: UUID, ref: str | None = None) -> Dispute:
        try:
            dispute = self.repository.get(dispute_id, projector_func=project_dispute)
        except AggregateNotFoundError:
            raise DisputeNotFound(ref or str(dispute_id)) from None
        except PersistenceError as e:
            raise self._unavailable(e) from e
        return dispute

    @staticmethod
    def _resolve(ref: str) -> UUID:
        text = ref.strip()
        if text.upper().startswith("GP-"):
            return dispute_id_for(text.upper())
        try:
            return UUID(text)
        except ValueError:
            raise DisputeNotFound(ref) from None

    @staticmethod
    def _result(dispute: Dispute, position: int | None) -> cmd.CommandResult:
        return cmd.CommandResult(
            id=str(dispute.id),
            case_number=dispute.case_number,
            status=dispute.status.value.upper(),
            version=dispute.version,
            position=position,
        )

    def _unavailable(self, error: Exception) -> StoreUnavailable:
        # Trip the breaker: for a moment answer at once instead of queueing behind a dead store.
        self._down_until = time.monotonic() + BREAKER_SECONDS
        return StoreUnavailable(f"the event store is unavailable: {error}")

    def _idempotency_record(
        self, actor: Actor, idempotency: IdempotencyKey | None, dispute: Dispute
    ) -> IdempotencyRecord | None:
        if idempotency is None:
            return None
        return IdempotencyRecord(
            scope=idempotency_scope(actor),
            key=idempotency.key,
            request_hash=idempotency.request_hash,
            response=msgspec.to_builtins(self._result(dispute, None)),
            created_at=self.clock(),
        )

    def _idempotently(
        self, actor: Actor, idempotency: IdempotencyKey | None, run: Callable[[], cmd.CommandResult]
    ) -> cmd.CommandResult:
        """Run a command once per key. The key is stored with the command's events, in the same
        transaction, so a retry is not looked up first: it runs, and its key's insert fails (or
        the case has moved on and refuses it), and only then is the first answer looked up and
        replayed. That keeps a lookup off every first request, which are nearly all of them."""
        if time.monotonic() < self._down_until:
            raise StoreUnavailable("the event store was unavailable a moment ago; retry shortly")
        try:
            with self._in_flight(actor, idempotency):
                try:
                    return run()
                except StoreUnavailable:
                    raise
                except (DomainError, IntegrityError):
                    if idempotency is None:
                        raise
                    stored = self.store.lookup_idempotency(idempotency_scope(actor), idempotency.key)
                    if stored is None:
                        raise
                    return self._replay(stored, idempotency)
        except (IntegrityError, DomainError):
            raise
        except PersistenceError as e:
            raise self._unavailable(e) from e

    @contextmanager
    def _in_flight(self, actor: Actor, idempotency: IdempotencyKey | None) -> Iterator[None]:
        if idempotency is None:
            yield
            return
        token = (idempotency_scope(actor), idempotency.key)
        with self._in_flight_lock:
            if token in self._in_flight_keys:
                raise IdempotencyInProgress("a request with this Idempotency-Key is still being processed")
            self._in_flight_keys.add(token)
        try:
            yield
        finally:
            with self._in_flight_lock:
                self._in_flight_keys.discard(token)

    @staticmethod
    def _replay(stored: Any, idempotency: IdempotencyKey) -> cmd.CommandResult:
        if stored.request_hash != idempotency.request_hash:
            raise IdempotencyMismatch("this Idempotency-Key was used with a different request")
        return msgspec.convert(stored.response, cmd.CommandResult)

    def purge_idempotency_keys(self) -> int:
        return self.store.purge_idempotency(self.clock() - IDEMPOTENCY_RETENTION)


def idempotency_scope(actor: Actor) -> str:
    return f"{actor.role}:{actor.unit or ''}:{actor.subject}"


def _aware(field: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidCommand(field, "must carry a UTC offset, e.g. 2024-09-30T10:00:00+08:00")
    return value.astimezone(UTC)


def _held_at(value: str, latest: datetime | None, earliest: datetime | None) -> datetime:
    text = value.strip()
    try:
        if len(text) == 10:
            # A meeting given by date only: noon of that day in Gaoping, kept within what the
            # record allows (not after it was recorded, not before the escalation) on that day.
            held = datetime.combine(date.fromisoformat(text), dtime(12, 0), SHANGHAI).astimezone(UTC)
            if latest is not None and held > latest and latest.astimezone(SHANGHAI).date() == held.astimezone(SHANGHAI).date():
                held = latest
            if earliest is not None and held < earliest and earliest.astimezone(SHANGHAI).date() == held.astimezone(SHANGHAI).date():
                held = earliest
            return held
        return _aware("held_at", datetime.fromisoformat(text))
    except ValueError:
        raise InvalidCommand("held_at", "expected a date (2024-10-10) or a date-time with offset") from None


__all__ = ["Fengqiao", "IdempotencyKey", "PersistenceError", "utc_now"]
