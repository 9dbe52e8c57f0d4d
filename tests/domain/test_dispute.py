"""The Dispute aggregate, given/when/then.

Given: a case built through its own commands (`given(step, step, ...)`), each step one hour after
the previous one unless pinned to a time with `on(when, step)`.
When: one command (`when(case, step)`), returning the events it recorded.
Then: assertions on the recorded events, the resulting state, or the error (and that nothing was
recorded when the command was refused).

The time is never the real clock: every `at`/`now` is a fixed, timezone-aware instant.
"""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import msgspec
import pytest

from domain import events as ev
from domain.calendar import SHANGHAI, OfficialCalendar, YearSchedule
from domain.dispute import Dispute, project_dispute, take_snapshot
from domain.errors import CommandRejected, InvalidCommand
from domain.values import (
    Actor,
    Attendee,
    Category,
    Channel,
    DeadlineKind,
    FeedbackMethod,
    InsuranceType,
    Level,
    OtherParty,
    Outcome,
    PartyRole,
    Payer,
    PayerKind,
    RemedyKind,
    RiskLevel,
    Role,
    Status,
)

CAL = OfficialCalendar.shipped()
CAL_WITH_2027 = CAL.with_year(
    YearSchedule(
        year=2027,
        notice="test schedule, not an official notice",
        days_off={date(2027, 1, 1): "元旦"},
        make_up_working_days=(),
    )
)
STEP = timedelta(hours=1)
E = TypeVar("E", bound=ev.DisputeEvent)
X = TypeVar("X", bound=Exception)
DISPUTE_ID = UUID("00000000-0000-4000-8000-000000000001")

CLERK = Actor(subject="clerk-1", role=Role.CLERK, unit="petition")
HANDLER = Actor(subject="handler-1", role=Role.HANDLER, unit="tax")
TASKFORCE = Actor(subject="taskforce-1", role=Role.TASKFORCE, unit="tax")
LEGAL = Actor(subject="legal-1", role=Role.LEGAL, unit="justice")
SYSTEM = Actor(subject="scheduler", role=Role.SYSTEM)

PAYER = Payer(
    kind=PayerKind.INDIVIDUAL,
    name="张三",
    id_number="enc",
    phone="enc",
    id_number_masked="140581********1234",
    phone_masked="138****5678",
    name_masked="张*",
)
OTHER = OtherParty(name="高平市某某煤业有限公司", kind="employer")
ATTENDEES = (Attendee(unit="tax", name="王五"), Attendee(unit="hrss", name="李四"))


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A wall-clock time in Gaoping, as the UTC instant the domain stores."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def end_of_day(d: date) -> datetime:
    """24:00 Asia/Shanghai at the end of `d`, in UTC."""
    return datetime(d.year, d.month, d.day, tzinfo=SHANGHAI).astimezone(UTC) + timedelta(days=1)


MON_30_SEP_2024 = local(2024, 9, 30)  # the day before the 2024 National Day holiday


# --- an independent oracle: working days straight from the shipped JSON ----------------------


def _official_days() -> tuple[frozenset[date], frozenset[date]]:
    raw = importlib.resources.files("domain.data").joinpath("cn-official-calendar.json").read_bytes()
    years = json.loads(raw)["years"].values()
    off = frozenset(date.fromisoformat(d) for y in years for ds in y["days_off"].values() for d in ds)
    make_up = frozenset(date.fromisoformat(d) for y in years for d in y["make_up_working_days"])
    return off, make_up


DAYS_OFF, MAKE_UP_DAYS = _official_days()


def is_working_day(d: date) -> bool:
    return d in MAKE_UP_DAYS or (d not in DAYS_OFF and d.weekday() < 5)


def nth_working_day_after(start: date, n: int) -> date:
    d, counted = start, 0
    while counted < n:
        d += timedelta(days=1)
        counted += is_working_day(d)
    return d


def next_working_day_from(d: date) -> date:
    """`d` itself if it is a working day, else the next working day."""
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


# --- steps: one command each, run at (at, now) -------------------------------------------------

Step = Callable[[Dispute, datetime, datetime], None]


def resolve(result: str = "当场解释了缴费基数的核定依据", method: FeedbackMethod = FeedbackMethod.IN_PERSON) -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.resolve_on_spot(result=result, feedback_method=method, actor=CLERK, at=at, now=now)

    return run


OVERRIDE_NOTE = "经核实属该单位职责"  # the reason an override of the routing suggestion needs


def transfer(to_unit: str = "tax", note: str | None = "", calendar: OfficialCalendar = CAL) -> Step:
    """A transfer by the accepting clerk; by default with a note where the unit is not the
    suggested one (tax, for the default category), none where it is."""

    def run(d: Dispute, at: datetime, now: datetime) -> None:
        given_note = (None if to_unit == d.suggested_unit else OVERRIDE_NOTE) if note == "" else note
        d.transfer(to_unit=to_unit, note=given_note, actor=CLERK, at=at, now=now, calendar=calendar)

    return run


def sign_for() -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.sign_for(actor=HANDLER, at=at, now=now)

    return run


def send_back(reason: str = "不属于本单位职责，应由人社局办理") -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.return_to_accepting_unit(reason=reason, actor=HANDLER, at=at, now=now, calendar=CAL)

    return run


def progress(note: str = "已调取2019年以来的缴费记录") -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.record_progress(note=note, actor=HANDLER, at=at, now=now)

    return run


def conclude(outcome: Outcome = Outcome.CORRECTED, result: str = "已更正缴费基数") -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.conclude(outcome=outcome, result=result, actor=HANDLER, at=at, now=now)

    return run


def escalate(
    reason: str = "涉及人社、税务两部门，单一部门无法化解", calendar: OfficialCalendar = CAL, by: Actor = HANDLER
) -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.escalate(reason=reason, actor=by, at=at, now=now, calendar=calendar)

    return run


def deliberate(
    *,
    held_at: datetime | None = None,
    attendees: tuple[Attendee, ...] = ATTENDEES,
    minutes: str = "专班集体商议，形成会议纪要",
    written_opinion: str = "由人社局补办参保登记",
    executing_unit: str = "hrss",
) -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.hold_deliberation(
            held_at=held_at or at,
            attendees=attendees,
            minutes=minutes,
            written_opinion=written_opinion,
            executing_unit=executing_unit,
            actor=TASKFORCE,
            at=at,
            now=now,
        )

    return run


def feedback(
    party: PartyRole = PartyRole.PAYER, content: str = "电话告知办理结果", method: FeedbackMethod = FeedbackMethod.PHONE
) -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.give_feedback(party=party, method=method, content=content, actor=CLERK, at=at, now=now)

    return run


def objection(
    party: PartyRole = PartyRole.PAYER, content: str = "不同意核定的缴费基数", calendar: OfficialCalendar = CAL
) -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.raise_objection(party=party, content=content, actor=CLERK, at=at, now=now, calendar=calendar)

    return run


def no_objection(party: PartyRole = PartyRole.PAYER, note: str | None = "电话确认对处理结果无异议") -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.confirm_no_objection(party=party, note=note, actor=CLERK, at=at, now=now)

    return run


def told_both() -> tuple[Step, Step]:
    """Feedback to the payer and to the other party (the default registration has both)."""
    return feedback(PartyRole.PAYER), feedback(PartyRole.OTHER_PARTY)


def confirmed_both() -> tuple[Step, Step]:
    return no_objection(PartyRole.PAYER), no_objection(PartyRole.OTHER_PARTY)


def guidance(
    *,
    party: PartyRole = PartyRole.PAYER,
    remedy: RemedyKind = RemedyKind.RECONSIDERATION,
    content: str = "告知可申请行政复议",
    act_known_on: date | None = None,
    decided_on: date | None = None,
    calendar: OfficialCalendar = CAL,
) -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.give_remedy_guidance(
            remedy=remedy,
            content=content,
            act_known_on=act_known_on or now.astimezone(SHANGHAI).date(),
            reconsideration_decided_on=decided_on,
            actor=LEGAL,
            at=at,
            now=now,
            calendar=calendar,
            party=party,
        )

    return run


def archive(quiet_days: int = 5, calendar: OfficialCalendar = CAL) -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.archive(actor=CLERK, at=at, now=now, calendar=calendar, quiet_days=quiet_days)

    return run


def flag_risk(level: RiskLevel = RiskLevel.HIGH, kind: str = "群体性上访风险", people: int = 30) -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.flag_risk(kind=kind, level=level, people_involved=people, note=None, actor=CLERK, at=at, now=now)

    return run


def supervise(unit: str = "tax", content: str = "请于两个工作日内办结") -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.issue_supervision_notice(unit=unit, content=content, actor=TASKFORCE, at=at, now=now)

    return run


