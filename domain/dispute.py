"""The Dispute aggregate: one case of the joint mechanism, from intake to archive.

Public methods decide (check the notice's rules, compute deadlines) and then record one event;
`_apply` only assigns state and never raises, reads a clock or does I/O, so replay is safe.
The state keeps only what later decisions need; what is only shown lives in read models.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from domain import events as ev
from domain.calendar import (
    SHANGHAI,
    Acceptance,
    CalendarPeriodEnd,
    OfficialCalendar,
    WorkingDayDeadline,
    deemed_acceptance,
    period_in_days,
    period_in_months,
    working_day_deadline,
)
from domain.deadlines import is_late
from domain.errors import CommandRejected, InvalidCommand
from domain.remedies import competent_body
from domain.values import (
    DEFAULT_HANDLING_UNIT,
    DESIGNATING_UNIT,
    RETURNS_BEFORE_DESIGNATION,
    Actor,
    Attendee,
    Category,
    Channel,
    DeadlineKind,
    FeedbackMethod,
    InsuranceType,
    Level,
    NoObjectionBasis,
    OtherParty,
    Outcome,
    PartyRole,
    Payer,
    RemedyKind,
    RiskLevel,
    Role,
    Status,
    suggest_handling_unit,
)

TRANSFER_DAYS = 1  # 四(二)2: transfer within 1 working day after acceptance
HANDLING_DAYS = 5  # 四(二)2: concluded within 5 working days
DELIBERATION_DAYS = 10  # 四(二)3: deliberated within 10 working days from acceptance
RECONSIDERATION_DAYS = 60  # Administrative Reconsideration Law 2023, art. 20
LITIGATION_MONTHS = 6  # Administrative Litigation Law art. 46
AFTER_RECONSIDERATION_DAYS = 15  # Administrative Litigation Law art. 45
OBJECTION_QUIET_DAYS = 5  # decided: no objection presumed 5 working days after a party was told
REOPEN_MONTHS = 6  # decided: an objection within 6 months of the party's feedback reopens the case
CLOCK_SKEW = timedelta(seconds=5)
TASKFORCE_OFFICE = "taskforce"  # who answers for the deliberation deadline
GROUP_RISK_PEOPLE = 5  # registrations with this many people involved carry a group-risk flag
GROUP_RISK_KIND = "group"
MIN_DELIBERATION_UNITS = 2  # 集体商议 (三(二)): attendees from at least two distinct member units
# Nothing this mechanism handles came in before 2000 (a year 0999 would sort as anything but).
EARLIEST_INTAKE = datetime(2000, 1, 1, tzinfo=SHANGHAI)

OPEN_STATUSES = frozenset(Status) - {Status.ARCHIVED}


class Clock(msgspec.Struct):
    """A deadline on the case and when it was met."""

    deadline: WorkingDayDeadline
    met_at: datetime | None = None
    missed_recorded: bool = False
    unit: str | None = None  # who answers for it (None in states kept before it was named)


class Dispute(msgspec.Struct, dict=True):
    id: UUID
    version: int
    case_number: str
    status: Status
    level: Level | None
    category: Category
    accepting_unit: str
    handling_unit: str | None
    registered_by: Actor
    received_at: datetime
    acceptance: Acceptance
    last_at: datetime
    has_other_party: bool
    ever_transferred: bool = False
    signed_for: bool = False
    remedy_guided: bool = False
    transferred_at: datetime | None = None
    returned_at: datetime | None = None  # the last return: the day its transfer clock counts from
    returns: int = 0
    designated: bool = False  # the handling unit was designated (指定承办): it may not return the case
    suggested_unit: str | None = None  # the routing suggestion (None in states kept before it was)
    units_involved: list[str] = msgspec.field(default_factory=list)
    clocks: dict[DeadlineKind, Clock] = msgspec.field(default_factory=dict)
    # Both parties answered (domain.md "Feedback, archive, objection"): when each was first told,
    # who confirmed no objection, and each party's one objection with whether it has guidance.
    told: dict[PartyRole, datetime] = msgspec.field(default_factory=dict)
    confirmed: list[PartyRole] = msgspec.field(default_factory=list)
    objections: dict[PartyRole, bool] = msgspec.field(default_factory=dict)
    answers_tracked: bool = False  # False only in a state snapshotted before 1.1 (see _adopt_legacy)
    archived_at: datetime | None = None
    remedy_open_until: date | None = None  # the last day of the latest remedy window guided
    shredded: bool = False

    # --- intake -------------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        dispute_id: UUID,
        case_number: str,
        channel: Channel,
        received_at: datetime,
        accepting_unit: str,
        payer: Payer,
        category: Category,
        summary: str,
        other_party: OtherParty | None,
        external_ref: str | None,
        insurance_types: tuple[InsuranceType, ...],
        people_involved: int,
        township: str | None,
        actor: Actor,
        at: datetime,
        now: datetime,
        calendar: OfficialCalendar,
        imported: bool = False,
        command_id: UUID | None = None,
    ) -> Dispute:
        for field, value in (("received_at", received_at), ("at", at)):
            if value.tzinfo is None or value.utcoffset() is None:
                raise InvalidCommand(field, "must carry a UTC offset")
        if received_at > now + CLOCK_SKEW:
            raise InvalidCommand("received_at", "is in the future")
        if received_at < EARLIEST_INTAKE:
            raise InvalidCommand("received_at", f"is before {EARLIEST_INTAKE.date().isoformat()}: no case of this mechanism is that old")
        if at > now + CLOCK_SKEW:
            raise InvalidCommand("at", "is in the future")
        if at < received_at:
            raise InvalidCommand("at", "is before received_at: a case cannot be registered before it came in")
        if people_involved < 1:
            raise InvalidCommand("people_involved", "must be at least 1")
        if not summary.strip():
            raise InvalidCommand("summary", "must not be empty")
        acceptance = deemed_acceptance(received_at, calendar)
        transfer_due = working_day_deadline(
            acceptance.accepted_on, TRANSFER_DAYS, calendar, start_label="the day of acceptance"
        )
        suggested, rule = suggest_handling_unit(category, insurance_types)
        event = ev.DisputeRegistered(
            originator_id=dispute_id,
            originator_version=1,
            timestamp=now,
            at=at,
            actor=actor,
            case_number=case_number,
            channel=channel,
            received_at=received_at,
            accepting_unit=accepting_unit,
            payer=payer,
            category=category,
            summary=summary,
            other_party=other_party,
            external_ref=external_ref,
            insurance_types=insurance_types,
            people_involved=people_involved,
            township=township,
            suggested_unit=suggested,
            acceptance=acceptance,
            transfer_deadline=transfer_due,
            imported=imported,
            routing_rule=rule,
            command_id=command_id,
        )
        dispute = cls._from_registered(event)
        dispute._pending.append(event)
        if people_involved >= GROUP_RISK_PEOPLE:
            # Many people involved can turn into a group incident (三(二)8): flagged with the
            # registration itself, so the police unit and the task force see it at once.
            dispute._command_id = command_id
            dispute._trigger(
                ev.RiskFlagged,
                actor,
                at,
                now,
                kind=GROUP_RISK_KIND,
                level=RiskLevel.MEDIUM,
                people_involved=people_involved,
                note=None,
                notified_units=(),
            )
        return dispute

    @classmethod
    def _from_registered(cls, event: ev.DisputeRegistered) -> Dispute:
        dispute = cls(
            id=event.originator_id,
            version=1,
            case_number=event.case_number,
            status=Status.ACCEPTED,
            level=None,
            category=event.category,
            accepting_unit=event.accepting_unit,
            handling_unit=None,
            registered_by=event.actor,
            received_at=event.received_at,
            acceptance=event.acceptance,
            last_at=event.at,
            has_other_party=event.other_party is not None,
            units_involved=[event.accepting_unit],
            suggested_unit=event.suggested_unit,
            clocks={DeadlineKind.TRANSFER: Clock(event.transfer_deadline, unit=event.accepting_unit)},
            answers_tracked=True,
        )
        dispute._start_work()
        return dispute

    def _start_work(self) -> None:
        # Not fields of the Struct: pending events and the current command are never stored.
        self._pending: list[ev.DisputeEvent] = []
        self._command_id: UUID | None = None

    def begin_command(self, command_id: UUID) -> None:
        """Tag the events of the next decision with the command that makes them."""
        self._command_id = command_id

    # --- the three tracks ---------------------------------------------------------------

    def resolve_on_spot(
        self, *, result: str, feedback_method: FeedbackMethod, actor: Actor, at: datetime, now: datetime
    ) -> None:
        self._require("resolve on the spot", Status.ACCEPTED)
        if self.ever_transferred:
            raise CommandRejected(
                self.status, "a case that was already transferred can no longer be settled on the spot"
            )
        self._non_empty("result", result)
        self._check_at(at, now)
        # 当场处理: at that visit or call. A rest-day intake may be settled up to its deemed day of
        # acceptance; anything later is a general case.
        day = at.astimezone(SHANGHAI).date()
        if day > self.acceptance.accepted_on:
            received = self.acceptance.received_on.isoformat()
            latest = self.acceptance.accepted_on.isoformat()
            raise CommandRejected(
                self.status,
                f"a case is settled on the spot only on the day of receipt ({received}"
                + (f", or by its deemed acceptance day {latest}" if latest != received else "")
                + f"), not on {day.isoformat()}: transfer it or conclude it as a general case",
            )
        self._trigger(ev.ResolvedOnSpot, actor, at, now, result=result, feedback_method=feedback_method)

    def transfer(
        self,
        *,
        to_unit: str,
        note: str | None,
        actor: Actor,
        at: datetime,
        now: datetime,
        calendar: OfficialCalendar,
    ) -> None:
        self._require("transfer", Status.ACCEPTED)
        designation = self.awaits_designation()
        self._check_transferrer(actor, designation)
        self._check_at(at, now)
        suggested = self.suggested_unit or DEFAULT_HANDLING_UNIT[self.category]
        if to_unit != suggested and (note is None or not note.strip()):
            # An override of the routing suggestion is recorded with its reason (item 三(三)).
            raise InvalidCommand(
                "note", f"a transfer to {to_unit} instead of the suggested unit {suggested} needs a note saying why"
            )
        handling_due = self._deadline_from_act(at, HANDLING_DAYS, calendar, "the day of the transfer")
        self._trigger(
            ev.DisputeTransferred,
            actor,
            at,
            now,
            to_unit=to_unit,
            note=note,
            suggested_unit=suggested,
            routing_override=to_unit != suggested,
            handling_deadline=handling_due,
            designation=designation,
        )

    def awaits_designation(self) -> bool:
        """After its second return the case waits for gov_office or the task force (指定承办)."""
        return self.status == Status.ACCEPTED and self.returns >= RETURNS_BEFORE_DESIGNATION

    def _check_transferrer(self, actor: Actor, designation: bool) -> None:
        designator = actor.role == Role.TASKFORCE or (actor.role == Role.CLERK and actor.unit == DESIGNATING_UNIT)
        if designation and not designator:
            raise CommandRejected(
                self.status,
                f"the case was returned {self.returns} times and awaits designation (指定承办): only "
                f"{DESIGNATING_UNIT} or the task force may transfer it now",
            )
        if not designation and actor.role == Role.TASKFORCE:
            raise CommandRejected(
                self.status, "the task force designates a handling unit only after a case's second return"
            )
        if not designation and actor.role == Role.CLERK and actor.unit != self.accepting_unit:
            raise CommandRejected(
                self.status,
                f"{actor.unit} designates a handling unit only after a case's second return; "
                f"until then the accepting unit ({self.accepting_unit}) transfers it",
            )

    def sign_for(self, *, actor: Actor, at: datetime, now: datetime) -> None:
        self._require("sign for", Status.TRANSFERRED)
        if self.signed_for:
            raise CommandRejected(self.status, f"the transfer was already signed for by {self.handling_unit}")
        self._trigger(ev.TransferSignedFor, actor, at, now, unit=self.handling_unit or "")

    def return_to_accepting_unit(
        self, *, reason: str, actor: Actor, at: datetime, now: datetime, calendar: OfficialCalendar
    ) -> None:
        self._require("return", Status.TRANSFERRED)
        if self.designated:
            raise CommandRejected(
                self.status,
                f"the case was designated to {self.handling_unit} (指定承办): a designated unit may not "
                "return it; conclude or escalate it",
            )
        self._non_empty("reason", reason)
        self._check_at(at, now)
        awaits = self.returns + 1 >= RETURNS_BEFORE_DESIGNATION
        transfer_due = self._deadline_from_act(at, TRANSFER_DAYS, calendar, "the day of the return")
        # The handling clock closes unmet: a miss it already carries is put on the record first,
        # against the unit that held the case, so the return cannot wipe it out.
        self._record_passed(DeadlineKind.HANDLING, actor, at, now)
        self._trigger(
            ev.DisputeReturned,
            actor,
            at,
            now,
            from_unit=self.handling_unit or "",
            reason=reason,
            transfer_deadline=transfer_due,
            transfer_unit=DESIGNATING_UNIT if awaits else self.accepting_unit,
            awaits_designation=awaits,
        )

    def record_progress(self, *, note: str, actor: Actor, at: datetime, now: datetime) -> None:
        self._require("record progress", Status.TRANSFERRED, Status.ESCALATED, Status.DELIBERATED)
        self._non_empty("note", note)
        self._trigger(ev.ProgressRecorded, actor, at, now, note=note)

    def conclude(
        self, *, outcome: Outcome, result: str, actor: Actor, at: datetime, now: datetime
    ) -> None:
        self._require("conclude", Status.TRANSFERRED, Status.DELIBERATED)
        self._non_empty("result", result)
        self._trigger(
            ev.HandlingConcluded, actor, at, now, outcome=outcome, result=result, unit=self.handling_unit or ""
        )

    def escalate(
        self, *, reason: str, actor: Actor, at: datetime, now: datetime, calendar: OfficialCalendar
    ) -> None:
        self._require("escalate", Status.TRANSFERRED, Status.ACCEPTED)
        direct = self.status == Status.ACCEPTED
        self._check_escalator(actor, direct)
        self._non_empty("reason", reason)
        self._check_at(at, now)
        deliberation_due = working_day_deadline(
            self.acceptance.accepted_on, DELIBERATION_DAYS, calendar, start_label="the day of acceptance"
        )
        from_unit = self.accepting_unit if direct else self.handling_unit or ""
        self._trigger(
            ev.DisputeEscalated,
            actor,
            at,
            now,
            reason=reason,
            from_unit=from_unit,
            deliberation_deadline=deliberation_due,
            direct=direct,
        )
        # A deliberation deadline already passed when the case reached the task force is the
        # escalating unit's miss, not the task force's.
        self._record_passed(DeadlineKind.DELIBERATION, actor, at, now, unit=from_unit)

    def _check_escalator(self, actor: Actor, direct: bool) -> None:
        if direct and actor.role != Role.CLERK:
            raise CommandRejected(
                self.status, f"cannot escalate a case in status {self.status.upper()} as a handler: "
                "a special matter goes straight to the task force from the accepting unit's clerk"
            )
        if direct and self.ever_transferred:
            raise CommandRejected(
                self.status, f"cannot escalate a case in status {self.status.upper()} that was already "
                "transferred: transfer it again, and its handling unit escalates it"
            )
        if not direct and actor.role == Role.CLERK:
            raise CommandRejected(
                self.status, f"cannot escalate a case in status {self.status.upper()} as a clerk: "
                "after a transfer the handling unit escalates it"
            )

    def hold_deliberation(
        self,
        *,
        held_at: datetime,
        attendees: tuple[Attendee, ...],
        minutes: str,
        written_opinion: str,
        executing_unit: str,
        actor: Actor,
        at: datetime,
        now: datetime,
    ) -> None:
        self._require("record the deliberation of", Status.ESCALATED)
        if held_at > now + CLOCK_SKEW:
            raise InvalidCommand("held_at", "is in the future")
        if held_at > at + CLOCK_SKEW:
            raise InvalidCommand("held_at", "is after the time the deliberation is recorded as done (at)")
        if held_at < self.last_at:
            raise InvalidCommand("held_at", "is before the case's previous event: the meeting follows the escalation")
        if len({a.unit for a in attendees}) < MIN_DELIBERATION_UNITS:
            # 集体商议: a meeting of the member units, not one unit's own decision.
            raise InvalidCommand(
                "attendees",
                f"a collective deliberation needs attendees from at least {MIN_DELIBERATION_UNITS} distinct member units",
            )
        self._non_empty("minutes", minutes)
        self._non_empty("written_opinion", written_opinion)
        self._trigger(
            ev.DeliberationHeld,
            actor,
            at,
            now,
            held_at=held_at,
            attendees=attendees,
            minutes=minutes,
            written_opinion=written_opinion,
            executing_unit=executing_unit,
        )

    # --- feedback, objection, archive ---------------------------------------------------

    def give_feedback(
        self, *, party: PartyRole, method: FeedbackMethod, content: str, actor: Actor, at: datetime, now: datetime
    ) -> None:
        self._require("give feedback", Status.CONCLUDED, Status.FEEDBACK_GIVEN)
        self._party_exists(party)
        self._non_empty("content", content)
        self._trigger(ev.FeedbackGiven, actor, at, now, party=party, method=method, content=content)

    def parties(self) -> tuple[PartyRole, ...]:
        """The registered parties, each of whom must be told the result."""
        return (PartyRole.PAYER, PartyRole.OTHER_PARTY) if self.has_other_party else (PartyRole.PAYER,)

    def feedback_pending(self) -> list[PartyRole]:
        """Registered parties not yet told the result."""
        return [p for p in self.parties() if p not in self.told]

    def confirm_no_objection(
        self, *, party: PartyRole, note: str | None, actor: Actor, at: datetime, now: datetime
    ) -> None:
        self._require("confirm no objection on", Status.CONCLUDED, Status.FEEDBACK_GIVEN, Status.OBJECTED)
        self._party_exists(party)
        if note is not None:
            self._non_empty("note", note)
        self._must_be_told(party, "confirm no objection")
        if party in self.objections:
            raise CommandRejected(
                self.status, f"the {_said(party)} objected: its objection is answered by remedy guidance, not withdrawn here"
            )
        if party in self.confirmed:
            raise CommandRejected(self.status, f"the {_said(party)} already confirmed no objection")
        self._trigger(ev.NoObjectionConfirmed, actor, at, now, party=party, note=note)

    def raise_objection(
        self,
        *,
        party: PartyRole,
        content: str,
        actor: Actor,
        at: datetime,
        now: datetime,
        calendar: OfficialCalendar,
    ) -> None:
        self._require(
            "record an objection", Status.CONCLUDED, Status.FEEDBACK_GIVEN, Status.OBJECTED, Status.ARCHIVED
        )
        self._party_exists(party)
        self._non_empty("content", content)
        self._check_at(at, now)
        self._must_be_told(party, "object")
        if party in self.objections:
            raise CommandRejected(self.status, f"each party may object once: the {_said(party)} already objected")
        reopened = self.status == Status.ARCHIVED
        if reopened:
            window = self.reopen_window(party, calendar)
            if at.astimezone(SHANGHAI).date() > window.last_day:
                raise CommandRejected(
                    self.status,
                    f"the remedy windows have closed: an objection of the {_said(party)} could reopen the archived "
                    f"case until {window.last_day.isoformat()} (6 months after its feedback)",
                )
        self._trigger(ev.ObjectionRaised, actor, at, now, party=party, content=content, reopened=reopened)

    def reopen_window(self, party: PartyRole, calendar: OfficialCalendar) -> CalendarPeriodEnd:
        told_on = self.told[party].astimezone(SHANGHAI).date()
        return period_in_months(told_on, REOPEN_MONTHS, calendar, label="the day the party was told the result")

    def give_remedy_guidance(
        self,
        *,
        remedy: RemedyKind,
        content: str,
        act_known_on: date,
        reconsideration_decided_on: date | None,
        actor: Actor,
        at: datetime,
        now: datetime,
        calendar: OfficialCalendar,
        party: PartyRole = PartyRole.PAYER,
    ) -> None:
        self._require("record remedy guidance", Status.CONCLUDED, Status.OBJECTED)
        self._party_exists(party)
        if party not in self.objections:
            raise CommandRejected(
                self.status, f"remedy guidance answers an objection, and the {_said(party)} raised none"
            )
        self._non_empty("content", content)
        today = now.astimezone(SHANGHAI).date()
        if act_known_on > today:
            raise InvalidCommand("act_known_on", "is in the future")
        if act_known_on < self.received_at.astimezone(SHANGHAI).date() - timedelta(days=3660):
            raise InvalidCommand("act_known_on", "is implausibly early (more than ten years before intake)")
        if reconsideration_decided_on is not None:
            if reconsideration_decided_on > today:
                raise InvalidCommand("reconsideration_decided_on", "is in the future")
            if reconsideration_decided_on < act_known_on:
                raise InvalidCommand("reconsideration_decided_on", "is before act_known_on")
        self._check_at(at, now)
        acting_unit = self.handling_unit or self.accepting_unit
        reconsideration = period_in_days(
            act_known_on, RECONSIDERATION_DAYS, calendar, label="the day the party knew of the act"
        )
        if reconsideration_decided_on is not None:
            litigation = period_in_days(
                reconsideration_decided_on,
                AFTER_RECONSIDERATION_DAYS,
                calendar,
                label="the day the reconsideration decision was received",
            )
        else:
            litigation = period_in_months(
                act_known_on, LITIGATION_MONTHS, calendar, label="the day the party knew of the act"
            )
        self._trigger(
            ev.RemedyGuidanceGiven,
            actor,
            at,
            now,
            remedy=remedy,
            content=content,
            act_known_on=act_known_on,
            party=party,
            reconsideration_decided_on=reconsideration_decided_on,
            acting_unit=acting_unit,
            competent_body=competent_body(remedy, acting_unit),
            reconsideration_window=reconsideration,
            litigation_window=litigation,
        )

    def archive(
        self,
        *,
        actor: Actor,
        at: datetime,
        now: datetime,
        calendar: OfficialCalendar,
        quiet_days: int = OBJECTION_QUIET_DAYS,
    ) -> None:
        self._require("archive", Status.FEEDBACK_GIVEN, Status.OBJECTED)
        self._check_at(at, now)
        pending = self.feedback_pending()
        if pending:
            raise CommandRejected(self.status, f"feedback is still pending for: {', '.join(map(_said, pending))}")
        basis: list[ev.ArchiveBasis] = []
        still_open: list[str] = []
        for party in self.parties():
            told_at = self.told[party]
            if party in self.objections:
                if self.objections[party]:
                    basis.append(ev.ArchiveBasis(party, NoObjectionBasis.GUIDED, told_at))
                else:
                    still_open.append(f"{_said(party)} (objection without remedy guidance)")
                continue
            if party in self.confirmed:
                basis.append(ev.ArchiveBasis(party, NoObjectionBasis.CONFIRMED, told_at))
                continue
            quiet = working_day_deadline(
                told_at.astimezone(SHANGHAI).date(), quiet_days, calendar, start_label="the day the party was told"
            )
            if at >= quiet.due_at:
                basis.append(ev.ArchiveBasis(party, NoObjectionBasis.QUIET_PERIOD, told_at, quiet.due_at))
            else:
                local_end = quiet.due_on.isoformat()
                still_open.append(f"{_said(party)} (no 无异议确认, and its quiet period runs to the end of {local_end})")
        if still_open:
            raise CommandRejected(
                self.status,
                "archive needs every told party's no objection (confirmed, or its quiet period passed) and "
                "remedy guidance for every objection; still open: " + "; ".join(still_open),
            )
        reopen_until = max(self.reopen_window(p, calendar).last_day for p in self.parties())
        self._trigger(ev.DisputeArchived, actor, at, now, basis=tuple(basis), reopen_until=reopen_until)

    def _must_be_told(self, party: PartyRole, action: str) -> None:
        if party not in self.told:
            raise CommandRejected(
                self.status, f"the {_said(party)} has not been told the result yet, so it cannot {action}"
            )

    def shred_personal_data(self, *, archived_before: date, actor: Actor, now: datetime) -> None:
        """Retention: the case's personal data is destroyed with its key (crypto-shredding). Only
        for a case archived before the cut-off whose remedy windows have all closed."""
        if self.shredded:
            raise CommandRejected(self.status, "the case's personal data was already destroyed")
        self._require("destroy the personal data of", Status.ARCHIVED)
        archived_at = self.archived_at or self.last_at
        archived_on = archived_at.astimezone(SHANGHAI).date()
        if archived_on >= archived_before:
            raise CommandRejected(self.status, f"archived on {archived_on.isoformat()}, not before {archived_before.isoformat()}")
        today = now.astimezone(SHANGHAI).date()
        if self.remedy_open_until is not None and self.remedy_open_until >= today:
            raise CommandRejected(
                self.status, f"a remedy window is open until {self.remedy_open_until.isoformat()}"
            )
        self._trigger(
            ev.PersonalDataShredded, actor, now, now, archived_before=archived_before, archived_at=archived_at
        )

    # --- supervision and risk -----------------------------------------------------------

    def flag_risk(
        self,
        *,
        kind: str,
        level: RiskLevel,
        people_involved: int,
        note: str | None,
        actor: Actor,
        at: datetime,
        now: datetime,
    ) -> None:
        self._require("flag a risk", *OPEN_STATUSES)
        self._non_empty("kind", kind)
        if people_involved < 1:
            raise InvalidCommand("people_involved", "must be at least 1")
        notified = ("police",) if level == RiskLevel.HIGH else ()
        self._trigger(
            ev.RiskFlagged,
            actor,
            at,
            now,
            kind=kind,
            level=level,
            people_involved=people_involved,
            note=note,
            notified_units=notified,
        )

    def issue_supervision_notice(self, *, unit: str, content: str, actor: Actor, at: datetime, now: datetime) -> None:
        self._require("issue a supervision notice", *OPEN_STATUSES)
        self._non_empty("content", content)
        self._trigger(ev.SupervisionNoticeIssued, actor, at, now, unit=unit, content=content)

    def record_satisfaction(
        self, *, party: PartyRole, satisfied: bool, note: str | None, actor: Actor, at: datetime, now: datetime
    ) -> None:
        # A party told while the other still waits (CONCLUDED) may be followed up already.
        if not (self.status == Status.CONCLUDED and party in self.told):
            self._require("record satisfaction", Status.FEEDBACK_GIVEN, Status.OBJECTED, Status.ARCHIVED)
        self._party_exists(party)
        self._trigger(ev.SatisfactionRecorded, actor, at, now, party=party, satisfied=satisfied, note=note)

    def overdue_clocks(self, now: datetime) -> list[DeadlineKind]:
        """Open deadlines that have passed and whose miss is not yet on the record."""
        return [kind for kind in self.clocks if self._unrecorded_miss(kind, now)]

    def record_missed_deadline(self, *, kind: DeadlineKind, actor: Actor, now: datetime) -> None:
        if not self._unrecorded_miss(kind, now):
            raise CommandRejected(self.status, f"the {kind.value} deadline is not missed")
        self._record_passed(kind, actor, now, now)

    def responsible_unit(self, kind: DeadlineKind) -> str:
        """Who answers for the case's clock of this kind (the unit named on its miss)."""
        clock = self.clocks.get(kind)
        if clock is not None and clock.unit is not None:
            return clock.unit
        if kind == DeadlineKind.TRANSFER:
            return self.accepting_unit
        if kind == DeadlineKind.HANDLING:
            return self.handling_unit or self.accepting_unit
        return TASKFORCE_OFFICE

    def _unrecorded_miss(self, kind: DeadlineKind, at: datetime) -> bool:
        clock = self.clocks.get(kind)
        return (
            clock is not None
            and clock.met_at is None
            and not clock.missed_recorded
            and is_late(clock.deadline.due_at, at)
        )

    def _record_passed(
        self, kind: DeadlineKind, actor: Actor, at: datetime, now: datetime, unit: str | None = None
    ) -> None:
        """Put an open clock's miss on the record if its end had passed by `at`."""
        if not self._unrecorded_miss(kind, at):
            return
        due_at = self.clocks[kind].deadline.due_at
        # The miss happened at the deadline itself, even if noticed later.
        when = max(due_at, self.last_at)
        self._trigger(
            ev.DeadlineMissed, actor, when, now, kind=kind, due_at=due_at, unit=unit or self.responsible_unit(kind)
        )

    def recompute_deadlines(self, *, calendar: OfficialCalendar, actor: Actor, now: datetime) -> bool:
        """Recompute provisional deadlines against a newly loaded calendar; True if recorded."""
        acceptance = self.acceptance
        new_acceptance: Acceptance | None = None
        if acceptance.provisional:
            candidate = deemed_acceptance(self.received_at, calendar)
            if candidate != acceptance:
                new_acceptance = candidate
                acceptance = candidate
        recomputed: list[ev.RecomputedDeadline] = []
        for kind, clock in self.clocks.items():
            old = clock.deadline
            if not old.provisional and new_acceptance is None:
                continue
            if kind == DeadlineKind.HANDLING:
                if self.transferred_at is None:
                    continue
                new = self._deadline_from_act(self.transferred_at, HANDLING_DAYS, calendar, "the day of the transfer")
            elif kind == DeadlineKind.TRANSFER and self.returned_at is not None:
                new = self._deadline_from_act(self.returned_at, TRANSFER_DAYS, calendar, "the day of the return")
            else:
                new = working_day_deadline(
                    acceptance.accepted_on, old.days, calendar, start_label="the day of acceptance"
                )
            if new != old:
                recomputed.append(ev.RecomputedDeadline(kind=kind, deadline=new))
        if new_acceptance is None and not recomputed:
            return False
        self._trigger(
            ev.DeadlinesRecomputed,
            actor,
            max(now, self.last_at),
            now,
            calendar_version=calendar.version,
            acceptance=new_acceptance,
            deadlines=tuple(recomputed),
        )
        return True

    def has_provisional_deadlines(self) -> bool:
        return self.acceptance.provisional or any(c.deadline.provisional for c in self.clocks.values())

    # --- mechanics ----------------------------------------------------------------------

    def collect_events(self) -> list[ev.DisputeEvent]:
        pending: list[ev.DisputeEvent] = self._pending
        self._pending = []
        return pending

    def _trigger(self, cls: type[ev.DisputeEvent], actor: Actor, at: datetime, now: datetime, **fields: Any) -> None:
        self._check_at(at, now)
        event = cls(
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=now,
            at=at,
            actor=actor,
            command_id=self._command_id,
            **fields,
        )
        self.apply(event)
        self._pending.append(event)

    def _require(self, action: str, *allowed: Status) -> None:
        if self.status not in allowed:
            raise CommandRejected(self.status, f"cannot {action} a case in status {self.status.upper()}")

    def _check_at(self, at: datetime, now: datetime) -> None:
        if at.tzinfo is None:
            raise InvalidCommand("at", "must carry a UTC offset")
        if at > now + CLOCK_SKEW:
            raise InvalidCommand("at", "is in the future")
        if at < self.last_at:
            raise InvalidCommand(
                "at", f"is before the case's previous event ({self.last_at.isoformat()})"
            )

    def _party_exists(self, party: PartyRole) -> None:
        if party == PartyRole.OTHER_PARTY and not self.has_other_party:
            raise InvalidCommand("party", "this case records no other party")

    @staticmethod
    def _non_empty(field: str, value: str) -> None:
        if not value.strip():
            raise InvalidCommand(field, "must not be empty")

    def _deadline_from_act(
        self, at: datetime, days: int, calendar: OfficialCalendar, label: str
    ) -> WorkingDayDeadline:
        # A transfer on a rest day is deemed made on the next working day, as an intake is.
        start = deemed_acceptance(at, calendar)
        deadline = working_day_deadline(start.accepted_on, days, calendar, start_label=label)
        if start.accepted_on == start.received_on:
            return deadline
        note = f"the act on {start.received_on.isoformat()} fell on a rest day; counted from {start.accepted_on.isoformat()}"
        return msgspec.structs.replace(
            deadline,
            derivation=(note, *deadline.derivation),
            provisional=deadline.provisional or start.provisional,
        )

    # --- replay: assign state only ------------------------------------------------------

    def apply(self, event: ev.DisputeEvent) -> None:
        self.version = event.originator_version
        self.last_at = max(self.last_at, event.at)
        handler = _APPLIERS.get(type(event))
        if handler is not None:
            handler(self, event)


