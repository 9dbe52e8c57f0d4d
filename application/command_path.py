"""The command path: one command on one case, in one store transaction.

A lifecycle command takes the case's turn in the store, reads what was recorded after the state
this process kept from the case's last command, decides on that, and inserts the decided events
with the caller's idempotency key, all in one transaction: what is decided on is what the insert
builds on, so a conflict can only be a real race. Around it: a retry when the connection failed,
the check for a lost acknowledgement (the write landed, its answer did not arrive), and a
breaker that answers "unavailable" at once for a moment after the store failed.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, PersistenceError, Recording

from application import access
from application import commands as cmd
from application.errors import ConcurrencyConflict, DisputeNotFound, DomainError, InvalidCommand, StoreUnavailable
from application.idempotency import IdempotencyKey, InFlight, idempotency_record, idempotency_scope, replay
from application.policy import StorePolicy
from application.ports import CommandStore, CommandTransaction
from application.privacy import CaseKeyRow
from application.reference_cache import ReferenceCache
from domain.calendar import OfficialCalendar
from domain.dispute import Dispute, project_dispute, take_snapshot
from domain.reference import dispute_id_for
from domain.values import Actor, Role

SYSTEM = Actor(subject="fengqiao", role=Role.SYSTEM)  # who the application acts as by itself

Decide = Callable[[Dispute, datetime, datetime, OfficialCalendar], None]  # (case, at, now, calendar)


@dataclass(frozen=True)
class CaseCommand:
    """One lifecycle command as the path runs it."""

    ref: str
    name: str  # its name in the access rules
    actor: Actor
    idempotency: IdempotencyKey | None
    at: datetime | None  # when the act happened, if the caller says so
    decide: Decide


class Unacknowledged(Exception):
    """The store failed after the command's insert was sent: it may have landed all the same."""

    def __init__(self, error: PersistenceError, dispute: Dispute, last_event: Any) -> None:
        super().__init__(str(error))
        self.error = error
        self.dispute = dispute
        self.last_event = last_event


class CaseStates:
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