def shred(archived_before: date = date(2100, 1, 1)) -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.shred_personal_data(archived_before=archived_before, actor=CLERK, now=now)

    return run


def satisfaction(party: PartyRole = PartyRole.PAYER, satisfied: bool = True) -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.record_satisfaction(party=party, satisfied=satisfied, note=None, actor=CLERK, at=at, now=now)

    return run


def miss(kind: DeadlineKind) -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.record_missed_deadline(kind=kind, actor=SYSTEM, now=now)

    return run


def recompute(calendar: OfficialCalendar) -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.recompute_deadlines(calendar=calendar, actor=SYSTEM, now=now)

    return run


AFTER_REOPENING = datetime(2025, 6, 1, 2, tzinfo=UTC)  # past 6 months after the parties were told (30 Sep 2024)


# --- given / when / then ----------------------------------------------------------------------


@dataclass(frozen=True)
class On:
    """A step pinned to a time (both the act's `at` and the server's `now`)."""

    time: datetime
    step: Step


def on(time: datetime, step: Step) -> On:
    return On(time, step)


@dataclass
class Case:
    dispute: Dispute
    clock: datetime
    history: list[ev.DisputeEvent] = field(default_factory=list)

    def run(self, step: Step | On, at: datetime | None = None, now: datetime | None = None) -> list[ev.DisputeEvent]:
        if isinstance(step, On):
            at, now, step = step.time, step.time, step.step
        at = at or self.clock + STEP
        now = now or at
        step(self.dispute, at, now)
        self.clock = max(self.clock, at)
        recorded = self.dispute.collect_events()
        self.history += recorded
        return recorded


def register(
    *,
    received_at: datetime = MON_30_SEP_2024,
    at: datetime | None = None,
    now: datetime | None = None,
    other_party: OtherParty | None = OTHER,
    category: Category = Category.CONTRIBUTION_AMOUNT,
    accepting_unit: str = "petition",
    summary: str = "对2024年缴费基数有异议",
    people_involved: int = 1,
    calendar: OfficialCalendar = CAL,
    insurance_types: tuple[InsuranceType, ...] = (),
) -> Dispute:
    at = at or received_at
    return Dispute.register(
        dispute_id=DISPUTE_ID,
        case_number="GP-2024-000001",
        channel=Channel.HOTLINE_12345,
        received_at=received_at,
        accepting_unit=accepting_unit,
        payer=PAYER,
        category=category,
        summary=summary,
        other_party=other_party,
        external_ref="12345-20240930-0001",
        insurance_types=insurance_types,
        people_involved=people_involved,
        township="140581001",
        actor=CLERK,
        at=at,
        now=now or at,
        calendar=calendar,
    )


def given(*steps: Step | On, **registration: Any) -> Case:
    """A case registered (at `received_at`) and then taken through `steps`."""
    dispute = register(**registration)
    case = Case(dispute=dispute, clock=dispute.last_at)
    case.history += dispute.collect_events()
    for step in steps:
        case.run(step)
    return case


def when(
    case: Case, step: Step | On, *, at: datetime | None = None, now: datetime | None = None
) -> list[ev.DisputeEvent]:
    return case.run(step, at=at, now=now)


def then_recorded(events: list[ev.DisputeEvent], event_type: type[E], **fields: Any) -> E:
    assert [type(e) for e in events] == [event_type]
    (event,) = events
    assert isinstance(event, event_type)
    for name, value in fields.items():
        assert getattr(event, name) == value, name
    return event


def when_refused(
    case: Case, step: Step | On, error: type[X], *, at: datetime | None = None, now: datetime | None = None
) -> X:
    """Runs the command expecting `error`, and checks that nothing was recorded."""
    before = msgspec.json.encode(case.dispute)
    with pytest.raises(error) as info:
        when(case, step, at=at, now=now)
    assert case.dispute.collect_events() == []
    assert msgspec.json.encode(case.dispute) == before
    return info.value


def then_invalid(case: Case, step: Step | On, field_name: str, **kw: Any) -> InvalidCommand:
    error = when_refused(case, step, InvalidCommand, **kw)
    assert error.field == field_name
    return error


def state(dispute: Dispute) -> bytes:
    return msgspec.json.encode(dispute)


# --- 1. allowed transitions ---------------------------------------------------------------------


def test_register_records_one_registered_event_and_leaves_the_case_accepted() -> None:
    dispute = register()

    events = dispute.collect_events()

    registered = then_recorded(
        events, ev.DisputeRegistered, originator_id=DISPUTE_ID, originator_version=1, suggested_unit="tax"
    )
    assert registered.acceptance.accepted_on == date(2024, 9, 30)
    assert (dispute.status, dispute.level, dispute.version) == (Status.ACCEPTED, None, 1)
    assert dispute.collect_events() == []  # collecting clears the pending events


def test_resolve_on_spot_gives_feedback_at_once_as_a_simple_case() -> None:
    case = given()

    events = when(case, resolve(method=FeedbackMethod.SMS))

    then_recorded(events, ev.ResolvedOnSpot, feedback_method=FeedbackMethod.SMS, originator_version=2)
    # The payer was told on the spot; the registered other party is still to be told.
    assert (case.dispute.status, case.dispute.level) == (Status.CONCLUDED, Level.SIMPLE)
    assert case.dispute.feedback_pending() == [PartyRole.OTHER_PARTY]


def test_resolve_on_spot_without_an_other_party_gives_feedback_at_once() -> None:
    case = given(other_party=None)

    when(case, resolve(method=FeedbackMethod.SMS))

    assert (case.dispute.status, case.dispute.level) == (Status.FEEDBACK_GIVEN, Level.SIMPLE)
    assert case.dispute.feedback_pending() == []


def test_transfer_to_the_suggested_unit_makes_a_general_case_without_override() -> None:
    case = given()

    events = when(case, transfer(to_unit="tax", note="请税务局核实"))

    then_recorded(events, ev.DisputeTransferred, to_unit="tax", suggested_unit="tax", routing_override=False)
    assert (case.dispute.status, case.dispute.level) == (Status.TRANSFERRED, Level.GENERAL)
    assert case.dispute.handling_unit == "tax"
    assert case.dispute.units_involved == ["petition", "tax"]


def test_transfer_to_another_unit_than_suggested_is_recorded_as_override() -> None:
    case = given()

    events = when(case, transfer(to_unit="hrss"))

    then_recorded(events, ev.DisputeTransferred, to_unit="hrss", suggested_unit="tax", routing_override=True)


def test_sign_for_records_the_handling_unit_and_keeps_the_case_transferred() -> None:
    case = given(transfer(to_unit="hrss"))

    events = when(case, sign_for())

    then_recorded(events, ev.TransferSignedFor, unit="hrss")
    assert case.dispute.status == Status.TRANSFERRED
    assert case.dispute.signed_for


def test_return_gives_the_case_back_to_the_accepting_unit() -> None:
    case = given(transfer(to_unit="hrss"), sign_for())

    events = when(case, send_back(reason="属于税务局职责"))

    then_recorded(events, ev.DisputeReturned, from_unit="hrss", reason="属于税务局职责")
    assert case.dispute.status == Status.ACCEPTED
    assert case.dispute.handling_unit is None


def test_a_returned_case_can_be_transferred_again_and_signed_for_again() -> None:
    case = given(transfer(to_unit="hrss"), sign_for(), send_back())

    when(case, transfer(to_unit="tax"))
    events = when(case, sign_for())

    then_recorded(events, ev.TransferSignedFor, unit="tax")
    assert case.dispute.units_involved == ["petition", "hrss", "tax"]


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        pytest.param((transfer(),), Status.TRANSFERRED, id="transferred"),
        pytest.param((transfer(), escalate()), Status.ESCALATED, id="escalated"),
        pytest.param((transfer(), escalate(), deliberate()), Status.DELIBERATED, id="deliberated"),
    ],
)
def test_record_progress_keeps_the_status(steps: tuple[Step, ...], expected: Status) -> None:
    case = given(*steps)

    events = when(case, progress(note="已约谈用人单位"))

    then_recorded(events, ev.ProgressRecorded, note="已约谈用人单位")
    assert case.dispute.status == expected


def test_escalate_makes_a_special_case_awaiting_deliberation() -> None:
    case = given(transfer(to_unit="hrss"))

    events = when(case, escalate(reason="需多部门会商"))

    then_recorded(events, ev.DisputeEscalated, reason="需多部门会商", from_unit="hrss")
    assert (case.dispute.status, case.dispute.level) == (Status.ESCALATED, Level.SPECIAL)