def _on_resolved(d: Dispute, e: Any) -> None:
    # Settled and told to the payer on the spot; a registered other party must still be told.
    d.status = Status.CONCLUDED
    d.level = Level.SIMPLE
    _meet(d, DeadlineKind.TRANSFER, e.at)
    _told(d, PartyRole.PAYER, e.at)


def _on_transferred(d: Dispute, e: Any) -> None:
    d.status = Status.TRANSFERRED
    d.level = Level.GENERAL
    d.handling_unit = e.to_unit
    d.ever_transferred = True
    d.transferred_at = e.at
    d.signed_for = False
    d.designated = e.designation
    if e.to_unit not in d.units_involved:
        d.units_involved.append(e.to_unit)
    _meet(d, DeadlineKind.TRANSFER, e.at)
    d.clocks[DeadlineKind.HANDLING] = Clock(e.handling_deadline, unit=e.to_unit)


def _on_signed_for(d: Dispute, e: Any) -> None:
    d.signed_for = True


def _on_returned(d: Dispute, e: Any) -> None:
    d.status = Status.ACCEPTED
    d.handling_unit = None
    d.transferred_at = None
    d.returns += 1
    # The returned unit's handling clock is closed (its miss, if any, was recorded before); the
    # case waits on a transfer again, with a clock of its own for the unit that answers for it.
    d.clocks.pop(DeadlineKind.HANDLING, None)
    if e.transfer_deadline is not None:
        d.returned_at = e.at
        d.clocks[DeadlineKind.TRANSFER] = Clock(e.transfer_deadline, unit=e.transfer_unit or d.accepting_unit)
    # Returned twice (also by returns recorded before the rule): gov_office designates, so it
    # may read the case.
    if d.returns >= RETURNS_BEFORE_DESIGNATION and DESIGNATING_UNIT not in d.units_involved:
        d.units_involved.append(DESIGNATING_UNIT)