class Breaker:
    """After the store failed, answer at once for a moment instead of queueing behind it."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._down_until = 0.0

    def check(self) -> None:
        if time.monotonic() < self._down_until:
            raise StoreUnavailable("the event store was unavailable a moment ago; retry shortly")

    def trip(self, error: Exception) -> StoreUnavailable:
        self._down_until = time.monotonic() + self._seconds
        return StoreUnavailable(f"the event store is unavailable: {error}")


_state_decoder = msgspec.json.Decoder(Dispute)


class CommandPath:
    def __init__(
        self,
        app: Application[UUID],
        store: CommandStore,
        reference: ReferenceCache,
        clock: Callable[[], datetime],
        policy: StorePolicy,
        listeners: list[Callable[[], None]],
    ) -> None:
        self._app = app
        self._store = store
        self._reference = reference
        self._clock = clock
        self._policy = policy
        self._listeners = listeners  # told after every save (wakes the projections)
        self._states = CaseStates(policy.case_cache_size)
        self._in_flight = InFlight()
        self.breaker = Breaker(policy.breaker_seconds)

    # --- once per idempotency key -----------------------------------------------------------

    def idempotently(
        self, actor: Actor, idempotency: IdempotencyKey | None, run: Callable[[], cmd.CommandResult]
    ) -> cmd.CommandResult:
        """Run a command; when it is refused or its key's insert fails, replay the first answer
        if this was a retry (see `application.idempotency`)."""
        self.breaker.check()
        try:
            with self._in_flight.hold(actor, idempotency):
                try:
                    return run()
                except StoreUnavailable:
                    raise
                except (DomainError, IntegrityError):
                    replayed = self.replayed(actor, idempotency)
                    if replayed is None:
                        raise
                    return replayed
        except (IntegrityError, DomainError):
            raise
        except PersistenceError as e:
            raise self.breaker.trip(e) from e

    def replayed(self, actor: Actor, idempotency: IdempotencyKey | None) -> cmd.CommandResult | None:
        """The first answer given under this key, if a request with it was recorded."""
        if idempotency is None:
            return None
        stored = self._store.lookup_idempotency(idempotency_scope(actor), idempotency.key)
        return None if stored is None else replay(stored, idempotency)

    # --- a lifecycle command ------------------------------------------------------------------

    def act(self, command: CaseCommand) -> cmd.CommandResult:
        access.check_role(command.actor, command.name)
        return self.idempotently(command.actor, command.idempotency, lambda: self._attempts(command))

    def _attempts(self, command: CaseCommand) -> cmd.CommandResult:
        dispute_id = resolve(command.ref)
        given_at = aware("at", command.at) if command.at is not None else None
        for attempt in range(self._policy.attempts):
            try:
                return self._transaction(dispute_id, command, given_at)
            except Unacknowledged as e:
                landed = self.landed(e.last_event)
                if landed is not None:
                    return result_of(e.dispute, landed)
                failure = e.error
            except (IntegrityError, InterfaceError, OperationalError) as e:
                failure = e
            if isinstance(failure, IntegrityError):
                # Our key was taken meanwhile (replayed by `idempotently`), or another change to
                # the case won the race.
                raise ConcurrencyConflict(self.load(dispute_id, command.ref).status) from None
            if attempt == self._policy.attempts - 1:
                raise failure
            self._store.recover()
            time.sleep(self._policy.retry_wait)
        raise AssertionError("unreachable")

    def _transaction(self, dispute_id: UUID, command: CaseCommand, given_at: datetime | None) -> cmd.CommandResult:
        """Load, decide and save in one store transaction. The case's state is kept from its
        last command in this process; the transaction reads only the events recorded after it
        (by other instances, the scheduler or a recompute)."""
        calendar = self._reference.calendar()
        cached = self._states.get(dispute_id)
        sent: tuple[Dispute, Any] | None = None
        try:
            with self._store.command_transaction(dispute_id, after=cached[0] if cached else None) as tx:
                dispute = self._decided(tx, dispute_id, cached, command, given_at, calendar)
                pending = dispute.collect_events()
                record = idempotency_record(command.actor, command.idempotency, result_of(dispute, None), self._clock())
                sent = (dispute, pending[-1]) if pending else None
                positions = tx.insert([self._app.mapper.to_stored_event(e) for e in pending], record)
        except (IntegrityError, InterfaceError, OperationalError) as e:
            if sent is None:
                raise
            raise Unacknowledged(e, *sent) from e
        self._remember(dispute)
        self._notify()
        self._maybe_snapshot(dispute)
        return result_of(dispute, max(positions) if positions else None)

    def _decided(
        self,
        tx: CommandTransaction,
        dispute_id: UUID,
        cached: tuple[int, bytes] | None,
        command: CaseCommand,
        given_at: datetime | None,
        calendar: OfficialCalendar,
    ) -> Dispute:
        dispute = self._fold(dispute_id, command.ref, cached, tx)
        # Read the clock after loading: an act without `at` happens now, and never before the
        # case's previous event (which may carry a client's slightly fast clock).
        now = self._clock()
        at = given_at if given_at is not None else max(now, dispute.last_at)
        access.check_case(
            command.actor,
            command.name,
            case_ref=command.ref,
            units_involved=dispute.units_involved,
            registered_by_subject=dispute.registered_by.subject,
            registered_by_role=dispute.registered_by.role,
            accepting_unit=dispute.accepting_unit,
            handling_unit=dispute.handling_unit,
        )
        dispute.begin_command(uuid4())
        command.decide(dispute, at, now, calendar)
        if dispute.has_provisional_deadlines():
            newer = self._reference.newer_calendar(
                calendar, read=lambda oid, version: self._domain_events(tx.events_after(oid, version))
            )
            if newer is not None:
                # Another instance loaded the missing year meanwhile: decide again on it.
                dispute = self._fold(dispute_id, command.ref, cached, tx)
                dispute.begin_command(uuid4())
                command.decide(dispute, at, now, newer)
        return dispute

    def _fold(self, dispute_id: UUID, ref: str, cached: tuple[int, bytes] | None, tx: CommandTransaction) -> Dispute:
        state: Dispute | None = None
        if cached is not None:
            state = _state_decoder.decode(cached[1])
            state._start_work()  # a decoded state starts with no pending events, as a loaded one does
        elif tx.snapshot is not None:
            state = project_dispute(None, self._domain_events([tx.snapshot]))
        dispute = project_dispute(state, self._domain_events(tx.events))
        if dispute is None:
            raise DisputeNotFound(ref or str(dispute_id))
        return dispute

    def _domain_events(self, stored: list[Any]) -> list[Any]:
        return [self._app.mapper.to_domain_event(s) for s in stored]

    def landed(self, event: Any) -> int | None:
        """After a failure: did our own write land (a lost acknowledgement)? Its position if so."""
        found = self._store.find_event(event.originator_id, event.originator_version)
        if found is None:
            return None
        position, state = found
        return position if state == self._app.mapper.to_stored_event(event).state else None

    # --- load and save outside a command transaction ------------------------------------------

    def load(self, dispute_id: UUID, ref: str | None = None) -> Dispute:
        try:
            dispute: Dispute = self._app.repository.get(dispute_id, projector_func=project_dispute)
        except AggregateNotFoundError:
            raise DisputeNotFound(ref or str(dispute_id)) from None
        except PersistenceError as e:
            raise self.breaker.trip(e) from e
        return dispute

    def save(
        self,
        dispute: Dispute,
        *also: Any,
        actor: Actor = SYSTEM,
        idempotency: IdempotencyKey | None = None,
        case_key: CaseKeyRow | None = None,
    ) -> int | None:
        """Record the case's decided events, and `also` the events of other streams decided with
        them, through the library (a new case's key in the same transaction); a version taken
        meanwhile raises IntegrityError. The last position recorded."""
        position = self.write(dispute, *also, actor=actor, idempotency=idempotency, case_key=case_key)
        self.saved(dispute)
        return position

    def write(
        self,
        dispute: Dispute,
        *also: Any,
        actor: Actor = SYSTEM,
        idempotency: IdempotencyKey | None = None,
        case_key: CaseKeyRow | None = None,
    ) -> int | None:
        """`save` without what follows the commit (`saved`): a registration holds its case
        number's turn only for this."""
        pending = [*dispute.collect_events(), *also]
        record = idempotency_record(actor, idempotency, result_of(dispute, None), self._clock())
        try:
            recordings = self._put(pending, idempotency=record, case_key=case_key)
        except IntegrityError:
            raise
        except PersistenceError as e:
            raise self.breaker.trip(e) from e
        return max(r.notification.id for r in recordings) if recordings else None

    def saved(self, dispute: Dispute) -> None:
        """After a case's events were written: wake the listeners, keep its state, snapshot it."""
        self._notify()
        self._remember(dispute)
        self._maybe_snapshot(dispute)

    def record(self, *events: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Save events through the library's event store (kwargs go to the recorder's insert),
        then tell the listeners."""
        recordings = self._put(events, **kwargs)
        self._notify()
        return recordings

    def _put(self, events: Sequence[Any], **kwargs: Any) -> list[Recording[UUID]]:
        """Events (never aggregates) into the library's event store: what `Application.save` does
        for them, without its runtime protocol checks (two `isinstance` against a Protocol an
        event, as much as the registration's sealing). Its other steps do nothing for events
        alone (no aggregate to cache or snapshot; `_notify` is not overridden here)."""
        return self._app.events.put(list(events), **kwargs)

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()

    def _remember(self, dispute: Dispute) -> None:
        self._states.put(dispute.id, dispute.version, msgspec.json.encode(dispute))

    def _maybe_snapshot(self, dispute: Dispute) -> None:
        if self._app.snapshots is not None and dispute.version % self._policy.snapshot_interval == 0:
            self._app.snapshots.put([take_snapshot(dispute, self._clock())])


def resolve(ref: str) -> UUID:
    """The case a reference names: its case number (any case) or its id."""
    text = ref.strip()
    if text.upper().startswith("GP-"):
        return dispute_id_for(text.upper())
    try:
        return UUID(text)
    except ValueError:
        raise DisputeNotFound(ref) from None


def result_of(dispute: Dispute, position: int | None) -> cmd.CommandResult:
    return cmd.CommandResult(
        id=str(dispute.id),
        case_number=dispute.case_number,
        status=dispute.status.value.upper(),
        version=dispute.version,
        position=position,
    )


def aware(field: str, value: datetime) -> datetime:
    """A caller's time in UTC; one without an offset is refused rather than guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidCommand(field, "must carry a UTC offset, e.g. 2024-09-30T10:00:00+08:00")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # year 1 at +14:00 or 9999 at -12:00: before or after any UTC instant
        raise InvalidCommand(field, "is out of range (no case is that old, and none is in the future)") from None