def test_deliberation_names_the_executing_unit_as_handling_unit() -> None:
    case = given(transfer(to_unit="tax"), escalate())

    events = when(case, deliberate(executing_unit="hrss"))

    then_recorded(events, ev.DeliberationHeld, executing_unit="hrss", attendees=ATTENDEES)
    assert (case.dispute.status, case.dispute.level) == (Status.DELIBERATED, Level.SPECIAL)
    assert case.dispute.handling_unit == "hrss"
    assert case.dispute.units_involved == ["petition", "tax", "hrss"]


def test_conclude_from_transferred_records_the_handling_unit() -> None:
    case = given(transfer(to_unit="tax"))

    events = when(case, conclude(outcome=Outcome.REFUNDED, result="已退还多缴费用"))

    then_recorded(events, ev.HandlingConcluded, outcome=Outcome.REFUNDED, result="已退还多缴费用", unit="tax")
    assert (case.dispute.status, case.dispute.level) == (Status.CONCLUDED, Level.GENERAL)


def test_conclude_from_deliberated_records_the_executing_unit() -> None:
    case = given(transfer(to_unit="tax"), escalate(), deliberate(executing_unit="hrss"))

    events = when(case, conclude())

    then_recorded(events, ev.HandlingConcluded, unit="hrss")
    assert (case.dispute.status, case.dispute.level) == (Status.CONCLUDED, Level.SPECIAL)


def test_feedback_to_the_payer_alone_gives_feedback_given_when_no_other_party_was_registered() -> None:
    case = given(transfer(), conclude(), other_party=None)

    events = when(case, feedback(party=PartyRole.PAYER, method=FeedbackMethod.LETTER))

    then_recorded(events, ev.FeedbackGiven, party=PartyRole.PAYER, method=FeedbackMethod.LETTER)
    assert case.dispute.status == Status.FEEDBACK_GIVEN


@pytest.mark.parametrize("first", list(PartyRole))
def test_with_an_other_party_the_case_stays_concluded_until_both_parties_were_told(first: PartyRole) -> None:
    case = given(transfer(), conclude())
    second = PartyRole.OTHER_PARTY if first == PartyRole.PAYER else PartyRole.PAYER

    then_recorded(when(case, feedback(party=first)), ev.FeedbackGiven, party=first)
    assert case.dispute.status == Status.CONCLUDED
    assert case.dispute.feedback_pending() == [second]

    when(case, feedback(party=second))
    assert case.dispute.status == Status.FEEDBACK_GIVEN
    assert case.dispute.feedback_pending() == []


def test_telling_a_party_again_keeps_the_status_and_its_first_feedback_time() -> None:
    case = given(transfer(), conclude(), *told_both())
    first = case.dispute.told[PartyRole.PAYER]

    events = when(case, feedback(party=PartyRole.PAYER, content="再次书面告知"))

    then_recorded(events, ev.FeedbackGiven, party=PartyRole.PAYER)
    assert case.dispute.status == Status.FEEDBACK_GIVEN
    assert case.dispute.told[PartyRole.PAYER] == first


@pytest.mark.parametrize("party", list(PartyRole))
def test_objection_by_either_party_makes_the_case_objected(party: PartyRole) -> None:
    case = given(transfer(), conclude(), *told_both())

    events = when(case, objection(party=party, content="对处理结果不服"))

    then_recorded(events, ev.ObjectionRaised, party=party, content="对处理结果不服", reopened=False)
    assert case.dispute.status == Status.OBJECTED
    assert not case.dispute.remedy_guided


def test_objection_is_possible_after_a_settlement_on_the_spot() -> None:
    case = given(resolve(), other_party=None)

    when(case, objection())

    assert case.dispute.status == Status.OBJECTED


def test_remedy_guidance_keeps_the_case_objected() -> None:
    case = given(transfer(), conclude(), *told_both(), objection())

    events = when(case, guidance(remedy=RemedyKind.LITIGATION))

    then_recorded(events, ev.RemedyGuidanceGiven, remedy=RemedyKind.LITIGATION)
    assert case.dispute.status == Status.OBJECTED
    assert case.dispute.remedy_guided


@pytest.mark.parametrize(
    "steps",
    [
        pytest.param((resolve(), feedback(PartyRole.OTHER_PARTY), *confirmed_both()), id="after-settlement-on-the-spot"),
        pytest.param((transfer(), conclude(), *told_both(), *confirmed_both()), id="after-feedback-and-confirmation"),
        pytest.param(
            (transfer(), conclude(), *told_both(), objection(), guidance(), no_objection(PartyRole.OTHER_PARTY)),
            id="objected-after-guidance",
        ),
    ],
)
def test_archive_closes_the_case(steps: tuple[Step, ...]) -> None:
    case = given(*steps)

    events = when(case, archive())

    then_recorded(events, ev.DisputeArchived)
    assert case.dispute.status == Status.ARCHIVED


@pytest.mark.parametrize("party", list(PartyRole))
def test_satisfaction_follow_up_is_recorded_even_on_an_archived_case(party: PartyRole) -> None:
    case = given(resolve(), feedback(PartyRole.OTHER_PARTY), *confirmed_both(), archive())

    events = when(case, satisfaction(party=party, satisfied=False))

    then_recorded(events, ev.SatisfactionRecorded, party=party, satisfied=False)
    assert case.dispute.status == Status.ARCHIVED


def test_supervision_notice_names_the_unit_and_keeps_the_status() -> None:
    case = given(transfer(to_unit="hrss"))

    events = when(case, supervise(unit="hrss", content="转交已逾期，请立即办理"))

    then_recorded(events, ev.SupervisionNoticeIssued, unit="hrss", content="转交已逾期，请立即办理")
    assert case.dispute.status == Status.TRANSFERRED


def test_every_event_raises_the_version_by_one_and_carries_actor_and_times() -> None:
    case = given(transfer(), sign_for(), progress(), conclude(), feedback(), no_objection(), archive(), other_party=None)

    assert [e.originator_version for e in case.history] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert case.dispute.version == 8
    assert all(e.originator_id == DISPUTE_ID for e in case.history)
    assert [e.at for e in case.history] == [MON_30_SEP_2024 + i * STEP for i in range(8)]
    assert case.history[1].actor == CLERK
    assert case.history[2].actor == HANDLER


# --- 2. refused transitions: the whole command × status matrix ----------------------------------

# One known path to each status.
PATH_TO: dict[Status, tuple[Step, ...]] = {
    Status.ACCEPTED: (),
    Status.TRANSFERRED: (transfer(),),
    Status.ESCALATED: (transfer(), escalate()),
    Status.DELIBERATED: (transfer(), escalate(), deliberate()),
    Status.CONCLUDED: (transfer(), conclude()),
    Status.FEEDBACK_GIVEN: (transfer(), conclude(), *told_both()),
    Status.OBJECTED: (transfer(), conclude(), *told_both(), objection()),
    Status.ARCHIVED: (transfer(), conclude(), *told_both(), *confirmed_both(), archive()),
}

OPEN = frozenset(Status) - {Status.ARCHIVED}

# Which statuses allow which command (api-contract "Status after each command", domain.md).
# record_missed_deadline and recompute_deadlines depend on the clocks, not on the status.
COMMANDS: dict[str, tuple[Step, frozenset[Status]]] = {
    "resolve_on_spot": (resolve(), frozenset({Status.ACCEPTED})),
    "transfer": (transfer(), frozenset({Status.ACCEPTED})),
    "sign_for": (sign_for(), frozenset({Status.TRANSFERRED})),
    "return_to_accepting_unit": (send_back(), frozenset({Status.TRANSFERRED})),
    "record_progress": (progress(), frozenset({Status.TRANSFERRED, Status.ESCALATED, Status.DELIBERATED})),
    "conclude": (conclude(), frozenset({Status.TRANSFERRED, Status.DELIBERATED})),
    "escalate": (escalate(), frozenset({Status.TRANSFERRED})),
    "escalate:clerk": (escalate(by=CLERK), frozenset({Status.ACCEPTED})),
    "hold_deliberation": (deliberate(), frozenset({Status.ESCALATED})),
    "give_feedback": (feedback(), frozenset({Status.CONCLUDED, Status.FEEDBACK_GIVEN})),
    # A told party may object while the other is still to be told (CONCLUDED), and, within 6 months
    # of its feedback, on an archived case; the OBJECTED path's objection is the payer's, so the
    # other party objects there.
    "raise_objection": (
        objection(PartyRole.OTHER_PARTY),
        frozenset({Status.CONCLUDED, Status.FEEDBACK_GIVEN, Status.OBJECTED, Status.ARCHIVED}),
    ),
    "confirm_no_objection": (
        no_objection(PartyRole.OTHER_PARTY),
        frozenset({Status.CONCLUDED, Status.FEEDBACK_GIVEN, Status.OBJECTED}),
    ),
    "give_remedy_guidance": (guidance(), frozenset({Status.CONCLUDED, Status.OBJECTED})),
    "archive": (archive(), frozenset({Status.FEEDBACK_GIVEN, Status.OBJECTED})),
    "flag_risk": (flag_risk(), OPEN),
    "issue_supervision_notice": (supervise(), OPEN),
    "record_satisfaction": (satisfaction(), frozenset({Status.FEEDBACK_GIVEN, Status.OBJECTED, Status.ARCHIVED})),
    # Once no objection could reopen the archived case (6 months after the parties were told).
    "shred_personal_data": (on(AFTER_REOPENING, shred()), frozenset({Status.ARCHIVED})),
}

