"""Command payloads as they arrive over the wire (msgspec Structs: unknown fields are refused)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from domain.values import (
    Category,
    Channel,
    FeedbackMethod,
    InsuranceType,
    Outcome,
    PartyRole,
    PayerKind,
    RemedyKind,
    RiskLevel,
)

# No control characters in any text (C0 but tab and newline, CR only before a newline, DEL, lone
# surrogates): they break exports and terminals later, long after the input was accepted.
NO_CONTROL = r"^(?:[^\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]++|\r(?=\n))*+$"
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=8000, pattern=NO_CONTROL)]
Short = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_CONTROL)]
Identifier = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=NO_CONTROL)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


class Command(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    at: datetime | None = None  # when the act happened, if recorded later


class PayerInput(msgspec.Struct, forbid_unknown_fields=True):
    kind: PayerKind
    name: Short
    id_number: Identifier
    phone: Identifier


class OtherPartyInput(msgspec.Struct, forbid_unknown_fields=True):
    name: Short
    kind: Short | None = None
    contact: Short | None = None


class RegisterDispute(Command, kw_only=True):
    channel: Channel
    received_at: datetime
    accepting_unit: Code
    payer: PayerInput
    category: Category
    summary: Text
    other_party: Short | OtherPartyInput | None = None
    external_ref: Short | None = None
    insurance_types: list[InsuranceType] = []
    people_involved: Annotated[int, msgspec.Meta(ge=1, le=100000)] = 1
    township: Short | None = None


class ResolveOnSpot(Command, kw_only=True):
    result: Text
    feedback_method: FeedbackMethod


class Transfer(Command, kw_only=True):
    to_unit: Code
    note: Text | None = None


class SignFor(Command, kw_only=True):
    pass


class Return(Command, kw_only=True):
    reason: Text


class RecordProgress(Command, kw_only=True):
    note: Text


class Conclude(Command, kw_only=True):
    outcome: Outcome
    result: Text


class Escalate(Command, kw_only=True):
    reason: Text


class AttendeeInput(msgspec.Struct, forbid_unknown_fields=True):
    unit: Code
    name: Short


class HoldDeliberation(Command, kw_only=True):
    held_at: Annotated[str, msgspec.Meta(min_length=10, max_length=40, pattern=NO_CONTROL)]  # a date or a date-time
    attendees: Annotated[list[AttendeeInput], msgspec.Meta(min_length=1, max_length=100)]
    minutes: Text
    written_opinion: Text
    executing_unit: Code


class GiveFeedback(Command, kw_only=True):
    party: PartyRole
    method: FeedbackMethod
    content: Text


class RaiseObjection(Command, kw_only=True):
    party: PartyRole
    content: Text


class NoObjection(Command, kw_only=True):
    party: PartyRole
    note: Text | None = None


class GiveRemedyGuidance(Command, kw_only=True):
    remedy: RemedyKind
    content: Text
    act_known_on: date
    reconsideration_decided_on: date | None = None
    party: PartyRole = PartyRole.PAYER  # whose objection it answers


class Archive(Command, kw_only=True):
    pass


class FlagRisk(Command, kw_only=True):
    kind: Short
    level: RiskLevel
    people_involved: Annotated[int, msgspec.Meta(ge=1, le=100000)] = 1
    note: Text | None = None


class IssueSupervisionNotice(Command, kw_only=True):
    unit: Code
    content: Text


class RecordSatisfaction(Command, kw_only=True):
    party: PartyRole
    satisfied: bool
    note: Text | None = None


class AddUnit(Command, kw_only=True):
    code: Code
    name: Short


class CommandResult(msgspec.Struct, frozen=True):
    id: str
    case_number: str
    status: str
    version: int
    position: int | None


class ReplayedResult(CommandResult, frozen=True):
    """The first answer, given again to a retry with the same Idempotency-Key (the same members:
    the interfaces say it was replayed with the header `Idempotent-Replayed: true`)."""