def _on_concluded(d: Dispute, e: Any) -> None:
    d.status = Status.CONCLUDED
    _meet(d, DeadlineKind.HANDLING, e.at)


def _on_escalated(d: Dispute, e: Any) -> None:
    d.status = Status.ESCALATED
    d.level = Level.SPECIAL
    _meet(d, DeadlineKind.TRANSFER if e.direct else DeadlineKind.HANDLING, e.at)
    d.clocks[DeadlineKind.DELIBERATION] = Clock(e.deliberation_deadline, unit=TASKFORCE_OFFICE)


def _on_deliberated(d: Dispute, e: Any) -> None:
    d.status = Status.DELIBERATED
    d.handling_unit = e.executing_unit
    if e.executing_unit not in d.units_involved:
        d.units_involved.append(e.executing_unit)
    _meet(d, DeadlineKind.DELIBERATION, e.held_at)


def _on_feedback(d: Dispute, e: Any) -> None:
    _told(d, e.party, e.at)


def _told(d: Dispute, party: PartyRole, at: datetime) -> None:
    d.told.setdefault(party, at)
    # The case counts as answered only once every registered party was told (四(三)).
    if d.status == Status.CONCLUDED and not d.feedback_pending():
        d.status = Status.OBJECTED if d.objections else Status.FEEDBACK_GIVEN