# Allowed only once something else is on the record.
PREPARATION: dict[tuple[str, Status], tuple[Step, ...]] = {
    ("archive", Status.OBJECTED): (guidance(), no_objection(PartyRole.OTHER_PARTY)),
    ("archive", Status.FEEDBACK_GIVEN): confirmed_both(),
    ("raise_objection", Status.CONCLUDED): (feedback(PartyRole.OTHER_PARTY),),
    ("confirm_no_objection", Status.CONCLUDED): (feedback(PartyRole.OTHER_PARTY),),
    ("give_remedy_guidance", Status.CONCLUDED): (feedback(PartyRole.PAYER), objection(PartyRole.PAYER)),
}

REFUSED = [
    pytest.param(name, status, id=f"{name}-in-{status.value}")
    for name, (_, allowed) in COMMANDS.items()
    for status in Status
    if status not in allowed
]
ALLOWED = [
    pytest.param(name, status, id=f"{name}-in-{status.value}")
    for name, (_, allowed) in COMMANDS.items()
    for status in sorted(allowed)
]


@pytest.mark.parametrize("status", list(Status))
def test_each_known_path_reaches_its_status(status: Status) -> None:
    assert given(*PATH_TO[status]).dispute.status == status


def test_the_matrix_covers_every_command_and_status_pair() -> None:
    public = {
        name
        for name in vars(Dispute)
        if not name.startswith("_") and callable(getattr(Dispute, name)) and name not in {"register", "apply"}
    }
    not_by_status = {"record_missed_deadline", "recompute_deadlines"}
    queries = {
        "collect_events", "overdue_clocks", "has_provisional_deadlines", "begin_command", "responsible_unit",
        "awaits_designation", "parties", "feedback_pending", "reopen_window",
    }
    # A command issued by two roles under different rules appears once per role ("name:role").
    assert public - queries - not_by_status == {name.split(":")[0] for name in COMMANDS}
    assert len(REFUSED) + len(ALLOWED) == len(COMMANDS) * len(Status)


@pytest.mark.parametrize(("command", "status"), REFUSED)
def test_command_is_refused_in_a_status_that_does_not_allow_it(command: str, status: Status) -> None:
    case = given(*PATH_TO[status])
    step, _ = COMMANDS[command]

    error = when_refused(case, step, CommandRejected)

    assert error.status == status
    assert status.value.upper() in error.message
    assert status.value.upper() in str(error)


@pytest.mark.parametrize(("command", "status"), ALLOWED)
def test_command_is_recorded_in_a_status_that_allows_it(command: str, status: Status) -> None:
    case = given(*PATH_TO[status], *PREPARATION.get((command, status), ()))
    step, _ = COMMANDS[command]
    version = case.dispute.version

    events = when(case, step)

    assert len(events) == 1
    assert events[0].originator_version == case.dispute.version == version + 1


# --- 3. specific rules ------------------------------------------------------------------------


def test_archiving_an_objected_case_without_remedy_guidance_is_refused() -> None:
    case = given(transfer(), conclude(), *told_both(), objection(), no_objection(PartyRole.OTHER_PARTY))

    error = when_refused(case, archive(), CommandRejected)

    assert error.status == Status.OBJECTED
    assert "remedy guidance" in error.message


def test_a_case_that_was_transferred_and_returned_can_no_longer_be_settled_on_the_spot() -> None:
    case = given(transfer(), send_back())
    assert case.dispute.status == Status.ACCEPTED

    error = when_refused(case, resolve(), CommandRejected)

    assert error.status == Status.ACCEPTED
    assert "already transferred" in error.message


def test_signing_for_the_same_transfer_twice_is_refused() -> None:
    case = given(transfer(to_unit="hrss"), sign_for())

    error = when_refused(case, sign_for(), CommandRejected)

    assert error.status == Status.TRANSFERRED
    assert "hrss" in error.message


@pytest.mark.parametrize(
    ("steps", "step"),
    [
        pytest.param((transfer(), conclude()), feedback(party=PartyRole.OTHER_PARTY), id="feedback"),
        pytest.param((transfer(), conclude(), feedback()), objection(party=PartyRole.OTHER_PARTY), id="objection"),
        pytest.param((resolve(),), satisfaction(party=PartyRole.OTHER_PARTY), id="satisfaction"),
    ],
)
def test_the_other_party_cannot_be_addressed_when_none_is_recorded(steps: tuple[Step, ...], step: Step) -> None:
    case = given(*steps, other_party=None)

    error = then_invalid(case, step, "party")

    assert "no other party" in error.message


EMPTY = "  \n\t "


@pytest.mark.parametrize(
    ("steps", "step", "field_name"),
    [
        pytest.param((), resolve(result=EMPTY), "result", id="resolve_on_spot.result"),
        pytest.param((transfer(),), send_back(reason=EMPTY), "reason", id="return.reason"),
        pytest.param((transfer(),), progress(note=EMPTY), "note", id="record_progress.note"),
        pytest.param((transfer(),), conclude(result=EMPTY), "result", id="conclude.result"),
        pytest.param((transfer(),), escalate(reason=EMPTY), "reason", id="escalate.reason"),
        pytest.param(PATH_TO[Status.ESCALATED], deliberate(minutes=EMPTY), "minutes", id="deliberation.minutes"),
        pytest.param(
            PATH_TO[Status.ESCALATED],
            deliberate(written_opinion=EMPTY),
            "written_opinion",
            id="deliberation.written_opinion",
        ),
        pytest.param(PATH_TO[Status.CONCLUDED], feedback(content=EMPTY), "content", id="feedback.content"),
        pytest.param(PATH_TO[Status.FEEDBACK_GIVEN], objection(content=EMPTY), "content", id="objection.content"),
        pytest.param(PATH_TO[Status.OBJECTED], guidance(content=EMPTY), "content", id="remedy_guidance.content"),
        pytest.param((), flag_risk(kind=EMPTY), "kind", id="flag_risk.kind"),
        pytest.param((), supervise(content=EMPTY), "content", id="supervision_notice.content"),
    ],
)
def test_empty_text_is_refused_naming_the_field(steps: tuple[Step, ...], step: Step, field_name: str) -> None:
    case = given(*steps)

    error = then_invalid(case, step, field_name)

    assert error.message == "must not be empty"


def test_registration_with_an_empty_summary_is_refused_naming_summary() -> None:
    with pytest.raises(InvalidCommand) as info:
        register(summary="   ")

    assert info.value.field == "summary"


def test_registration_with_no_people_involved_is_refused() -> None:
    with pytest.raises(InvalidCommand) as info:
        register(people_involved=0)

    assert info.value.field == "people_involved"


def test_a_risk_flag_with_no_people_involved_is_refused() -> None:
    then_invalid(given(), flag_risk(people=0), "people_involved")


# Every command that takes `at`, each in a status that allows it. hold_deliberation checks its
# held_at against `at` first; it has its own tests below. Shredding takes no `at`: it is dated now.
TIMED_COMMANDS = [
    pytest.param(name, status, id=name)
    for name, (_, allowed) in COMMANDS.items()
    for status in [min(allowed)]
    if name not in ("hold_deliberation", "shred_personal_data")
]


@pytest.mark.parametrize(("command", "status"), TIMED_COMMANDS)
def test_an_act_in_the_future_is_refused_naming_at(command: str, status: Status) -> None:
    case = given(*PATH_TO[status], *PREPARATION.get((command, status), ()))
    now = case.clock + STEP
    step, _ = COMMANDS[command]

    error = then_invalid(case, step, "at", at=now + timedelta(minutes=1), now=now)

    assert error.message == "is in the future"


