"""No case without a clock, no ping-pong, who answers for a miss, special matters straight to the
task force (domain.md "Returns and designation", "Special matters"), given/when/then.

The helpers (given, when, then_recorded, when_refused, on, local, the steps) are those of
tests/domain/test_dispute.py; the case is registered by the petition bureau on Mon 30 Sep 2024
10:00 (transfer due at the end of Tue 8 Oct, after the National Day holiday).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import msgspec

from domain import events as ev
from domain.dispute import Dispute, project_dispute
from domain.errors import CommandRejected
from domain.values import Actor, DeadlineKind, Level, Role, Status
from projections.case_view import fold
from tests.domain.test_dispute import (
    CAL,
    CLERK,
    HANDLER,
    TASKFORCE,
    Case,
    Step,
    conclude,
    escalate,
    given,
    local,
    miss,
    nth_working_day_after,
    on,
    send_back,
    transfer,
    when,
    when_refused,
)

GOV_CLERK = Actor(subject="gov-clerk-1", role=Role.CLERK, unit="gov_office")
HANDLING_DUE = datetime(2024, 10, 12, 16, tzinfo=UTC)  # transfer on 30 Sep: 5 working days, make-up Sat 12 Oct
DELIBERATION_DUE = datetime(2024, 10, 18, 16, tzinfo=UTC)  # 10 working days after Mon 30 Sep


def transfer_by(actor: Actor, to_unit: str = "hrss") -> Step:
    def run(d: Dispute, at: datetime, now: datetime) -> None:
        d.transfer(to_unit=to_unit, note="指定由人社局承办", actor=actor, at=at, now=now, calendar=CAL)

    return run


def types(events: list[ev.DisputeEvent]) -> list[type]:
    return [type(e) for e in events]


# --- item 1: a return closes the handling clock and opens a transfer clock ----------------------


def test_a_return_on_a_rest_day_opens_a_transfer_clock_counted_from_the_next_working_day() -> None:
    case = given(on(local(2024, 9, 30, 11), transfer()))

    events = when(case, on(local(2024, 10, 5, 9), send_back()))  # Sat 5 Oct, National Day holiday

    (returned,) = events
    assert isinstance(returned, ev.DisputeReturned) and returned.transfer_deadline is not None
    # Deemed made on Tue 8 Oct: due at the end of Wed 9 Oct.
    assert returned.transfer_deadline.due_on == nth_working_day_after(date(2024, 10, 8), 1) == date(2024, 10, 9)
    assert "fell on a rest day" in returned.transfer_deadline.derivation[0]


def test_a_return_after_the_handling_deadline_passed_records_the_miss_first_against_the_handling_unit() -> None:
    case = given(on(local(2024, 9, 30, 11), transfer(to_unit="tax")))
    returned_at = HANDLING_DUE + timedelta(days=2)

    events = when(case, on(returned_at, send_back()))

    assert types(events) == [ev.DeadlineMissed, ev.DisputeReturned]
    missed = events[0]
    assert isinstance(missed, ev.DeadlineMissed)
    assert (missed.kind, missed.unit, missed.due_at, missed.at) == (
        DeadlineKind.HANDLING,
        "tax",
        HANDLING_DUE,
        HANDLING_DUE,
    )
    assert case.dispute.status == Status.ACCEPTED
    assert case.dispute.clocks[DeadlineKind.TRANSFER].met_at is None


def test_a_return_exactly_at_the_end_of_the_handling_day_is_late() -> None:
    case = given(on(local(2024, 9, 30, 11), transfer(to_unit="tax")))

    events = when(case, on(HANDLING_DUE, send_back()))

    assert types(events) == [ev.DeadlineMissed, ev.DisputeReturned]


def test_a_return_one_second_before_the_end_of_the_handling_day_records_no_miss() -> None:
    case = given(on(local(2024, 9, 30, 11), transfer(to_unit="tax")))

    events = when(case, on(HANDLING_DUE - timedelta(seconds=1), send_back()))

    assert types(events) == [ev.DisputeReturned]


def test_a_miss_already_recorded_is_not_recorded_again_by_the_return() -> None:
    case = given(on(local(2024, 9, 30, 11), transfer(to_unit="tax")), on(HANDLING_DUE + timedelta(hours=1), miss(DeadlineKind.HANDLING)))

    events = when(case, on(HANDLING_DUE + timedelta(days=1), send_back()))

    assert types(events) == [ev.DisputeReturned]
    assert [e.kind for e in case.history if isinstance(e, ev.DeadlineMissed)] == [DeadlineKind.HANDLING]


def test_the_transfer_clock_of_a_return_can_be_missed_and_names_the_accepting_unit() -> None:
    case = given(on(local(2024, 9, 30, 11), transfer()), on(local(2024, 10, 8, 9), send_back()))
    due = datetime(2024, 10, 9, 16, tzinfo=UTC)

    assert case.dispute.overdue_clocks(due) == [DeadlineKind.TRANSFER]
    events = when(case, miss(DeadlineKind.TRANSFER), now=due + timedelta(hours=3))

    (missed,) = events
    assert isinstance(missed, ev.DeadlineMissed)
    assert (missed.kind, missed.unit, missed.due_at) == (DeadlineKind.TRANSFER, "petition", due)


def test_a_case_waiting_on_a_unit_always_has_an_open_clock_of_that_unit() -> None:
    case = given()
    waiting = [(case.dispute.status, _open(case.dispute))]
    for step in (transfer(to_unit="hrss"), send_back(), transfer(to_unit="tax"), escalate()):
        when(case, step)
        waiting.append((case.dispute.status, _open(case.dispute)))

    assert waiting == [
        (Status.ACCEPTED, [(DeadlineKind.TRANSFER, "petition")]),
        (Status.TRANSFERRED, [(DeadlineKind.HANDLING, "hrss")]),
        (Status.ACCEPTED, [(DeadlineKind.TRANSFER, "petition")]),
        (Status.TRANSFERRED, [(DeadlineKind.HANDLING, "tax")]),
        (Status.ESCALATED, [(DeadlineKind.DELIBERATION, "taskforce")]),
    ]


def _open(d: Dispute) -> list[tuple[DeadlineKind, str]]:
    return [(kind, d.responsible_unit(kind)) for kind, clock in d.clocks.items() if clock.met_at is None]


# --- item 9: every miss names its unit ----------------------------------------------------------


def test_every_recorded_miss_names_the_unit_that_held_the_case() -> None:
    transfer_miss = given().run(miss(DeadlineKind.TRANSFER), now=local(2024, 10, 9))
    handling_miss = given(on(local(2024, 9, 30, 11), transfer(to_unit="hrss"))).run(
        miss(DeadlineKind.HANDLING), now=HANDLING_DUE + timedelta(hours=1)
    )
    deliberation_miss = given(on(local(2024, 9, 30, 11), transfer()), on(local(2024, 10, 8, 9), escalate())).run(
        miss(DeadlineKind.DELIBERATION), now=DELIBERATION_DUE + timedelta(hours=1)
    )

    units = [e.unit for e in (*transfer_miss, *handling_miss, *deliberation_miss) if isinstance(e, ev.DeadlineMissed)]
    assert units == ["petition", "hrss", "taskforce"]


def test_an_escalation_after_the_deliberation_deadline_passed_is_the_escalating_units_miss() -> None:
    case = given(on(local(2024, 9, 30, 11), transfer(to_unit="tax")))
    escalated_at = DELIBERATION_DUE + timedelta(days=3)

    events = when(case, on(escalated_at, escalate()))

    assert types(events) == [ev.DisputeEscalated, ev.DeadlineMissed]
    missed = events[1]
    assert isinstance(missed, ev.DeadlineMissed)
    assert (missed.kind, missed.unit, missed.due_at) == (DeadlineKind.DELIBERATION, "tax", DELIBERATION_DUE)
    assert case.dispute.overdue_clocks(escalated_at + timedelta(days=30)) == []


def test_an_escalation_before_the_deliberation_deadline_records_no_miss() -> None:
    case = given(on(local(2024, 9, 30, 11), transfer(to_unit="tax")))

    events = when(case, on(DELIBERATION_DUE - timedelta(seconds=1), escalate()))

    assert types(events) == [ev.DisputeEscalated]


# --- item 2: no ping-pong -----------------------------------------------------------------------


def _returned_twice() -> list[Step]:
    return [transfer(to_unit="hrss"), send_back(), transfer(to_unit="tax"), send_back()]


def test_the_second_return_leaves_the_case_awaiting_designation_with_a_clock_of_gov_office() -> None:
    case = given(*_returned_twice()[:3])
    assert not case.dispute.awaits_designation()

    events = when(case, send_back())

    (returned,) = events
    assert isinstance(returned, ev.DisputeReturned)
    assert (returned.awaits_designation, returned.transfer_unit) == (True, "gov_office")
    assert case.dispute.awaits_designation()
    assert case.dispute.responsible_unit(DeadlineKind.TRANSFER) == "gov_office"
    assert "gov_office" in case.dispute.units_involved


def test_after_the_second_return_the_accepting_unit_can_no_longer_transfer() -> None:
    case = given(*_returned_twice())

    error = when_refused(case, transfer(to_unit="hrss"), CommandRejected)

    assert error.status == Status.ACCEPTED
    assert "designation" in error.message and "gov_office" in error.message


def test_gov_office_designates_the_handling_unit_after_the_second_return() -> None:
    case = given(*_returned_twice())

    events = when(case, transfer_by(GOV_CLERK, "hrss"))

    (designated,) = events
    assert isinstance(designated, ev.DisputeTransferred)
    assert (designated.designation, designated.to_unit) == (True, "hrss")
    assert (case.dispute.status, case.dispute.designated) == (Status.TRANSFERRED, True)
    assert case.dispute.clocks[DeadlineKind.TRANSFER].met_at == designated.at


def test_the_task_force_may_designate_too() -> None:
    case = given(*_returned_twice())

    (designated,) = when(case, transfer_by(TASKFORCE, "tax"))

    assert isinstance(designated, ev.DisputeTransferred) and designated.designation


def test_a_designated_unit_cannot_return_the_case_but_may_conclude_or_escalate_it() -> None:
    case = given(*_returned_twice(), transfer_by(GOV_CLERK, "tax"))

    error = when_refused(case, send_back(), CommandRejected)

    assert error.status == Status.TRANSFERRED
    assert "designated to tax" in error.message and "指定承办" in error.message
    assert types(when(given(*_returned_twice(), transfer_by(GOV_CLERK, "tax")), conclude())) == [ev.HandlingConcluded]
    assert types(when(given(*_returned_twice(), transfer_by(GOV_CLERK, "tax")), escalate())) == [ev.DisputeEscalated]


def test_before_a_second_return_neither_gov_office_nor_the_task_force_transfers() -> None:
    for actor in (GOV_CLERK, TASKFORCE):
        case = given(transfer(to_unit="hrss"), send_back())

        error = when_refused(case, transfer_by(actor), CommandRejected)

        assert "second return" in error.message


# --- item 3: special matters straight to the task force ------------------------------------------


def test_the_accepting_clerk_escalates_a_special_matter_straight_to_the_task_force() -> None:
    case = given()
    escalated_at = local(2024, 9, 30, 15)

    events = when(case, on(escalated_at, escalate(by=CLERK)))

    (escalated,) = events
    assert isinstance(escalated, ev.DisputeEscalated)
    assert (escalated.direct, escalated.from_unit) == (True, "petition")
    assert escalated.deliberation_deadline.due_on == nth_working_day_after(date(2024, 9, 30), 10) == date(2024, 10, 18)
    assert (case.dispute.status, case.dispute.level) == (Status.ESCALATED, Level.SPECIAL)
    transfer_clock = case.dispute.clocks[DeadlineKind.TRANSFER]
    assert transfer_clock.met_at == escalated_at < transfer_clock.deadline.due_at
    assert case.dispute.clocks[DeadlineKind.DELIBERATION].met_at is None


def test_a_direct_escalation_after_the_transfer_day_meets_the_transfer_clock_late() -> None:
    case = given()
    late = datetime(2024, 10, 8, 16, tzinfo=UTC)  # 24:00:00 of Tue 8 Oct exactly

    when(case, on(late, escalate(by=CLERK)))

    clock = case.dispute.clocks[DeadlineKind.TRANSFER]
    assert clock.met_at == clock.deadline.due_at == late


def test_a_clerk_cannot_escalate_once_the_case_was_transferred() -> None:
    for steps in ((transfer(),), (transfer(), send_back())):
        case = given(*steps)

        error = when_refused(case, escalate(by=CLERK), CommandRejected)

        assert "transfer" in error.message


def test_a_handler_escalates_only_after_a_transfer() -> None:
    case = given()

    error = when_refused(case, escalate(by=HANDLER), CommandRejected)

    assert error.status == Status.ACCEPTED
    assert "ACCEPTED" in error.message


# --- events stored before the rule still replay ----------------------------------------------------


def _as_stored_before_the_rule(history: list[ev.DisputeEvent]) -> list[ev.DisputeEvent]:
    """The same story as events recorded by 1.0: returns without a transfer clock, misses and
    transfers without the new fields (their defaults)."""
    old: list[ev.DisputeEvent] = []
    for event in history:
        stored = event
        if isinstance(event, ev.DisputeReturned):
            stored = msgspec.structs.replace(event, transfer_deadline=None, transfer_unit=None, awaits_designation=False)
        old.append(msgspec.json.decode(msgspec.json.encode(stored), type=type(stored)))
    return old


def test_a_case_returned_twice_before_the_rule_replays_and_awaits_designation() -> None:
    case = given(*_returned_twice())
    old = _as_stored_before_the_rule(case.history)

    replayed = project_dispute(None, old)
    view = None
    for e in old:
        view = fold(view, e)

    assert replayed is not None and view is not None
    assert (replayed.status, replayed.returns, replayed.awaits_designation()) == (Status.ACCEPTED, 2, True)
    assert "gov_office" in replayed.units_involved and "gov_office" in view.units_involved
    assert view.awaits_designation and view.returned_by == ["hrss", "tax"]
    # No transfer clock was recorded with those returns; the handling clocks they closed stay.
    assert [(d.kind, d.closed_by) for d in view.deadlines] == [
        ("transfer", None), ("handling", "return"), ("handling", "return")
    ]
    (designated,) = Case(replayed, case.clock).run(transfer_by(GOV_CLERK, "hrss"))
    assert isinstance(designated, ev.DisputeTransferred) and designated.designation
