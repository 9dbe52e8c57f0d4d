"""The Dispute's events: facts in the past tense, each saying who acted and when.

Module path and class names are stored as topics in the event store: never rename them without
registering the old topic (see infrastructure.serialization).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import msgspec

from domain.calendar import Acceptance, CalendarPeriodEnd, WorkingDayDeadline
from domain.values import (
    Actor,
    Attendee,
    Category,
    Channel,
    DeadlineKind,
    FeedbackMethod,
    InsuranceType,
    NoObjectionBasis,
    OtherParty,
    Outcome,
    PartyRole,
    Payer,
    RemedyKind,
    RiskLevel,
)


class DisputeEvent(msgspec.Struct, frozen=True, kw_only=True):
    originator_id: UUID
    originator_version: int
    timestamp: datetime  # when the server recorded it (UTC)
    at: datetime  # when the act happened (UTC); earlier than timestamp when back-dated
    actor: Actor
    command_id: UUID | None = None  # which command recorded it: tells our own write from a rival's


class DisputeRegistered(DisputeEvent, frozen=True, kw_only=True):
    """受理: the intake ledger entry (台账)."""

    case_number: str
    channel: Channel
    received_at: datetime
    accepting_unit: str
    payer: Payer
    category: Category
    summary: str
    other_party: OtherParty | None = None
    external_ref: str | None = None
    insurance_types: tuple[InsuranceType, ...] = ()
    people_involved: int = 1
    township: str | None = None
    suggested_unit: str
    acceptance: Acceptance
    transfer_deadline: WorkingDayDeadline
    imported: bool = False
    routing_rule: str | None = None  # which rule suggested the unit (None: recorded before it was named)


class ResolvedOnSpot(DisputeEvent, frozen=True, kw_only=True):
    """简易事项: settled by the clerk on the spot and told to the payer at once."""

    result: str
    feedback_method: FeedbackMethod


class DisputeTransferred(DisputeEvent, frozen=True, kw_only=True):
    """转交: handed to the responsible unit; starts (or restarts) the handling clock."""

    to_unit: str
    note: str | None = None
    suggested_unit: str
    routing_override: bool
    handling_deadline: WorkingDayDeadline
    # 指定承办: after a second return, gov_office or the task force names the handling unit.
    designation: bool = False


class TransferSignedFor(DisputeEvent, frozen=True, kw_only=True):
    """The handling unit acknowledges receipt of a transferred case."""

    unit: str


class DisputeReturned(DisputeEvent, frozen=True, kw_only=True):
    """The handling unit gives the case back as not its responsibility.

    The return closes the handling clock (not met) and opens a new transfer clock for
    `transfer_unit`: the accepting unit, or gov_office once the case awaits designation.
    Returns recorded before that rule carry neither (None: no new clock)."""

    from_unit: str
    reason: str
    transfer_deadline: WorkingDayDeadline | None = None
    transfer_unit: str | None = None
    awaits_designation: bool = False


class ProgressRecorded(DisputeEvent, frozen=True, kw_only=True):
    note: str


class HandlingConcluded(DisputeEvent, frozen=True, kw_only=True):
    """办结."""

    outcome: Outcome
    result: str
    unit: str


class DisputeEscalated(DisputeEvent, frozen=True, kw_only=True):
    """提请工作专班研判: the handling unit cannot settle it alone, or (`direct`) the accepting unit
    sends a special matter straight to the task force before any transfer (三(二))."""

    reason: str
    from_unit: str
    deliberation_deadline: WorkingDayDeadline
    direct: bool = False


class DeliberationHeld(DisputeEvent, frozen=True, kw_only=True):
    """集体商议: minutes and a written handling opinion naming who carries it out."""

    held_at: datetime
    attendees: tuple[Attendee, ...]
    minutes: str
    written_opinion: str
    executing_unit: str


class FeedbackGiven(DisputeEvent, frozen=True, kw_only=True):
    party: PartyRole
    method: FeedbackMethod
    content: str


class ObjectionRaised(DisputeEvent, frozen=True, kw_only=True):
    party: PartyRole
    content: str
    reopened: bool = False  # raised on an archived case, within the party's remedy window


class NoObjectionConfirmed(DisputeEvent, frozen=True, kw_only=True):
    """无异议确认: a told party accepts the result."""

    party: PartyRole
    note: str | None = None


class RemedyGuidanceGiven(DisputeEvent, frozen=True, kw_only=True):
    """业务指导 by the justice bureau towards reconsideration or litigation."""

    remedy: RemedyKind
    content: str
    act_known_on: date
    party: PartyRole = PartyRole.PAYER  # whose objection it answers; events before 1.1 answered the payer
    reconsideration_decided_on: date | None
    acting_unit: str | None
    competent_body: str
    reconsideration_window: CalendarPeriodEnd
    litigation_window: CalendarPeriodEnd


class ArchiveBasis(msgspec.Struct, frozen=True):
    """For one told party, why the case could be archived."""

    party: PartyRole
    basis: NoObjectionBasis
    told_at: datetime
    quiet_until: datetime | None = None  # the end of its quiet period, for the quiet-period basis


class DisputeArchived(DisputeEvent, frozen=True, kw_only=True):
    """案卷归档, with the no-objection basis of every told party (empty for events before 1.1)."""

    basis: tuple[ArchiveBasis, ...] = ()
    # The last day an objection of a told party could still reopen the case (6 months after its
    # feedback, a rest day moved on); personal data is kept at least until then.
    reopen_until: date | None = None


class RiskFlagged(DisputeEvent, frozen=True, kw_only=True):
    kind: str
    level: RiskLevel
    people_involved: int
    note: str | None = None
    notified_units: tuple[str, ...] = ()


class SupervisionNoticeIssued(DisputeEvent, frozen=True, kw_only=True):
    """督办 by the task-force office, naming the unit it is addressed to."""

    unit: str
    content: str


class SatisfactionRecorded(DisputeEvent, frozen=True, kw_only=True):
    """回访: the follow-up with a party and how satisfied they were."""

    party: PartyRole
    satisfied: bool
    note: str | None = None


class DeadlineMissed(DisputeEvent, frozen=True, kw_only=True):
    """A deadline passed unmet; recorded by the service's scheduler, or with the act that closes
    the clock unmet (a return) or finds it already passed (an escalation). Never undone.

    `unit` answers for the miss; None on misses recorded before it was named (then the unit that
    held the clock: see the readers)."""

    kind: DeadlineKind
    due_at: datetime
    unit: str | None = None


class PersonalDataShredded(DisputeEvent, frozen=True, kw_only=True):
    """The case's data key was destroyed (retention: crypto-shredding of an archived case). Its
    events stay and still verify; the personal data sealed in them can no longer be read."""

    archived_before: date  # the retention cut-off the shredding applied
    archived_at: datetime


class RecomputedDeadline(msgspec.Struct, frozen=True):
    kind: DeadlineKind
    deadline: WorkingDayDeadline


class DeadlinesRecomputed(DisputeEvent, frozen=True, kw_only=True):
    """Provisional deadlines recomputed after a year's holiday notice was loaded."""

    calendar_version: str
    acceptance: Acceptance | None
    deadlines: tuple[RecomputedDeadline, ...]


class DisputeSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """The aggregate's state at a version, so a long case loads without replaying everything."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    state: bytes


ALL_EVENTS: tuple[type[DisputeEvent], ...] = (
    DisputeRegistered,
    ResolvedOnSpot,
    DisputeTransferred,
    TransferSignedFor,
    DisputeReturned,
    ProgressRecorded,
    HandlingConcluded,
    DisputeEscalated,
    DeliberationHeld,
    FeedbackGiven,
    ObjectionRaised,
    NoObjectionConfirmed,
    RemedyGuidanceGiven,
    DisputeArchived,
    RiskFlagged,
    SupervisionNoticeIssued,
    SatisfactionRecorded,
    DeadlineMissed,
    DeadlinesRecomputed,
    PersonalDataShredded,
)