@pytest.mark.parametrize(("command", "status"), TIMED_COMMANDS)
def test_an_act_before_the_previous_event_is_refused_naming_at(command: str, status: Status) -> None:
    case = given(*PATH_TO[status], *PREPARATION.get((command, status), ()))
    step, _ = COMMANDS[command]

    error = then_invalid(case, step, "at", at=case.dispute.last_at - timedelta(minutes=1), now=case.clock + STEP)

    assert "before the case's previous event" in error.message


def test_a_few_seconds_of_clock_skew_are_tolerated_but_not_more() -> None:
    case = given()
    now = case.clock + STEP

    then_invalid(case, transfer(), "at", at=now + timedelta(seconds=6), now=now)
    events = when(case, transfer(), at=now + timedelta(seconds=5), now=now)

    then_recorded(events, ev.DisputeTransferred, at=now + timedelta(seconds=5), timestamp=now)


def test_an_act_recorded_later_keeps_its_own_time_apart_from_the_recording_time() -> None:
    case = given()
    act = case.clock + STEP
    recorded = act + timedelta(days=1)

    events = when(case, transfer(), at=act, now=recorded)

    then_recorded(events, ev.DisputeTransferred, at=act, timestamp=recorded)


def test_an_act_without_a_utc_offset_is_refused() -> None:
    case = given()
    naive = (case.clock + STEP).replace(tzinfo=None)

    error = then_invalid(case, resolve(), "at", at=naive, now=case.clock + STEP)

    assert "UTC offset" in error.message


def test_registration_received_in_the_future_is_refused() -> None:
    now = MON_30_SEP_2024

    with pytest.raises(InvalidCommand) as info:
        register(received_at=now + timedelta(minutes=1), at=now + timedelta(minutes=1), now=now)

    assert info.value.field == "received_at"


def test_registration_recorded_in_the_future_is_refused() -> None:
    now = MON_30_SEP_2024

    with pytest.raises(InvalidCommand) as info:
        register(received_at=now, at=now + timedelta(minutes=1), now=now)

    assert (info.value.field, info.value.message) == ("at", "is in the future")


def test_registration_before_the_case_came_in_is_refused() -> None:
    with pytest.raises(InvalidCommand) as info:
        register(received_at=MON_30_SEP_2024, at=MON_30_SEP_2024 - timedelta(minutes=1), now=MON_30_SEP_2024)

    assert info.value.field == "at"
    assert "before received_at" in info.value.message


def test_a_late_registration_of_an_earlier_call_is_accepted() -> None:
    dispute = register(received_at=MON_30_SEP_2024, at=MON_30_SEP_2024 + timedelta(days=2))

    registered = then_recorded(dispute.collect_events(), ev.DisputeRegistered, received_at=MON_30_SEP_2024)
    assert registered.acceptance.accepted_on == date(2024, 9, 30)


def test_a_deliberation_held_in_the_future_is_refused() -> None:
    case = given(*PATH_TO[Status.ESCALATED])
    now = case.clock + STEP

    error = then_invalid(case, deliberate(held_at=now + timedelta(minutes=1)), "held_at", at=now, now=now)

    assert error.message == "is in the future"


def test_a_deliberation_held_before_the_escalation_is_refused() -> None:
    case = given(*PATH_TO[Status.ESCALATED])
    escalated_at = case.dispute.last_at

    error = then_invalid(case, deliberate(held_at=escalated_at - timedelta(minutes=1)), "held_at")

    assert "before the case's previous event" in error.message


def test_a_deliberation_held_after_it_is_recorded_as_done_is_refused() -> None:
    case = given(*PATH_TO[Status.ESCALATED])
    at = case.clock + STEP

    then_invalid(case, deliberate(held_at=at + timedelta(minutes=1)), "held_at", at=at, now=at + timedelta(hours=1))


def test_a_deliberation_without_attendees_is_refused() -> None:
    case = given(*PATH_TO[Status.ESCALATED])

    then_invalid(case, deliberate(attendees=()), "attendees")


def test_remedy_guidance_with_a_future_act_date_is_refused() -> None:
    case = given(*PATH_TO[Status.OBJECTED])

    then_invalid(case, guidance(act_known_on=date(2024, 10, 1)), "act_known_on")


def test_remedy_guidance_with_a_decision_before_the_act_is_refused() -> None:
    case = given(*PATH_TO[Status.OBJECTED])

    then_invalid(
        case, guidance(act_known_on=date(2024, 8, 2), decided_on=date(2024, 8, 1)), "reconsideration_decided_on"
    )


# --- 4. deadlines -------------------------------------------------------------------------------


def test_registration_on_mon_30_sep_2024_is_due_for_transfer_at_the_end_of_8_oct() -> None:
    dispute = register(received_at=MON_30_SEP_2024)

    registered = then_recorded(dispute.collect_events(), ev.DisputeRegistered)

    deadline = registered.transfer_deadline
    assert deadline.due_at == datetime(2024, 10, 8, 16, 0, tzinfo=UTC)
    assert (deadline.start, deadline.days, deadline.due_on, deadline.provisional) == (
        date(2024, 9, 30),
        1,
        date(2024, 10, 8),
        False,
    )
    assert deadline.derivation[0].startswith("start: 2024-09-30 (Mon), the day of acceptance")
    assert "skipped 2024-10-01 (Tue): 国庆节 holiday" in deadline.derivation
    assert "skipped 2024-10-07 (Mon): 国庆节 holiday" in deadline.derivation
    assert "counted 2024-10-08 (Tue): working day 1 of 1" in deadline.derivation
    assert "due: end of 2024-10-08 (Tue) = 2024-10-08T16:00:00Z" in deadline.derivation
    assert deadline.derivation[-1] == f"calendar: {CAL.version}"
    assert deadline.calendar_version == CAL.version
    assert dispute.clocks[DeadlineKind.TRANSFER].met_at is None


def test_the_transfer_deadline_is_met_at_the_time_of_the_transfer() -> None:
    transferred_at = local(2024, 10, 8, 15, 30)
    case = given(on(transferred_at, transfer()))

    assert case.dispute.clocks[DeadlineKind.TRANSFER].met_at == transferred_at


def test_a_settlement_on_the_spot_meets_the_transfer_deadline() -> None:
    case = given(resolve())

    assert case.dispute.clocks[DeadlineKind.TRANSFER].met_at == MON_30_SEP_2024 + STEP


def test_the_handling_deadline_is_five_working_days_after_the_transfer_day_across_national_day() -> None:
    case = given(on(local(2024, 9, 30, 16), transfer()))

    transferred = case.history[-1]
    assert isinstance(transferred, ev.DisputeTransferred)
    deadline = transferred.handling_deadline
    # 1–7 Oct off; 8, 9, 10, 11 Oct and the make-up Saturday 12 Oct are working days 1–5.
    assert deadline.due_on == nth_working_day_after(date(2024, 9, 30), 5) == date(2024, 10, 12)
    assert deadline.due_at == end_of_day(date(2024, 10, 12)) == datetime(2024, 10, 12, 16, tzinfo=UTC)
    assert (deadline.start, deadline.days, deadline.provisional) == (date(2024, 9, 30), 5, False)
    assert deadline.derivation[0].startswith("start: 2024-09-30 (Mon), the day of the transfer")
    assert "counted 2024-10-12 (Sat): make-up working day (调休上班) = working day 5 of 5" in deadline.derivation
    assert case.dispute.clocks[DeadlineKind.HANDLING].deadline == deadline


def test_a_return_closes_the_handling_clock_and_opens_a_transfer_clock_for_the_accepting_unit() -> None:
    case = given(on(local(2024, 9, 30, 11), transfer(to_unit="hrss")))

    events = when(case, on(local(2024, 10, 8, 9), send_back()))

    returned = then_recorded(events, ev.DisputeReturned, from_unit="hrss", transfer_unit="petition")
    assert returned.transfer_deadline is not None
    # One working day after the day of the return (Tue 8 Oct): Wed 9 Oct.
    assert returned.transfer_deadline.due_on == nth_working_day_after(date(2024, 10, 8), 1) == date(2024, 10, 9)
    assert returned.transfer_deadline.derivation[0].startswith("start: 2024-10-08 (Tue), the day of the return")
    assert DeadlineKind.HANDLING not in case.dispute.clocks
    clock = case.dispute.clocks[DeadlineKind.TRANSFER]
    assert (clock.deadline, clock.met_at, clock.unit) == (returned.transfer_deadline, None, "petition")