def _on_no_objection(d: Dispute, e: Any) -> None:
    if e.party not in d.confirmed:
        d.confirmed.append(e.party)


def _on_objection(d: Dispute, e: Any) -> None:
    # Before 1.1 an objection could come from a party not recorded as told: it knew all the same.
    d.told.setdefault(e.party, e.at)
    d.objections[e.party] = False
    if e.party in d.confirmed:
        d.confirmed.remove(e.party)
    if d.status != Status.CONCLUDED or not d.feedback_pending():
        d.status = Status.OBJECTED
    d.remedy_guided = False


def _on_remedy(d: Dispute, e: Any) -> None:
    d.objections[e.party] = True
    d.remedy_guided = all(d.objections.values())
    last = max(e.reconsideration_window.last_day, e.litigation_window.last_day)
    d.remedy_open_until = last if d.remedy_open_until is None else max(d.remedy_open_until, last)


def _on_archived(d: Dispute, e: Any) -> None:
    d.status = Status.ARCHIVED
    d.archived_at = e.at
    if e.reopen_until is not None:
        last = e.reopen_until
        d.remedy_open_until = last if d.remedy_open_until is None else max(d.remedy_open_until, last)


def _on_shredded(d: Dispute, e: Any) -> None:
    d.shredded = True


def _on_risk(d: Dispute, e: Any) -> None:
    # A unit notified of a risk (the police, for a high one) may read the case from then on.
    for unit in e.notified_units:
        if unit not in d.units_involved:
            d.units_involved.append(unit)


