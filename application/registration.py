"""Registration (受理): a new case, its number, and the intake ledger's historical cases.

A case number is the year's next in its own stream (CaseNumberIssued at version = sequence), saved
in the same transaction as the case: two registrations racing for one number cannot both land,
and the loser takes the next number.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import datetime
from uuid import uuid4

import msgspec
from eventsourcing.persistence import ApplicationRecorder, IntegrityError

from application import access
from application import commands as cmd
from application.command_path import CommandPath, aware, result_of
from application.errors import InvalidCommand, StoreUnavailable
from application.idempotency import IdempotencyKey
from application.policy import StorePolicy
from application.privacy import Privacy, Sealer
from application.reference_cache import ReferenceCache
from domain import identifiers as ids
from domain.calendar import SHANGHAI
from domain.dispute import Dispute
from domain.reference import CaseNumberIssued, case_number, dispute_id_for, sequence_id_for
from domain.values import Actor, OtherParty, Payer, PayerKind, is_individual, parse_township

# A process's registrations take the next number one at a time: racing each other for it, 16 at
# once, every round had one winner and fifteen retries (B3 measured 5× the baseline's time).
# Registrations of other processes still meet at the store's unique version and retry.
_NEXT_NUMBER = threading.Lock()


class Registration:
    clock: Callable[[], datetime]
    privacy: Privacy
    policy: StorePolicy
    recorder: ApplicationRecorder
    commands: CommandPath
    reference: ReferenceCache

    def register(
        self, command: cmd.RegisterDispute, actor: Actor, idempotency: IdempotencyKey | None = None
    ) -> cmd.CommandResult:
        return self._register(command, actor, idempotency, imported=False)

    def import_case(
        self, command: cmd.RegisterDispute, actor: Actor, idempotency: IdempotencyKey | None = None
    ) -> cmd.CommandResult:
        """Register a historical case from an intake ledger (台账): as `register`, but the intake is
        dated at its received time unless `at` says otherwise, and DisputeRegistered is marked `imported`."""
        return self._register(command, actor, idempotency, imported=True)

    def _register(
        self, command: cmd.RegisterDispute, actor: Actor, idempotency: IdempotencyKey | None, *, imported: bool
    ) -> cmd.CommandResult:
        access.check_register(actor, command.accepting_unit)
        return self.commands.idempotently(
            actor, idempotency, lambda: self._register_once(command, actor, idempotency, imported=imported)
        )

    def _register_once(
        self, command: cmd.RegisterDispute, actor: Actor, idempotency: IdempotencyKey | None, *, imported: bool
    ) -> cmd.CommandResult:
        now = self.clock()
        received_at = aware("received_at", command.received_at)
        at = aware("at", command.at) if command.at is not None else (received_at if imported else now)
        self.reference.unit("accepting_unit", command.accepting_unit)
        payer = self._payer(command.payer)
        township = None
        if command.township is not None:
            try:
                township = parse_township(command.township)
            except ValueError as e:
                raise InvalidCommand("township", str(e)) from None
        other_party = self._other_party(command.other_party)
        year = received_at.astimezone(SHANGHAI).year
        calendar = self.reference.calendar()
        # Work that needs no case number is done before taking the turn: the next registration
        # waits for this one's whole turn (its commit included), so every step in it counts 16
        # times over under 16 clients.
        key = self.privacy.fresh_key()
        with _NEXT_NUMBER:
            for attempt in range(self.policy.registration_attempts):
                command_id = uuid4()
                sequence = self._last_issued(year) + 1
                number = case_number(year, sequence)
                dispute_id = dispute_id_for(number)
                # Each attempt's case id has its own key: the key goes in with the case's events.
                key = key or self.privacy.fresh_key()
                case_key, sealer = self.privacy.new_case_key(dispute_id, now, key)
                sealed_payer, sealed_other = _sealed(sealer, payer, other_party)
                dispute = Dispute.register(
                    dispute_id=dispute_id,
                    case_number=number,
                    channel=command.channel,
                    received_at=received_at,
                    accepting_unit=command.accepting_unit,
                    payer=sealed_payer,
                    category=command.category,
                    summary=command.summary,
                    other_party=sealed_other,
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
                newer = self.reference.newer_calendar(calendar) if dispute.has_provisional_deadlines() else None
                if newer is not None:
                    calendar = newer  # a missing year's notice arrived meanwhile
                    continue
                issued = CaseNumberIssued(
                    originator_id=sequence_id_for(year),
                    originator_version=sequence,
                    timestamp=now,
                    case_number=number,
                    dispute_id=dispute.id,
                    command_id=command_id,
                )
                key = b""  # used: a retry takes another
                try:
                    position = self.commands.write(
                        dispute, issued, actor=actor, idempotency=idempotency, case_key=case_key
                    )
                except IntegrityError:
                    self._issued().pop(year, None)  # another process took it: read the stream again
                    landed = self.commands.landed(issued)
                    if landed is not None:
                        return result_of(dispute, landed)
                    replayed = self.commands.replayed(actor, idempotency)
                    if replayed is not None:
                        return replayed
                    # Another registration took this number: take the next one.
                    time.sleep(random.uniform(0, 0.002 * min(attempt + 1, 20)))  # noqa: S311 - jitter, not a secret
                    continue
                self._issued()[year] = sequence
                break
            else:
                raise StoreUnavailable("could not allocate a case number under contention; retry")
        # Committed: the rest needs no turn.
        self.privacy.remember(sealer)
        self.commands.saved(dispute)
        return result_of(dispute, position)

    def _issued(self) -> dict[int, int]:
        """The last number this process gave out, by year (under _NEXT_NUMBER): the next
        registration need not read the stream first. Stale when another process registered;
        then the save conflicts and the stream is read again."""
        issued: dict[int, int] = self.__dict__.setdefault("_last_issued_by_year", {})
        return issued

    def _last_issued(self, year: int) -> int:
        known = self._issued().get(year)
        return known if known is not None else self._last_sequence(year)

    def _last_sequence(self, year: int) -> int:
        last = self.recorder.select_events(sequence_id_for(year), desc=True, limit=1)
        return last[0].originator_version if last else 0

    def _other_party(self, other: str | cmd.OtherPartyInput | None) -> OtherParty | None:
        """The other party in clear, validated; sealed per case by `_sealed`."""
        if other is None:
            return None
        if isinstance(other, str):
            return OtherParty(name=other.strip())
        contact = masked = None
        if other.contact is not None and other.contact.strip():
            contact = other.contact.strip()
            try:
                contact = ids.parse_phone(contact)
                masked = ids.mask_phone(contact)
            except ids.InvalidIdentifier:
                masked = ids.mask_name(contact)  # an address or e-mail: keep only its first character
        name = other.name.strip()
        name_masked = ids.mask_name(name) if is_individual(other.kind) else None
        return OtherParty(name=name, kind=other.kind, contact=contact, contact_masked=masked, name_masked=name_masked)

    def _payer(self, payer: cmd.PayerInput) -> Payer:
        """The payer in clear, validated, with its masked forms and digests; sealed by `_sealed`."""
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
            id_number=id_number,
            phone=phone,
            id_number_masked=ids.mask_id_number(id_number),
            phone_masked=ids.mask_phone(phone),
            name_masked=ids.mask_name(name) if payer.kind == PayerKind.INDIVIDUAL else name,
            id_number_digest=self.privacy.digest(id_number),
            name_digest=self.privacy.digest(name),
        )


def _sealed(sealer: Sealer, payer: Payer, other: OtherParty | None) -> tuple[Payer, OtherParty | None]:
    """The personal values sealed under the case's key, as they are stored in its events."""
    seal = sealer.seal
    payer = msgspec.structs.replace(
        payer, name=seal(payer.name), id_number=seal(payer.id_number), phone=seal(payer.phone)
    )
    if other is not None:
        other = msgspec.structs.replace(
            other,
            name=seal(other.name) if other.name_masked is not None else other.name,
            contact=None if other.contact is None else seal(other.contact),
        )
    return payer, other
