"""Recording historical cases from an intake ledger (台账): which commands a validated ledger row
becomes, and recording them through the use cases.

A row becomes a new case through `Fengqiao.import_case` (DisputeRegistered dated at the received
time and marked `imported`), followed, where the ledger says the case was settled, by the acts that
got it there, each dated no earlier than the one before:

- ACCEPTED: nothing more.
- TRANSFERRED with a handling unit: transfer at the received time (the ledger keeps no transfer
  time; the transfer note says so).
- CONCLUDED / FEEDBACK_GIVEN / ARCHIVED with handling unit, outcome, result and settled time:
  transfer at the received time, conclude by the handling unit at the settled time, then feedback
  to the payer (and to the other party, where one is registered) and archive at the settled time
  as the status requires.
- FEEDBACK_GIVEN / ARCHIVED settled on the spot (or with neither handling unit nor outcome):
  resolve on the spot at the settled time (and tell the other party), then archive.
- An archive needs every told party's no objection: a ledger that says "archived" says there was
  none, so each told party's 无异议确认 is recorded at the settled time, marked as from the ledger.
- anything else (ESCALATED, DELIBERATED, OBJECTED, or a settled status lacking the facts above):
  registered only, as ACCEPTED, with a `Shortfall` saying why.

Every row's commands carry idempotency keys derived from the row's content, scoped to the
importing actor, so recording the same rows again replays the first answers instead of recording
new cases. Once those keys have expired, a row whose case the store already holds (the caller's
`find_existing` says which) is reported as existing and nothing is recorded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Literal

import msgspec

from application import commands as cmd
from application.disputes import Fengqiao, IdempotencyKey, idempotency_scope
from domain.calendar import SHANGHAI, deemed_acceptance
from domain.values import Actor, Channel, FeedbackMethod, Outcome, PartyRole, Role, Status

IMPORT_SUBJECT = "ledger-import"
TRANSFER_NOTE = "台账导入：原台账未记载转交时间，按受理时间记录。"
FEEDBACK_CONTENT = "台账导入：原台账记载已将处理结果反馈缴费人，反馈时间按办结时间记录。"
FEEDBACK_CONTENT_OTHER = "台账导入：原台账记载已将处理结果反馈争议对方，反馈时间按办结时间记录。"
NO_OBJECTION_NOTE = "台账导入：原台账记载已归档，即当事人对处理结果无异议；确认时间按办结时间记录。"
# Feedback method when the ledger does not say: the way the payer came in.
FEEDBACK_BY_CHANNEL: dict[Channel, FeedbackMethod] = {
    Channel.HOTLINE_12345: FeedbackMethod.PHONE,
    Channel.HOTLINE_12333: FeedbackMethod.PHONE,
    Channel.HOTLINE_12366: FeedbackMethod.PHONE,
    Channel.DEPARTMENT_PHONE: FeedbackMethod.PHONE,
    Channel.SERVICE_WINDOW: FeedbackMethod.IN_PERSON,
    Channel.PETITION_TRANSFER: FeedbackMethod.LETTER,
    Channel.TOWNSHIP_POINT: FeedbackMethod.IN_PERSON,
}
_SETTLED = (Status.CONCLUDED, Status.FEEDBACK_GIVEN, Status.ARCHIVED)


@dataclass(frozen=True)
class LedgerRow:
    """One validated ledger row, ready to record."""

    row: int  # the spreadsheet's row number, for the report
    original_number: str | None
    register: cmd.RegisterDispute
    status: Status
    handling_unit: str | None
    outcome: Outcome | None
    on_spot: bool
    result: str | None
    settled_at: datetime | None

    @cached_property
    def fingerprint(self) -> str:
        """The row's content: two rows with the same fingerprint are the same case."""
        content = {
            "case_number": self.original_number,
            "register": msgspec.to_builtins(self.register),
            "status": self.status.value,
            "handling_unit": self.handling_unit,
            "outcome": self.outcome.value if self.outcome else None,
            "on_spot": self.on_spot,
            "result": self.result,
            "settled_at": self.settled_at.isoformat() if self.settled_at else None,
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Step:
    name: str  # also the use case's method on Fengqiao
    actor: Actor
    command: cmd.Command
    key: str | None = None  # its part of the idempotency key, when the name alone is not unique

    @property
    def key_part(self) -> str:
        return self.key or self.name


@dataclass(frozen=True)
class Shortfall:
    """Why a row's case is not brought to its ledger status, and the status it gets instead.

    reason: `no_handling_unit` (TRANSFERRED without a handling unit), `not_rebuildable` (a status
    whose acts the ledger does not keep), `missing` (a settled status lacking the `missing`
    LedgerRow fields), `told_on_the_spot` (CONCLUDED, but settling on the spot tells the payer at once),
    `not_on_the_spot` (marked settled on the spot, but settled after the day of receipt: a general case).
    """

    reason: Literal["no_handling_unit", "not_rebuildable", "missing", "told_on_the_spot", "not_on_the_spot"]
    imported_as: Status
    on_spot: bool = False
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnownCase:
    case_number: str
    status: str  # as the read side shows it


@dataclass(frozen=True)
class Recorded:
    """What recording one row did: `imported` now, `replayed` (an earlier import of the same row
    recorded it), or `existing` (the store held the case already; nothing recorded)."""

    outcome: Literal["imported", "replayed", "existing"]
    case_number: str
    status: str  # upper case, as CommandResult.status
    acts: tuple[str, ...] = ()
    shortfall: Shortfall | None = None


def plan(row: LedgerRow, accepted_on: date | None = None) -> tuple[list[Step], Shortfall | None]:
    """The acts after registration that bring the case to its ledger status, and a shortfall when
    the ledger does not allow it (the case then stays ACCEPTED). `accepted_on`: the deemed day of
    acceptance, the last day a case may be settled on the spot."""
    if row.status == Status.ACCEPTED:
        return [], None
    if row.status == Status.TRANSFERRED:
        if row.handling_unit is None:
            return [], Shortfall("no_handling_unit", Status.ACCEPTED)
        return [_transfer(row, row.handling_unit)], None
    if row.status not in _SETTLED:
        return [], Shortfall("not_rebuildable", Status.ACCEPTED)
    if row.on_spot or (row.outcome is None and row.handling_unit is None):
        return _settled_on_the_spot(row, accepted_on)
    return _settled_by_the_handling_unit(row)


def _clerk(row: LedgerRow) -> Actor:
    return Actor(IMPORT_SUBJECT, Role.CLERK, row.register.accepting_unit)


def _transfer(row: LedgerRow, to_unit: str) -> Step:
    return Step("transfer", _clerk(row), cmd.Transfer(to_unit=to_unit, note=TRANSFER_NOTE, at=row.register.received_at))


def _missing(row: LedgerRow, *fields: str) -> tuple[str, ...]:
    return tuple(f for f in fields if getattr(row, f) is None)


def _settled_on_the_spot(row: LedgerRow, accepted_on: date | None) -> tuple[list[Step], Shortfall | None]:
    missing = _missing(row, "result", "settled_at")
    if row.result is None or row.settled_at is None:
        return [], Shortfall("missing", Status.ACCEPTED, on_spot=True, missing=missing)
    if accepted_on is not None and row.settled_at.astimezone(SHANGHAI).date() > accepted_on:
        # 当场处理 is that visit or call (domain.md, "On the spot"): settled later, it was a
        # general case, whose transfer and handling the ledger does not keep.
        return [], Shortfall("not_on_the_spot", Status.ACCEPTED, on_spot=True)
    clerk = _clerk(row)
    method = FEEDBACK_BY_CHANNEL[row.register.channel]
    steps = [Step("resolve_on_spot", clerk, cmd.ResolveOnSpot(result=row.result, feedback_method=method, at=row.settled_at))]
    if row.status in (Status.FEEDBACK_GIVEN, Status.ARCHIVED) and row.register.other_party is not None:
        steps.append(_feedback(row, PartyRole.OTHER_PARTY))
    if row.status == Status.ARCHIVED:
        steps += _archive(row)
    told = Shortfall("told_on_the_spot", Status.FEEDBACK_GIVEN) if row.status == Status.CONCLUDED else None
    return steps, told


def _settled_by_the_handling_unit(row: LedgerRow) -> tuple[list[Step], Shortfall | None]:
    missing = _missing(row, "handling_unit", "outcome", "result", "settled_at")
    if row.handling_unit is None or row.outcome is None or row.result is None or row.settled_at is None:
        return [], Shortfall("missing", Status.ACCEPTED, missing=missing)
    handler = Actor(IMPORT_SUBJECT, Role.HANDLER, row.handling_unit)
    steps = [
        _transfer(row, row.handling_unit),
        Step("conclude", handler, cmd.Conclude(outcome=row.outcome, result=row.result, at=row.settled_at)),
    ]
    if row.status in (Status.FEEDBACK_GIVEN, Status.ARCHIVED):
        steps += [_feedback(row, party) for party in _parties(row)]
    if row.status == Status.ARCHIVED:
        steps += _archive(row)
    return steps, None


def _parties(row: LedgerRow) -> tuple[PartyRole, ...]:
    if row.register.other_party is None:
        return (PartyRole.PAYER,)
    return (PartyRole.PAYER, PartyRole.OTHER_PARTY)


def _feedback(row: LedgerRow, party: PartyRole) -> Step:
    method = FEEDBACK_BY_CHANNEL[row.register.channel]
    # The payer's feedback keeps the key it had before other parties were told, so that a file
    # imported then replays instead of recording anew.
    if party == PartyRole.PAYER:
        return Step("give_feedback", _clerk(row), cmd.GiveFeedback(
            party=party, method=method, content=FEEDBACK_CONTENT, at=row.settled_at))
    return Step("give_feedback", _clerk(row), cmd.GiveFeedback(
        party=party, method=method, content=FEEDBACK_CONTENT_OTHER, at=row.settled_at), key="give_feedback:other_party")


def _archive(row: LedgerRow) -> list[Step]:
    clerk = _clerk(row)
    confirmations = [
        Step("confirm_no_objection", clerk, cmd.NoObjection(party=party, note=NO_OBJECTION_NOTE, at=row.settled_at),
             key=f"confirm_no_objection:{party.value}")
        for party in _parties(row)
    ]
    return [*confirmations, Step("archive", clerk, cmd.Archive(at=row.settled_at))]


def record(app: Fengqiao, row: LedgerRow, find_existing: Callable[[LedgerRow], KnownCase | None]) -> Recorded:
    """Record one row: register the case, then the acts of its plan, each under its idempotency key."""
    clerk = _clerk(row)
    base = f"ledger-import:{app.privacy.digest(row.fingerprint)[:40]}"
    outcome: Literal["imported", "replayed"] = "imported"
    if app.store.lookup_idempotency(idempotency_scope(clerk), base) is not None:
        outcome = "replayed"
    else:
        existing = find_existing(row)
        if existing is not None:
            return Recorded("existing", existing.case_number, existing.status.upper())
    result = app.import_case(row.register, clerk, _key(base, row.fingerprint, "register"))
    steps, shortfall = plan(row, deemed_acceptance(row.register.received_at, app.calendar()).accepted_on)
    for step in steps:
        use_case: Callable[..., cmd.CommandResult] = getattr(app, step.name)
        result = use_case(result.case_number, step.command, step.actor,
                          _key(f"{base}:{step.key_part}", row.fingerprint, step.key_part))
    return Recorded(outcome, result.case_number, result.status, ("register", *(s.name for s in steps)), shortfall)


def _key(key: str, fingerprint: str, step: str) -> IdempotencyKey:
    # The request is the row itself: every command of a row follows from its content alone.
    return IdempotencyKey(key=key, request_hash=hashlib.sha256(f"{fingerprint}:{step}".encode()).hexdigest())