def _on_missed(d: Dispute, e: Any) -> None:
    clock = d.clocks.get(e.kind)
    if clock is not None:
        clock.missed_recorded = True


def _on_recomputed(d: Dispute, e: Any) -> None:
    if e.acceptance is not None:
        d.acceptance = e.acceptance
    for item in e.deadlines:
        clock = d.clocks.get(item.kind)
        if clock is not None:
            clock.deadline = item.deadline


def _meet(d: Dispute, kind: DeadlineKind, at: datetime) -> None:
    clock = d.clocks.get(kind)
    if clock is not None and clock.met_at is None:
        clock.met_at = at


_APPLIERS: dict[type, Any] = {
    ev.ResolvedOnSpot: _on_resolved,
    ev.DisputeTransferred: _on_transferred,
    ev.TransferSignedFor: _on_signed_for,
    ev.DisputeReturned: _on_returned,
    ev.HandlingConcluded: _on_concluded,
    ev.DisputeEscalated: _on_escalated,
    ev.DeliberationHeld: _on_deliberated,
    ev.FeedbackGiven: _on_feedback,
    ev.ObjectionRaised: _on_objection,
    ev.NoObjectionConfirmed: _on_no_objection,
    ev.RemedyGuidanceGiven: _on_remedy,
    ev.DisputeArchived: _on_archived,
    ev.RiskFlagged: _on_risk,
    ev.DeadlineMissed: _on_missed,
    ev.DeadlinesRecomputed: _on_recomputed,
    ev.PersonalDataShredded: _on_shredded,
}