def test_a_second_transfer_starts_a_new_handling_clock_and_meets_the_transfer_clock_of_the_return() -> None:
    case = given(on(local(2024, 9, 30, 11), transfer(to_unit="hrss")), on(local(2024, 10, 8, 9), send_back()))
    again = local(2024, 10, 9, 9)

    events = when(case, on(again, transfer(to_unit="tax")))

    transferred = then_recorded(events, ev.DisputeTransferred, to_unit="tax", designation=False)
    # From Wed 9 Oct: 10, 11, make-up Sat 12, 14, 15 Oct.
    assert transferred.handling_deadline.due_on == nth_working_day_after(date(2024, 10, 9), 5) == date(2024, 10, 15)
    handling = case.dispute.clocks[DeadlineKind.HANDLING]
    assert (handling.deadline, handling.met_at, handling.missed_recorded, handling.unit) == (
        transferred.handling_deadline,
        None,
        False,
        "tax",
    )
    assert case.dispute.clocks[DeadlineKind.TRANSFER].met_at == again


def test_escalation_meets_the_handling_clock_and_counts_deliberation_from_the_acceptance_day() -> None:
    case = given(on(local(2024, 9, 30, 11), transfer()))
    escalated_at = local(2024, 10, 9, 15)

    events = when(case, on(escalated_at, escalate()))

    escalated = then_recorded(events, ev.DisputeEscalated)
    deadline = escalated.deliberation_deadline
    # Ten working days after Mon 30 Sep (acceptance), not after Wed 9 Oct (escalation, which gives 22 Oct).
    assert deadline.due_on == nth_working_day_after(date(2024, 9, 30), 10) == date(2024, 10, 18)
    assert nth_working_day_after(date(2024, 10, 9), 10) != deadline.due_on
    assert (deadline.start, deadline.days) == (date(2024, 9, 30), 10)
    assert deadline.derivation[0].startswith("start: 2024-09-30 (Mon), the day of acceptance")
    assert case.dispute.clocks[DeadlineKind.HANDLING].met_at == escalated_at
    assert case.dispute.clocks[DeadlineKind.DELIBERATION].met_at is None


def test_a_deliberation_meets_its_deadline_when_the_meeting_was_held_not_when_recorded() -> None:
    case = given(on(local(2024, 9, 30, 11), transfer()), on(local(2024, 10, 9, 15), escalate()))
    held_at = local(2024, 10, 17, 9)
    recorded_at = local(2024, 10, 21, 9)

    events = when(case, deliberate(held_at=held_at), at=recorded_at, now=recorded_at)

    then_recorded(events, ev.DeliberationHeld, held_at=held_at, at=recorded_at)
    clock = case.dispute.clocks[DeadlineKind.DELIBERATION]
    assert clock.met_at == held_at
    assert clock.met_at < clock.deadline.due_at
    assert case.dispute.overdue_clocks(recorded_at) == []


def test_a_transfer_on_a_rest_day_counts_from_the_next_working_day() -> None:
    case = given(on(local(2024, 10, 5, 10), transfer()))  # Saturday, National Day holiday

    transferred = case.history[-1]
    assert isinstance(transferred, ev.DisputeTransferred)
    deadline = transferred.handling_deadline
    assert deadline.derivation[0] == "the act on 2024-10-05 fell on a rest day; counted from 2024-10-08"
    assert deadline.derivation[1].startswith("start: 2024-10-08 (Tue), the day of the transfer")
    # From Tue 8 Oct: 9, 10, 11 Oct, make-up Sat 12 Oct, Mon 14 Oct.
    assert deadline.due_on == nth_working_day_after(next_working_day_from(date(2024, 10, 5)), 5) == date(2024, 10, 14)
    assert case.dispute.clocks[DeadlineKind.TRANSFER].met_at == local(2024, 10, 5, 10)


def test_a_transfer_late_in_the_evening_counts_from_the_shanghai_date() -> None:
    # 23:30 in Gaoping on Mon 30 Sep is still 30 Sep, although it is 15:30 UTC.
    case = given(on(local(2024, 9, 30, 23, 30), transfer()))

    assert case.dispute.clocks[DeadlineKind.HANDLING].deadline.start == date(2024, 9, 30)


def test_registration_on_spring_festival_sunday_2026_is_accepted_on_tuesday_24_feb() -> None:
    dispute = register(received_at=local(2026, 2, 15, 9))

    registered = then_recorded(dispute.collect_events(), ev.DisputeRegistered)

    assert registered.acceptance.received_on == date(2026, 2, 15)
    assert registered.acceptance.accepted_on == next_working_day_from(date(2026, 2, 15)) == date(2026, 2, 24)
    assert registered.acceptance.provisional is False
    assert registered.transfer_deadline.due_on == date(2026, 2, 25)
    assert registered.transfer_deadline.due_at == datetime(2026, 2, 25, 16, tzinfo=UTC)
    assert dispute.received_at == local(2026, 2, 15, 9)  # the real intake time is kept


def test_registration_on_a_make_up_sunday_is_accepted_that_day() -> None:
    dispute = register(received_at=local(2025, 9, 28, 9))

    assert dispute.acceptance.accepted_on == date(2025, 9, 28)
    assert dispute.clocks[DeadlineKind.TRANSFER].deadline.due_on == date(2025, 9, 29)


# --- 5. missed deadlines ----------------------------------------------------------------------

TRANSFER_DUE = datetime(2024, 10, 8, 16, tzinfo=UTC)


def test_a_deadline_is_not_overdue_until_its_day_has_ended() -> None:
    case = given()

    assert case.dispute.overdue_clocks(TRANSFER_DUE - timedelta(seconds=1)) == []
    when_refused(case, miss(DeadlineKind.TRANSFER), CommandRejected, now=TRANSFER_DUE - timedelta(seconds=1))


def test_a_passed_unmet_deadline_is_listed_as_overdue() -> None:
    case = given()

    assert case.dispute.overdue_clocks(TRANSFER_DUE) == [DeadlineKind.TRANSFER]
    assert case.dispute.overdue_clocks(TRANSFER_DUE + timedelta(days=3)) == [DeadlineKind.TRANSFER]


def test_a_missed_deadline_is_recorded_once_at_the_deadline_itself() -> None:
    case = given()
    noticed = TRANSFER_DUE + timedelta(hours=9)

    events = when(case, miss(DeadlineKind.TRANSFER), now=noticed)

    then_recorded(
        events, ev.DeadlineMissed, kind=DeadlineKind.TRANSFER, due_at=TRANSFER_DUE, at=TRANSFER_DUE, timestamp=noticed
    )
    assert case.dispute.clocks[DeadlineKind.TRANSFER].missed_recorded
    assert case.dispute.overdue_clocks(noticed) == []


def test_a_missed_deadline_is_not_recorded_a_second_time() -> None:
    case = given(on(TRANSFER_DUE + timedelta(hours=1), miss(DeadlineKind.TRANSFER)))

    error = when_refused(case, miss(DeadlineKind.TRANSFER), CommandRejected, now=TRANSFER_DUE + timedelta(days=1))

    assert error.message == "the transfer deadline is not missed"


def test_a_deadline_the_case_does_not_have_cannot_be_missed() -> None:
    case = given()

    when_refused(case, miss(DeadlineKind.DELIBERATION), CommandRejected, now=local(2025, 1, 1))


def test_a_deadline_met_late_is_never_listed_as_overdue_nor_recordable_as_missed() -> None:
    late = TRANSFER_DUE + timedelta(days=1)
    case = given(on(late, transfer()))
    later = late + timedelta(hours=1)

    assert case.dispute.clocks[DeadlineKind.TRANSFER].met_at == late
    assert DeadlineKind.TRANSFER not in case.dispute.overdue_clocks(local(2030, 1, 1))
    when_refused(case, miss(DeadlineKind.TRANSFER), CommandRejected, now=later)


def test_a_deadline_met_on_time_is_never_listed_even_years_later() -> None:
    case = given(transfer(), conclude(), *told_both(), *confirmed_both(), archive())

    assert case.dispute.overdue_clocks(local(2030, 1, 1)) == []


def test_a_missed_transfer_can_still_be_transferred_and_the_miss_stays_recorded() -> None:
    case = given(on(TRANSFER_DUE + timedelta(hours=1), miss(DeadlineKind.TRANSFER)))
    transferred_at = local(2024, 10, 9, 10)

    when(case, on(transferred_at, transfer()))

    clock = case.dispute.clocks[DeadlineKind.TRANSFER]
    assert (clock.met_at, clock.missed_recorded) == (transferred_at, True)


def test_a_missed_handling_deadline_is_listed_beside_nothing_else() -> None:
    case = given(on(local(2024, 9, 30, 11), transfer()))
    handling_due = datetime(2024, 10, 12, 16, tzinfo=UTC)

    assert case.dispute.overdue_clocks(handling_due) == [DeadlineKind.HANDLING]
    events = when(case, miss(DeadlineKind.HANDLING), now=handling_due + timedelta(hours=1))
    then_recorded(events, ev.DeadlineMissed, kind=DeadlineKind.HANDLING, at=handling_due)


