"""One demo case and the acts it can record, each through the application's use cases with a
back-dated `at`, exactly as a clerk recording past acts would. No act is dated after the clock."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import msgspec

from application import commands as cmd
from domain.calendar import SHANGHAI, deemed_acceptance
from domain.values import (
    BUILTIN_UNITS,
    DEFAULT_HANDLING_UNIT,
    TOWNSHIPS,
    Actor,
    Channel,
    FeedbackMethod,
    PartyRole,
    PayerKind,
    RemedyKind,
    Role,
)
from interfaces.demo.material import Special
from interfaces.demo.planning import Demo, Plan, local

_C = TypeVar("_C", bound=cmd.Command)
TASKFORCE = Actor(subject="demo-taskforce-office", role=Role.TASKFORCE)
LEGAL = Actor(subject="demo-legal-justice", role=Role.LEGAL, unit="justice")
_IN_PERSON_CHANNELS = (Channel.SERVICE_WINDOW, Channel.TOWNSHIP_POINT)


def clerk(unit: str) -> Actor:
    return Actor(subject=f"demo-clerk-{unit}", role=Role.CLERK, unit=unit)


def handler(unit: str) -> Actor:
    return Actor(subject=f"demo-handler-{unit}", role=Role.HANDLER, unit=unit)


def landline(rng: random.Random) -> str:
    return f"0356-5{rng.randrange(10**6):06d}"


class Case:
    def __init__(self, demo: Demo, plan: Plan) -> None:
        self.demo = demo
        self.app = demo.app
        self.texts = demo.material.texts
        self.plan = plan
        self.rng = plan.rng
        self.topic = plan.topic
        self.t = plan.received_at
        self.ref: str | None = None
        self.status = ""
        self.handling: str | None = None
        self.other: cmd.OtherPartyInput | None = None
        self.told: dict[PartyRole, date] = {}  # the day each party was first told the result
        self.objectors: set[PartyRole] = set()
        self.facts = self._facts()
        self.payer = self._payer()

    # --- time ---

    def moment(self, day: date, lo: int = 8 * 60 + 40, hi: int = 17 * 60 + 20) -> datetime:
        """A time on `day` in office hours, later than the case's previous act."""
        candidate = local(day, self.rng.randint(lo, hi))
        earliest = self.t + timedelta(minutes=self.rng.randint(6, 40))
        return self._advance(max(candidate, earliest))

    def soon(self, lo: int = 5, hi: int = 60) -> datetime:
        return self._advance(self.t + timedelta(minutes=self.rng.randint(lo, hi)))

    def _advance(self, at: datetime) -> datetime:
        if at > self.demo.now:
            raise AssertionError(f"demo planning error: an act of {self.ref} would be dated after the clock")
        self.t = at
        return at

    @property
    def day(self) -> date:
        return self.t.astimezone(SHANGHAI).date()

    def wd(self, d: date, n: int) -> date:
        return self.demo.wd_after(d, n)

    @property
    def accepted_on(self) -> date:
        return deemed_acceptance(self.plan.received_at, self.demo.cal).accepted_on

    # --- facts for the texts ---

    def _facts(self) -> dict[str, Any]:
        rng, topic, texts = self.rng, self.topic, self.texts
        identities = self.demo.identities
        received = self.plan.received_at.astimezone(SHANGHAI)
        on = received.date()
        self.company, self.company_code = identities.company(rng, topic.trade)
        facts: dict[str, Any] = {
            "company": self.company,
            "year": received.year - rng.randint(0, 1),
            "year0": min(received.year - rng.randint(6, 14), 2016),
            "last_year": received.year - 1,
            "months": rng.randint(2, 8),
            "n": rng.randint(*topic.n),
            "amount": f"{rng.uniform(*topic.amount):.2f}",
            "small": f"{rng.uniform(*topic.small):.2f}",
        }
        earlier = on - timedelta(days=rng.randint(20, 180))
        facts["date"] = texts.date.format(year=earlier.year, month=earlier.month, day=earlier.day)
        ref_month = (on.replace(day=1) - timedelta(days=rng.randint(1, 200))).replace(day=1)
        facts["ym"] = texts.month.format(year=ref_month.year, month=ref_month.month)
        urban = self.demo.material.people.urban_townships
        township = rng.choice(urban) if rng.random() < 0.35 else rng.choice(sorted(TOWNSHIPS))
        facts["township_code"] = township
        name = TOWNSHIPS[township]
        facts["township_gov"] = (texts.street_office if name.endswith("街道") else texts.township_government).format(name=name)
        facts["other"] = self._other_party(on)
        return facts

    def _other_party(self, on: date) -> str:
        """The other side of the dispute, if the topic has one; its name for the texts."""
        rng, kind = self.rng, self.topic.other
        identities = self.demo.identities
        contact = None
        if kind == "employer":
            name = self.company
            contact = landline(rng)
        elif kind == "dispatch":
            name, _ = identities.company(rng, self.demo.material.people.dispatch_trade)
            contact = landline(rng)
        elif kind == "employee":
            name = identities.person(rng, (60, 66), on)[0]
        else:
            return ""
        # A labour-dispatch company is in law the employer (用人单位) of the workers it dispatches.
        self.other = cmd.OtherPartyInput(name=name, kind="employer" if kind == "dispatch" else kind, contact=contact)
        return name

    def _payer(self) -> cmd.PayerInput:
        rng, topic = self.rng, self.topic
        identities = self.demo.identities
        if topic.payer == PayerKind.EMPLOYER:
            if topic.other == "employer":
                raise AssertionError(f"topic {topic.key}: an employer payer cannot have its own company as other party")
            # An employer's own complaint: the company is the payer, reached through its finance officer.
            phone = identities.mobile(rng) if rng.random() < 0.8 else landline(rng)
            return cmd.PayerInput(kind=PayerKind.EMPLOYER, name=self.company, id_number=self.company_code, phone=phone)
        name, id_number, phone = identities.person(rng, topic.age, self.plan.received_at.astimezone(SHANGHAI).date())
        return cmd.PayerInput(kind=PayerKind.INDIVIDUAL, name=name, id_number=id_number, phone=phone)

    def text(self, template: str) -> str:
        return template.format_map(self.facts)

    # --- acts ---

    def do(self, use_case: Callable[[str, _C, Actor], cmd.CommandResult], command: _C, actor: Actor) -> None:
        # Round-trip through the wire types, so the demo only records what the API would accept.
        command = msgspec.convert(msgspec.to_builtins(command), type(command))
        assert self.ref is not None
        result = use_case(self.ref, command, actor)
        self.status = result.status

    def register(self) -> None:
        plan, topic, rng = self.plan, self.topic, self.rng
        received = plan.received_at
        at = self.soon(3, 25) if plan.channel in _IN_PERSON_CHANNELS else self.soon(2, 40)
        township = self.facts["township_code"] if plan.channel == Channel.TOWNSHIP_POINT or rng.random() < 0.8 else None
        command = cmd.RegisterDispute(
            channel=plan.channel,
            received_at=received,
            accepting_unit=plan.unit,
            payer=self.payer,
            category=topic.category,
            summary=self.text(topic.summary),
            other_party=self.other,
            external_ref=self._external_ref(),
            insurance_types=list(topic.insurance),
            people_involved=int(self.facts["n"]) if topic.people else 1,
            township=township,
            at=at,
        )
        command = msgspec.convert(msgspec.to_builtins(command), cmd.RegisterDispute)
        result = self.app.register(command, clerk(plan.unit))
        self.ref = result.case_number
        self.status = result.status
        if plan.risk is not None and plan.risk.by == "clerk":
            self.flag_risk(self.soon(10, 50), clerk(plan.unit))

    def _external_ref(self) -> str | None:
        numbering = self.texts.external_refs.get(self.plan.channel)
        if numbering is None:
            return None
        local_time = self.plan.received_at.astimezone(SHANGHAI)
        n = self.rng.randint(1, numbering.up_to)
        return numbering.template.format(date=f"{local_time:%Y%m%d}", year=local_time.year, n=n)

    def flag_risk(self, at: datetime, actor: Actor) -> None:
        risk = self.plan.risk
        assert risk is not None
        people = int(self.facts["n"]) if self.topic.people else 1
        self.do(self.app.flag_risk, cmd.FlagRisk(kind=risk.kind, level=risk.level, people_involved=people,
                                                 note=self.text(risk.note), at=at), actor)

    def resolve(self) -> None:
        method = FeedbackMethod.IN_PERSON if self.plan.channel in _IN_PERSON_CHANNELS else FeedbackMethod.PHONE
        assert self.topic.simple is not None
        self.do(self.app.resolve_on_spot, cmd.ResolveOnSpot(
            result=self.text(self.topic.simple), feedback_method=method, at=self.soon(8, 35)), clerk(self.plan.unit))
        self.told.setdefault(PartyRole.PAYER, self.day)
        if self.other is not None:  # settled with the payer; the other side is told as well (四(三))
            content = self.text(self.texts.other_feedback[self.topic.other or "employer"])
            self.do(self.app.give_feedback, cmd.GiveFeedback(
                party=PartyRole.OTHER_PARTY, method=self._method_of(content), content=content, at=self.soon(10, 120)),
                clerk(self.plan.unit))
            self.told.setdefault(PartyRole.OTHER_PARTY, self.day)

    def transfer(self, day: date, to_unit: str, *, note: str | None = None) -> None:
        if note is None:
            if to_unit != DEFAULT_HANDLING_UNIT[self.topic.category] and self.topic.note and to_unit == self.topic.handling:
                note = self.topic.note
            elif self.rng.random() < 0.7:
                note = self.texts.transfer_note.format(unit=BUILTIN_UNITS[to_unit])
        self.do(self.app.transfer, cmd.Transfer(to_unit=to_unit, note=note, at=self.moment(day)), clerk(self.plan.unit))
        self.handling = to_unit

    def transfer_day(self) -> date:
        """On time: the day of acceptance, or the next working day."""
        received = self.plan.received_at.astimezone(SHANGHAI)
        accepted = deemed_acceptance(received, self.demo.cal).accepted_on
        if accepted == received.date() and received.hour < 15 and self.rng.random() < 0.55:
            return accepted
        return self.wd(accepted, 1)

    def sign(self) -> None:
        assert self.handling is not None
        if self.t.astimezone(SHANGHAI).hour >= 16 and self.wd(self.day, 1) < self.demo.today:
            at = self.moment(self.wd(self.day, 1), 8 * 60 + 30, 10 * 60)
        else:
            at = self.soon(15, 90)
        self.do(self.app.sign_for, cmd.SignFor(at=at), handler(self.handling))
        if self.plan.risk is not None and self.plan.risk.by == "handler":
            self.flag_risk(self.soon(20, 90), handler(self.handling))

    def progress(self, day: date, note: str | None = None, unit: str | None = None) -> None:
        unit = unit or self.handling
        assert unit is not None
        if note is None:
            note = self.rng.choice(self.topic.progress or self.texts.generic_progress)
        self.do(self.app.record_progress, cmd.RecordProgress(note=self.text(note), at=self.moment(day)), handler(unit))

    def conclude(self, day: date) -> None:
        assert self.handling is not None
        self.do(self.app.conclude, cmd.Conclude(
            outcome=self.topic.outcome, result=self.text(self.topic.result), at=self.moment(day)), handler(self.handling))

    def feedback(self, day: date | None = None) -> date:
        """Tell the payer (and the other party) the result; returns the day the payer knew."""
        if day is None:
            day = self.day if self.t.astimezone(SHANGHAI).hour < 16 and self.rng.random() < 0.5 else self.wd(self.day, 1)
        by = clerk(self.plan.unit)
        content = self.text(self.topic.feedback)
        self.do(self.app.give_feedback, cmd.GiveFeedback(
            party=PartyRole.PAYER, method=self._method_of(content), content=content, at=self.moment(day)), by)
        known = self.day
        self.told.setdefault(PartyRole.PAYER, known)
        if self.other is not None:
            content = self.text(self.texts.other_feedback[self.topic.other or "employer"])
            self.do(self.app.give_feedback, cmd.GiveFeedback(
                party=PartyRole.OTHER_PARTY, method=self._method_of(content), content=content, at=self.soon(10, 120)), by)
            self.told.setdefault(PartyRole.OTHER_PARTY, self.day)
        return known

    def _method_of(self, content: str) -> FeedbackMethod:
        """How the feedback was given, as its opening words say."""
        opening = content[:8]
        for method, words in self.texts.feedback_methods.items():
            if any(w in opening for w in words):
                return method
        return FeedbackMethod.PHONE

    def satisfaction(self, satisfied: bool | None = None, within: int = 5, note: str | None = None) -> None:
        if satisfied is None:
            satisfied = self.rng.random() < 0.88
        note = note or self.rng.choice(self.texts.satisfied if satisfied else self.texts.unsatisfied)
        day = self.wd(self.day, self.rng.randint(1, within))
        self.do(self.app.record_satisfaction, cmd.RecordSatisfaction(
            party=PartyRole.PAYER, satisfied=satisfied, note=note, at=self.moment(day)), clerk(self.plan.unit))

    def archive(self, within: tuple[int, int] = (1, 8)) -> None:
        """Archive once no objection is open: a told party that did not object either confirmed
        no objection (无异议确认, recorded at the archive) or let its quiet period pass."""
        day = self.wd(self.day, self.rng.randint(*within))
        at = self.moment(day)
        by = clerk(self.plan.unit)
        for party, told_on in self.told.items():
            quiet_over = local(self.wd(told_on, self.demo.quiet_days) + timedelta(days=1), 0)
            if party not in self.objectors and at < quiet_over:
                self.do(self.app.confirm_no_objection, cmd.NoObjection(
                    party=party, note=self.texts.no_objection_note, at=at), by)
        self.do(self.app.archive, cmd.Archive(at=at), by)

    @property
    def special(self) -> Special:
        assert self.plan.special is not None
        return self.plan.special

    def escalate(self, day: date) -> None:
        assert self.handling is not None
        self.do(self.app.escalate, cmd.Escalate(reason=self.text(self.special.reason), at=self.moment(day)),
                handler(self.handling))

    def deliberate(self, day: date) -> None:
        sp = self.special
        held = self.moment(day, 9 * 60, 10 * 60 + 30)
        staff = self.demo.material.people.staff
        attendees = [cmd.AttendeeInput(unit=u, name=staff[u]) for u in sp.attendees]
        self.do(self.app.hold_deliberation, cmd.HoldDeliberation(
            held_at=held.astimezone(SHANGHAI).isoformat(timespec="minutes"),
            attendees=attendees,
            minutes=self.text(sp.minutes),
            written_opinion=self.text(sp.opinion),
            executing_unit=sp.executing,
            at=self.soon(90, 300),
        ), TASKFORCE)
        self.handling = sp.executing

    def object(self, day: date, party: PartyRole = PartyRole.PAYER) -> None:
        assert self.topic.objection is not None
        self.do(self.app.raise_objection, cmd.RaiseObjection(
            party=party, content=self.text(self.topic.objection), at=self.moment(day)), clerk(self.plan.unit))
        self.objectors.add(party)

    def guide(self, day: date, remedy: RemedyKind, known: date, decided: date | None = None,
              party: PartyRole = PartyRole.PAYER) -> None:
        g = self.texts.guidance
        if remedy == RemedyKind.RECONSIDERATION:
            content = g.reconsideration.format(month=known.month, day=known.day,
                                               body=g.tax_body if self.handling == "tax" else g.other_body)
        elif decided is None:
            content = g.litigation.format(month=known.month, day=known.day)
        else:
            content = g.litigation_after_reconsideration.format(month=decided.month, day=decided.day)
        self.do(self.app.give_remedy_guidance, cmd.GiveRemedyGuidance(
            remedy=remedy, content=content, act_known_on=known, reconsideration_decided_on=decided,
            party=party, at=self.moment(day)), LEGAL)

    def notice(self, day: date, unit: str, late: str) -> None:
        content = self.texts.notice.format(ref=self.ref, late=late, unit=BUILTIN_UNITS[unit])
        self.do(self.app.issue_supervision_notice, cmd.IssueSupervisionNotice(
            unit=unit, content=content, at=self.moment(day, 9 * 60, 11 * 60)), TASKFORCE)

    def sweep(self) -> None:
        """What the deadline scheduler records once a deadline has passed unmet."""
        assert self.ref is not None
        if self.app.record_missed_deadlines(self.ref):
            self.t = max(self.t, self.app.get_dispute(self.ref, TASKFORCE).last_at)