def _said(party: PartyRole) -> str:
    # The contract's code, so that a client can find the party it names in the message.
    return party.value


def project_dispute(state: Dispute | None, events: Any) -> Dispute | None:
    """The repository's projector: fold stored events (and a snapshot) into the aggregate."""
    dispute = state
    for event in events:
        if isinstance(event, ev.DisputeSnapshot):
            dispute = msgspec.json.decode(event.state, type=Dispute)
            dispute._start_work()
            _adopt_legacy(dispute)
        elif isinstance(event, ev.DisputeRegistered):
            dispute = Dispute._from_registered(event)
        elif dispute is not None:
            dispute.apply(event)
    return dispute


def take_snapshot(dispute: Dispute, now: datetime) -> ev.DisputeSnapshot:
    return ev.DisputeSnapshot(
        originator_id=dispute.id,
        originator_version=dispute.version,
        timestamp=now,
        state=msgspec.json.encode(dispute),
    )


def _adopt_legacy(d: Dispute) -> None:
    """A state snapshotted before 1.1 knows nothing of who was told: under the old rule a case
    past feedback had answered its parties, so they count as told at its last act (the later
    start keeps quiet periods and remedy windows on the party's side)."""
    if d.answers_tracked:
        return
    d.answers_tracked = True
    if d.status in (Status.FEEDBACK_GIVEN, Status.OBJECTED, Status.ARCHIVED):
        for party in d.parties():
            d.told.setdefault(party, d.last_at)
    if d.status == Status.OBJECTED:
        d.objections.setdefault(PartyRole.PAYER, d.remedy_guided)