# --- 6. provisional deadlines and recompute ---------------------------------------------------

WED_30_DEC_2026 = local(2026, 12, 30)


def _escalated_into_2027() -> Case:
    return given(transfer(), escalate(), received_at=WED_30_DEC_2026)


def test_registration_on_30_dec_2026_has_a_final_transfer_deadline() -> None:
    dispute = register(received_at=WED_30_DEC_2026)

    deadline = dispute.clocks[DeadlineKind.TRANSFER].deadline
    assert (deadline.due_on, deadline.provisional) == (date(2026, 12, 31), False)
    assert not dispute.acceptance.provisional


def test_a_deliberation_deadline_into_2027_is_provisional_counting_weekdays_only() -> None:
    case = _escalated_into_2027()

    escalated = case.history[-1]
    assert isinstance(escalated, ev.DisputeEscalated)
    deadline = escalated.deliberation_deadline
    # 31 Dec, then Fri 1 Jan 2027 counted as an ordinary weekday: 13 Jan is working day 10.
    assert (deadline.due_on, deadline.provisional) == (date(2027, 1, 13), True)
    assert any(
        line.startswith("provisional: no official holiday notice loaded for 2027") for line in deadline.derivation
    )
    assert case.dispute.has_provisional_deadlines()


def test_loading_the_2027_notice_recomputes_the_provisional_deadlines_as_final() -> None:
    case = _escalated_into_2027()
    now = local(2026, 12, 31, 9)

    recorded = case.dispute.recompute_deadlines(calendar=CAL_WITH_2027, actor=SYSTEM, now=now)
    events = case.dispute.collect_events()

    assert recorded is True
    recomputed = then_recorded(
        events, ev.DeadlinesRecomputed, calendar_version=CAL_WITH_2027.version, acceptance=None, at=now
    )
    by_kind = {item.kind: item.deadline for item in recomputed.deadlines}
    assert set(by_kind) == {DeadlineKind.HANDLING, DeadlineKind.DELIBERATION}  # the transfer deadline was final
    # 1 Jan 2027 now off: 31 Dec, 4–8 Jan, 11–14 Jan → working day 10 is Thu 14 Jan.
    deliberation = by_kind[DeadlineKind.DELIBERATION]
    assert (deliberation.due_on, deliberation.provisional) == (date(2027, 1, 14), False)
    assert deliberation.due_at == datetime(2027, 1, 14, 16, tzinfo=UTC)
    assert deliberation.calendar_version == CAL_WITH_2027.version
    assert "skipped 2027-01-01 (Fri): 元旦 holiday" in deliberation.derivation
    assert (by_kind[DeadlineKind.HANDLING].due_on, by_kind[DeadlineKind.HANDLING].provisional) == (
        date(2027, 1, 7),
        False,
    )
    assert case.dispute.clocks[DeadlineKind.DELIBERATION].deadline == deliberation
    assert not case.dispute.has_provisional_deadlines()


def test_recomputing_twice_with_the_same_new_calendar_records_only_once() -> None:
    case = _escalated_into_2027()
    now = local(2026, 12, 31, 9)
    case.dispute.recompute_deadlines(calendar=CAL_WITH_2027, actor=SYSTEM, now=now)
    case.dispute.collect_events()
    version = case.dispute.version

    assert case.dispute.recompute_deadlines(calendar=CAL_WITH_2027, actor=SYSTEM, now=now + STEP) is False
    assert case.dispute.collect_events() == []
    assert case.dispute.version == version


def test_recomputing_with_an_unchanged_calendar_records_nothing() -> None:
    case = _escalated_into_2027()
    before = state(case.dispute)

    recorded = case.dispute.recompute_deadlines(calendar=CAL, actor=SYSTEM, now=local(2026, 12, 31, 9))

    assert recorded is False
    assert case.dispute.collect_events() == []
    assert state(case.dispute) == before


def test_a_case_without_provisional_deadlines_is_never_recomputed() -> None:
    case = given(transfer())

    assert not case.dispute.has_provisional_deadlines()
    assert case.dispute.recompute_deadlines(calendar=CAL_WITH_2027, actor=SYSTEM, now=case.clock + STEP) is False
    assert case.dispute.collect_events() == []


def test_a_provisional_acceptance_on_a_2027_holiday_moves_to_the_next_working_day() -> None:
    received = local(2027, 1, 1, 9)  # Friday; without a notice a working day
    case = given(received_at=received)
    assert (case.dispute.acceptance.accepted_on, case.dispute.acceptance.provisional) == (date(2027, 1, 1), True)

    assert case.dispute.recompute_deadlines(calendar=CAL_WITH_2027, actor=SYSTEM, now=received + STEP)
    recomputed = then_recorded(case.dispute.collect_events(), ev.DeadlinesRecomputed)

    assert recomputed.acceptance is not None
    assert (recomputed.acceptance.accepted_on, recomputed.acceptance.provisional) == (date(2027, 1, 4), False)
    assert [(d.kind, d.deadline.due_on) for d in recomputed.deadlines] == [(DeadlineKind.TRANSFER, date(2027, 1, 5))]
    assert case.dispute.acceptance == recomputed.acceptance


def test_recomputing_a_handling_deadline_applies_the_rest_day_rule_to_the_transfer_day() -> None:
    # Received Thu 31 Dec 2026, transferred Fri 1 Jan 2027 (a weekday while 2027 has no notice).
    case = given(on(local(2027, 1, 1, 9), transfer()), received_at=local(2026, 12, 31, 9))
    assert case.dispute.clocks[DeadlineKind.HANDLING].deadline.due_on == date(2027, 1, 8)

    case.dispute.recompute_deadlines(calendar=CAL_WITH_2027, actor=SYSTEM, now=local(2027, 1, 1, 12))

    # With 1 Jan a holiday, the transfer counts from Mon 4 Jan: 5, 6, 7, 8, 11 Jan.
    handling = case.dispute.clocks[DeadlineKind.HANDLING].deadline
    assert handling.due_on == date(2027, 1, 11)
    assert handling.derivation[0] == "the act on 2027-01-01 fell on a rest day; counted from 2027-01-04"


# --- 7. remedy guidance windows ---------------------------------------------------------------


def _objected(handled_by: str) -> Case:
    return given(transfer(to_unit=handled_by), conclude(), feedback(), objection())


def test_reconsideration_window_ending_on_national_day_moves_to_8_oct_2024() -> None:
    case = _objected("tax")

    events = when(case, guidance(act_known_on=date(2024, 8, 2)))

    guided = then_recorded(events, ev.RemedyGuidanceGiven, act_known_on=date(2024, 8, 2))
    window = guided.reconsideration_window
    assert window.nominal_end == date(2024, 8, 2) + timedelta(days=60) == date(2024, 10, 1)
    assert window.last_day == next_working_day_from(date(2024, 10, 1)) == date(2024, 10, 8)
    assert window.due_at == datetime(2024, 10, 8, 16, tzinfo=UTC)
    assert window.provisional is False


def test_litigation_window_of_six_months_ending_in_spring_festival_2025_moves_to_5_feb() -> None:
    case = _objected("tax")

    events = when(case, guidance(remedy=RemedyKind.LITIGATION, act_known_on=date(2024, 8, 2)))

    window = then_recorded(events, ev.RemedyGuidanceGiven).litigation_window
    # 2 Feb 2025 is a Sunday inside the Spring Festival holiday (28 Jan – 4 Feb).
    assert window.nominal_end == date(2025, 2, 2)
    assert window.last_day == next_working_day_from(date(2025, 2, 2)) == date(2025, 2, 5)
    assert window.due_at == datetime(2025, 2, 5, 16, tzinfo=UTC)


def test_litigation_after_a_reconsideration_decision_is_15_days_from_the_decision() -> None:
    case = _objected("tax")

    events = when(case, guidance(act_known_on=date(2024, 8, 2), decided_on=date(2024, 9, 25)))

    guided = then_recorded(events, ev.RemedyGuidanceGiven, reconsideration_decided_on=date(2024, 9, 25))
    assert guided.litigation_window.start == date(2024, 9, 25)
    assert guided.litigation_window.nominal_end == date(2024, 10, 10)
    assert guided.litigation_window.last_day == date(2024, 10, 10)
    assert guided.reconsideration_window.last_day == date(2024, 10, 8)  # still from knowing of the act


def test_litigation_after_a_decision_ending_on_a_holiday_moves_to_the_next_working_day() -> None:
    case = _objected("tax")

    events = when(case, guidance(act_known_on=date(2024, 8, 2), decided_on=date(2024, 9, 20)))

    window = then_recorded(events, ev.RemedyGuidanceGiven).litigation_window
    assert (window.nominal_end, window.last_day) == (date(2024, 10, 5), date(2024, 10, 8))


