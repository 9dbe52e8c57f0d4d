"""The lifecycle commands on a registered case.

Each names its rule in the access table and its decision on the `Dispute`; the command path
loads the case, runs the decision and saves what it decided, in one store transaction. The
scheduler's missed deadlines are the same steps written out: load, decide, save.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from datetime import time as dtime
from uuid import uuid4

from eventsourcing.persistence import IntegrityError

from application import commands as cmd
from application.command_path import SYSTEM, CaseCommand, CommandPath, Decide, aware, resolve
from application.errors import InvalidCommand
from application.idempotency import IdempotencyKey
from application.reference_cache import ReferenceCache
from domain.calendar import SHANGHAI
from domain.values import Actor, Attendee

Result = cmd.CommandResult
Key = IdempotencyKey | None


class LifecycleCommands:
    clock: Callable[[], datetime]
    objection_quiet_days: int  # working days after a party's feedback before no objection is presumed
    commands: CommandPath
    reference: ReferenceCache

    def _act(self, ref: str, name: str, c: cmd.Command, actor: Actor, idem: Key, decide: Decide) -> Result:
        return self.commands.act(CaseCommand(ref, name, actor, idem, c.at, decide))

    def resolve_on_spot(self, ref: str, c: cmd.ResolveOnSpot, actor: Actor, idem: Key = None) -> Result:
        return self._act(ref, "resolve_on_spot", c, actor, idem, lambda d, at, now, cal: d.resolve_on_spot(
            result=c.result, feedback_method=c.feedback_method, actor=actor, at=at, now=now))

    def transfer(self, ref: str, c: cmd.Transfer, actor: Actor, idem: Key = None) -> Result:
        to_unit = self.reference.unit("to_unit", c.to_unit)
        return self._act(ref, "transfer", c, actor, idem, lambda d, at, now, cal: d.transfer(
            to_unit=to_unit, note=c.note, actor=actor, at=at, now=now, calendar=cal))

    def sign_for(self, ref: str, c: cmd.SignFor, actor: Actor, idem: Key = None) -> Result:
        return self._act(ref, "sign_for", c, actor, idem, lambda d, at, now, cal: d.sign_for(
            actor=actor, at=at, now=now))

    def return_case(self, ref: str, c: cmd.Return, actor: Actor, idem: Key = None) -> Result:
        return self._act(ref, "return", c, actor, idem, lambda d, at, now, cal: d.return_to_accepting_unit(
            reason=c.reason, actor=actor, at=at, now=now, calendar=cal))

    def record_progress(self, ref: str, c: cmd.RecordProgress, actor: Actor, idem: Key = None) -> Result:
        return self._act(ref, "progress", c, actor, idem, lambda d, at, now, cal: d.record_progress(
            note=c.note, actor=actor, at=at, now=now))

    def conclude(self, ref: str, c: cmd.Conclude, actor: Actor, idem: Key = None) -> Result:
        return self._act(ref, "conclude", c, actor, idem, lambda d, at, now, cal: d.conclude(
            outcome=c.outcome, result=c.result, actor=actor, at=at, now=now))

    def escalate(self, ref: str, c: cmd.Escalate, actor: Actor, idem: Key = None) -> Result:
        return self._act(ref, "escalate", c, actor, idem, lambda d, at, now, cal: d.escalate(
            reason=c.reason, actor=actor, at=at, now=now, calendar=cal))

    def hold_deliberation(self, ref: str, c: cmd.HoldDeliberation, actor: Actor, idem: Key = None) -> Result:
        executing = self.reference.unit("executing_unit", c.executing_unit)
        attendees = tuple(
            Attendee(unit=self.reference.unit(f"attendees[{i}].unit", a.unit), name=a.name)
            for i, a in enumerate(c.attendees)
        )
        held_at(c.held_at, None, None)  # validate before loading anything
        return self._act(ref, "deliberation", c, actor, idem, lambda d, at, now, cal: d.hold_deliberation(
            held_at=held_at(c.held_at, min(at, now), d.last_at), attendees=attendees, minutes=c.minutes,
            written_opinion=c.written_opinion, executing_unit=executing, actor=actor, at=at, now=now))

    def give_feedback(self, ref: str, c: cmd.GiveFeedback, actor: Actor, idem: Key = None) -> Result:
        return self._act(ref, "feedback", c, actor, idem, lambda d, at, now, cal: d.give_feedback(
            party=c.party, method=c.method, content=c.content, actor=actor, at=at, now=now))

    def raise_objection(self, ref: str, c: cmd.RaiseObjection, actor: Actor, idem: Key = None) -> Result:
        return self._act(ref, "objection", c, actor, idem, lambda d, at, now, cal: d.raise_objection(
            party=c.party, content=c.content, actor=actor, at=at, now=now, calendar=cal))

    def confirm_no_objection(self, ref: str, c: cmd.NoObjection, actor: Actor, idem: Key = None) -> Result:
        return self._act(ref, "no_objection", c, actor, idem, lambda d, at, now, cal: d.confirm_no_objection(
            party=c.party, note=c.note, actor=actor, at=at, now=now))

    def give_remedy_guidance(self, ref: str, c: cmd.GiveRemedyGuidance, actor: Actor, idem: Key = None) -> Result:
        return self._act(ref, "remedy_guidance", c, actor, idem, lambda d, at, now, cal: d.give_remedy_guidance(
            remedy=c.remedy, content=c.content, act_known_on=c.act_known_on,
            reconsideration_decided_on=c.reconsideration_decided_on, actor=actor, at=at, now=now, calendar=cal,
            party=c.party))

    def archive(self, ref: str, c: cmd.Archive, actor: Actor, idem: Key = None) -> Result:
        return self._act(ref, "archive", c, actor, idem, lambda d, at, now, cal: d.archive(
            actor=actor, at=at, now=now, calendar=cal, quiet_days=self.objection_quiet_days))

    def flag_risk(self, ref: str, c: cmd.FlagRisk, actor: Actor, idem: Key = None) -> Result:
        return self._act(ref, "risk_flag", c, actor, idem, lambda d, at, now, cal: d.flag_risk(
            kind=c.kind, level=c.level, people_involved=c.people_involved, note=c.note, actor=actor, at=at, now=now))

    def issue_supervision_notice(self, ref: str, c: cmd.IssueSupervisionNotice, actor: Actor, idem: Key = None) -> Result:
        unit = self.reference.unit("unit", c.unit)
        return self._act(ref, "supervision_notice", c, actor, idem, lambda d, at, now, cal: d.issue_supervision_notice(
            unit=unit, content=c.content, actor=actor, at=at, now=now))

    def record_satisfaction(self, ref: str, c: cmd.RecordSatisfaction, actor: Actor, idem: Key = None) -> Result:
        return self._act(ref, "satisfaction", c, actor, idem, lambda d, at, now, cal: d.record_satisfaction(
            party=c.party, satisfied=c.satisfied, note=c.note, actor=actor, at=at, now=now))

    def record_missed_deadlines(self, ref: str) -> int:
        """Scheduler: put every passed, unmet deadline of a case on its record."""
        dispute = self.commands.load(resolve(ref))
        now = self.clock()
        kinds = dispute.overdue_clocks(now)
        if not kinds:
            return 0
        dispute.begin_command(uuid4())
        for kind in kinds:
            dispute.record_missed_deadline(kind=kind, actor=SYSTEM, now=now)
        try:
            self.commands.save(dispute)
        except IntegrityError:
            return 0  # a concurrent command won; the next sweep sees the case again
        return len(kinds)


def held_at(value: str, latest: datetime | None, earliest: datetime | None) -> datetime:
    text = value.strip()
    try:
        if len(text) == 10:
            # A meeting given by date only: noon of that day in Gaoping, kept within what the
            # record allows (not after it was recorded, not before the escalation) on that day.
            held = datetime.combine(date.fromisoformat(text), dtime(12, 0), SHANGHAI).astimezone(UTC)
            if latest is not None and held > latest and _same_day(latest, held):
                held = latest
            if earliest is not None and held < earliest and _same_day(earliest, held):
                held = earliest
            return held
        return aware("held_at", datetime.fromisoformat(text))
    except ValueError:
        raise InvalidCommand("held_at", "expected a date (2024-10-10) or a date-time with offset") from None


def _same_day(a: datetime, b: datetime) -> bool:
    return a.astimezone(SHANGHAI).date() == b.astimezone(SHANGHAI).date()