def test_reconsideration_of_a_tax_handled_case_goes_to_the_jincheng_tax_bureau() -> None:
    case = _objected("tax")

    events = when(case, guidance(remedy=RemedyKind.RECONSIDERATION))

    guided = then_recorded(events, ev.RemedyGuidanceGiven, acting_unit="tax")
    assert guided.competent_body == "国家税务总局晋城市税务局（上一级税务机关）"


@pytest.mark.parametrize("unit", ["hrss", "medical_insurance"])
def test_reconsideration_of_an_hrss_or_medical_insurance_case_goes_to_the_gaoping_government(unit: str) -> None:
    case = _objected(unit)

    events = when(case, guidance(remedy=RemedyKind.RECONSIDERATION))

    guided = then_recorded(events, ev.RemedyGuidanceGiven, acting_unit=unit)
    assert guided.competent_body == "高平市人民政府（行政复议机构：高平市司法局）"


def test_litigation_goes_to_the_gaoping_court() -> None:
    case = _objected("tax")

    events = when(case, guidance(remedy=RemedyKind.LITIGATION))

    assert "高平市人民法院" in then_recorded(events, ev.RemedyGuidanceGiven).competent_body


def test_after_deliberation_the_executing_unit_is_the_acting_unit() -> None:
    case = given(
        transfer(to_unit="tax"), escalate(), deliberate(executing_unit="hrss"), conclude(), feedback(), objection()
    )

    events = when(case, guidance())

    guided = then_recorded(events, ev.RemedyGuidanceGiven, acting_unit="hrss")
    assert guided.competent_body.startswith("高平市人民政府")


def test_a_case_the_tax_bureau_settled_on_the_spot_names_it_as_acting_unit() -> None:
    case = given(resolve(), objection(), accepting_unit="tax")

    events = when(case, guidance(remedy=RemedyKind.RECONSIDERATION))

    guided = then_recorded(events, ev.RemedyGuidanceGiven)
    assert guided.acting_unit == "tax"
    assert guided.competent_body == "国家税务总局晋城市税务局（上一级税务机关）"


# --- 8. replay and snapshots ------------------------------------------------------------------

STORIES = {
    "the-long-way": dict(
        steps=(
            flag_risk(RiskLevel.MEDIUM),
            transfer(to_unit="hrss"),
            sign_for(),
            send_back(),
            transfer(to_unit="tax"),
            sign_for(),
            progress(),
            supervise(),
            escalate(),
            deliberate(executing_unit="hrss"),
            progress(),
            conclude(),
            feedback(party=PartyRole.OTHER_PARTY),
            feedback(),
            satisfaction(satisfied=False),
            objection(),
            guidance(act_known_on=date(2024, 8, 2)),
            no_objection(PartyRole.OTHER_PARTY),
            archive(),
            satisfaction(party=PartyRole.OTHER_PARTY),
        ),
        registration={},
    ),
    "missed-and-late": dict(
        steps=(
            on(TRANSFER_DUE + timedelta(hours=1), miss(DeadlineKind.TRANSFER)),
            on(local(2024, 10, 9, 10), transfer()),
            on(local(2024, 10, 18, 9), miss(DeadlineKind.HANDLING)),
            on(local(2024, 10, 18, 10), conclude()),
        ),
        registration={},
    ),
    "recomputed-into-2027": dict(
        steps=(transfer(), escalate(), on(local(2026, 12, 31, 9), recompute(CAL_WITH_2027))),
        registration={"received_at": WED_30_DEC_2026},
    ),
    "settled-on-the-spot": dict(steps=(resolve(), no_objection(), archive()), registration={"other_party": None}),
    "quiet-period-and-reopened": dict(
        steps=(
            transfer(),
            conclude(),
            *told_both(),
            no_objection(PartyRole.OTHER_PARTY),
            on(local(2024, 10, 30), archive()),
            on(local(2024, 11, 20), objection()),
            guidance(),
            archive(),
        ),
        registration={},
    ),
}


@pytest.mark.parametrize("story", list(STORIES))
def test_replaying_the_recorded_events_rebuilds_the_live_state(story: str) -> None:
    case = given(*STORIES[story]["steps"], **STORIES[story]["registration"])

    replayed = project_dispute(None, case.history)

    assert replayed is not None
    assert state(replayed) == state(case.dispute)
    assert replayed.version == case.dispute.version == len(case.history)
    assert replayed.collect_events() == []


@pytest.mark.parametrize("story", list(STORIES))
def test_a_snapshot_at_any_version_plus_the_later_events_rebuilds_the_live_state(story: str) -> None:
    case = given(*STORIES[story]["steps"], **STORIES[story]["registration"])

    for version in range(1, len(case.history) + 1):
        earlier = project_dispute(None, case.history[:version])
        assert earlier is not None
        snapshot = take_snapshot(earlier, now=case.clock)
        assert (snapshot.originator_id, snapshot.originator_version) == (DISPUTE_ID, version)

        replayed = project_dispute(None, [snapshot, *case.history[version:]])

        assert replayed is not None
        assert state(replayed) == state(case.dispute), f"snapshot at version {version}"


def test_a_replayed_case_keeps_deciding_like_the_live_one() -> None:
    case = given(transfer(), sign_for())
    replayed = project_dispute(None, case.history)
    assert replayed is not None

    with pytest.raises(CommandRejected):
        replayed.sign_for(actor=HANDLER, at=case.clock + STEP, now=case.clock + STEP)
    replayed.conclude(
        outcome=Outcome.EXPLAINED, result="已解释", actor=HANDLER, at=case.clock + STEP, now=case.clock + STEP
    )

    then_recorded(replayed.collect_events(), ev.HandlingConcluded, originator_version=4)


def test_events_survive_a_json_round_trip_unchanged() -> None:
    case = given(*STORIES["the-long-way"]["steps"])

    for event in case.history:
        decoded = msgspec.json.decode(msgspec.json.encode(event), type=type(event))
        assert decoded == event


# --- 9. risk ----------------------------------------------------------------------------------


def test_a_high_risk_flag_notifies_the_police() -> None:
    case = given()

    events = when(case, flag_risk(level=RiskLevel.HIGH, kind="群体性上访风险", people=30))

    then_recorded(
        events,
        ev.RiskFlagged,
        level=RiskLevel.HIGH,
        kind="群体性上访风险",
        people_involved=30,
        notified_units=("police",),
    )
    assert case.dispute.status == Status.ACCEPTED


@pytest.mark.parametrize("level", [RiskLevel.LOW, RiskLevel.MEDIUM])
def test_a_lower_risk_flag_notifies_nobody(level: RiskLevel) -> None:
    case = given(transfer())

    events = when(case, flag_risk(level=level))

    then_recorded(events, ev.RiskFlagged, level=level, notified_units=())
    assert case.dispute.status == Status.TRANSFERRED


# --- retention: crypto-shredding ------------------------------------------------------------------


def test_shredding_an_archived_case_records_the_cut_off_and_when_it_was_archived() -> None:
    case = given(*PATH_TO[Status.ARCHIVED])
    archived = case.history[-1]

    events = when(case, on(AFTER_REOPENING, shred(date(2030, 1, 1))))

    then_recorded(events, ev.PersonalDataShredded, archived_before=date(2030, 1, 1), archived_at=archived.at)
    assert case.dispute.shredded


def test_shredding_is_refused_for_a_case_archived_on_or_after_the_cut_off() -> None:
    case = given(*PATH_TO[Status.ARCHIVED])
    archived_on = case.history[-1].at.astimezone(SHANGHAI).date()

    error = when_refused(case, shred(archived_on), CommandRejected)

    assert "not before" in str(error)


def test_shredding_is_refused_while_a_remedy_window_is_open_and_allowed_after_it() -> None:
    case = given(transfer(), conclude(), *told_both(), objection(), guidance(), no_objection(PartyRole.OTHER_PARTY),
                 archive())
    last_day = case.dispute.remedy_open_until
    assert last_day is not None

    error = when_refused(case, shred(), CommandRejected)
    assert "remedy window is open" in str(error)

    after = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), SHANGHAI).astimezone(UTC)
    then_recorded(when(case, shred(), at=after, now=after), ev.PersonalDataShredded)


def test_shredding_twice_is_refused() -> None:
    case = given(*PATH_TO[Status.ARCHIVED], on(AFTER_REOPENING, shred()))

    error = when_refused(case, shred(), CommandRejected)

    assert "already destroyed" in str(error)
