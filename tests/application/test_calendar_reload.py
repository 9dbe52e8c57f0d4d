"""Provisional deadlines into a year without a holiday notice, and their recomputation, recorded
as events, when the notice is loaded."""

from __future__ import annotations

from datetime import date

from application import commands as cmd
from domain.calendar import YearSchedule
from domain.events import DeadlinesRecomputed, RecomputedDeadline
from domain.values import Actor, DeadlineKind, Role
from tests.application._support import AUDITOR, HANDLER_TAX, command, register, transfer, utc

SCHEDULE_2027 = YearSchedule(
    year=2027,
    notice="test",
    days_off={date(2027, 1, 1): "元旦", date(2027, 1, 2): "元旦", date(2027, 1, 3): "元旦"},
    make_up_working_days=(),
)
SYSTEM = Actor("fengqiao", Role.SYSTEM)


def _escalated_in_late_december(app, clock, case_no: str = "GP-2026-000001") -> None:
    """Received Mon 21 Dec 2026, transferred Tue 22 Dec, escalated Mon 28 Dec."""
    clock.set(utc("2026-12-21T03:00:00"))
    assert register(app, received_at="2026-12-21T02:00:00Z").case_number == case_no
    clock.set(utc("2026-12-22T02:00:00"))
    transfer(app, case_no, "tax")
    clock.set(utc("2026-12-28T02:00:00"))
    app.escalate(case_no, command(cmd.Escalate, reason="需专班研判"), HANDLER_TAX)


def test_escalation_in_late_december_has_a_provisional_deliberation_deadline(app, clock):
    _escalated_in_late_december(app, clock)

    dispute = app.get_dispute("GP-2026-000001", AUDITOR)
    deliberation = dispute.clocks[DeadlineKind.DELIBERATION].deadline
    # 10 working days after Mon 21 Dec: 22-25, 28-31 Dec, then Fri 1 Jan 2027 is skipped as the
    # statutory 元旦 although no 2027 notice is loaded: Mon 4, Tue 5 Jan.
    assert deliberation.due_on == date(2027, 1, 5)
    assert deliberation.due_at == utc("2027-01-05T16:00:00")
    assert deliberation.provisional is True
    assert (
        "skipped 2027-01-01 (Fri): 元旦 statutory holiday (provisional: no notice loaded for 2027)"
        in deliberation.derivation
    )
    assert any(line.startswith("provisional: no official holiday notice loaded for 2027") for line in deliberation.derivation)
    # The other clocks stay within 2026 and are final.
    assert dispute.clocks[DeadlineKind.TRANSFER].deadline.provisional is False
    assert dispute.clocks[DeadlineKind.HANDLING].deadline.due_on == date(2026, 12, 29)
    assert dispute.clocks[DeadlineKind.HANDLING].deadline.provisional is False
    assert dispute.has_provisional_deadlines() is True


def test_loading_the_notice_records_the_recomputed_deadline_once(make_app, clock):
    app = make_app()
    _escalated_in_late_december(app, clock)
    clock.set(utc("2026-12-28T03:00:00"))
    other = register(app, received_at="2026-12-28T02:00:00Z")  # GP-2026-000002: all deadlines in 2026
    before = app.recorder.max_notification_id()

    outcome = app.load_calendar_years([SCHEDULE_2027])

    assert outcome["loaded_years"] == [2027]
    assert outcome["recomputed_cases"] == ["GP-2026-000001"]
    assert outcome["calendar"].startswith("cn-official:2004-2027+statutory:sha256:")
    # The YearScheduleLoaded event and one DeadlinesRecomputed.
    assert app.recorder.max_notification_id() == before + 2

    events = app.dispute_events("GP-2026-000001", AUDITOR)
    assert [type(e).__name__ for e in events] == [
        "DisputeRegistered",
        "DisputeTransferred",
        "DisputeEscalated",
        "DeadlinesRecomputed",
    ]
    recomputed = events[-1]
    assert isinstance(recomputed, DeadlinesRecomputed)
    assert recomputed.actor == SYSTEM
    assert recomputed.originator_version == 4
    assert recomputed.at == utc("2026-12-28T03:00:00")
    assert recomputed.calendar_version == outcome["calendar"]
    assert recomputed.acceptance is None
    assert [d.kind for d in recomputed.deadlines] == [DeadlineKind.DELIBERATION]
    (item,) = recomputed.deadlines
    assert isinstance(item, RecomputedDeadline)
    # 1-3 Jan 2027 are off: the 9th and 10th working days are Mon 4 and Tue 5 Jan.
    assert item.deadline.due_on == date(2027, 1, 5)
    assert item.deadline.due_at == utc("2027-01-05T16:00:00")
    assert item.deadline.provisional is False
    assert "skipped 2027-01-01 (Fri): 元旦 holiday" in item.deadline.derivation

    dispute = app.get_dispute("GP-2026-000001", AUDITOR)
    assert dispute.version == 4
    assert dispute.clocks[DeadlineKind.DELIBERATION].deadline.due_on == date(2027, 1, 5)
    assert dispute.has_provisional_deadlines() is False
    assert app.get_dispute(other.case_number, AUDITOR).version == 1

    # Loading the same notice again, here or in another instance, records nothing.
    after = app.recorder.max_notification_id()
    again = app.load_calendar_years([SCHEDULE_2027])
    assert again["loaded_years"] == [] and again["recomputed_cases"] == []
    assert again["calendar"] == outcome["calendar"]
    assert make_app().load_calendar_years([SCHEDULE_2027])["loaded_years"] == []
    assert app.recorder.max_notification_id() == after


def test_an_instance_opened_after_the_load_computes_final_deadlines(make_app, clock):
    make_app().load_calendar_years([SCHEDULE_2027])
    app = make_app()
    _escalated_in_late_december(app, clock)

    deliberation = app.get_dispute("GP-2026-000001", AUDITOR).clocks[DeadlineKind.DELIBERATION].deadline
    assert (deliberation.due_on, deliberation.provisional) == (date(2027, 1, 5), False)
    assert app.calendar().knows(2027)


def test_a_provisional_acceptance_day_is_recomputed_with_its_deadlines(app, clock):
    # Received Fri 1 Jan 2027, 10:00 in Shanghai; 2027 is not loaded, but 元旦 is a statutory
    # holiday: deemed accepted Mon 4 Jan, provisionally.
    clock.set(utc("2027-01-01T04:00:00"))
    r = register(app, received_at="2027-01-01T02:00:00Z")
    assert r.case_number == "GP-2027-000001"
    before = app.get_dispute(r.case_number, AUDITOR)
    assert (before.acceptance.accepted_on, before.acceptance.provisional) == (date(2027, 1, 4), True)
    assert before.clocks[DeadlineKind.TRANSFER].deadline.due_on == date(2027, 1, 5)

    outcome = app.load_calendar_years([SCHEDULE_2027])

    assert outcome["recomputed_cases"] == ["GP-2027-000001"]
    recomputed = app.dispute_events(r.case_number, AUDITOR)[-1]
    assert isinstance(recomputed, DeadlinesRecomputed)
    assert recomputed.acceptance is not None
    assert recomputed.acceptance.received_on == date(2027, 1, 1)
    assert recomputed.acceptance.accepted_on == date(2027, 1, 4)
    assert recomputed.acceptance.provisional is False
    after = app.get_dispute(r.case_number, AUDITOR)
    assert after.acceptance.accepted_on == date(2027, 1, 4)
    assert after.clocks[DeadlineKind.TRANSFER].deadline.due_on == date(2027, 1, 5)
    assert after.clocks[DeadlineKind.TRANSFER].deadline.provisional is False
    assert after.received_at == utc("2027-01-01T02:00:00")


def test_a_handling_deadline_of_a_case_received_years_earlier_is_recomputed(app, clock):
    clock.set(utc("2026-12-28T02:00:00"))  # Mon 28 Dec 2026
    register(app, received_at="2025-12-15T02:00:00Z")  # GP-2025-000001
    transfer(app, "GP-2025-000001", "tax")
    handling = app.get_dispute("GP-2025-000001", AUDITOR).clocks[DeadlineKind.HANDLING].deadline
    # 29, 30, 31 Dec, then Fri 1 Jan is the statutory 元旦: Mon 4, Tue 5 Jan.
    assert (handling.due_on, handling.provisional) == (date(2027, 1, 5), True)

    app.load_calendar_years([SCHEDULE_2027])

    handling = app.get_dispute("GP-2025-000001", AUDITOR).clocks[DeadlineKind.HANDLING].deadline
    assert (handling.due_on, handling.provisional) == (date(2027, 1, 5), False)


def test_a_deadline_computed_by_another_instance_right_after_the_load_is_final(make_app, clock):
    app1, app2 = make_app(), make_app()
    # Make the refresh interval's window deterministic instead of "the next 5 seconds".
    app1.reference.refresh_seconds = app2.reference.refresh_seconds = 3600.0
    clock.set(utc("2026-12-21T03:00:00"))
    register(app2, received_at="2026-12-21T02:00:00Z")
    clock.set(utc("2026-12-22T02:00:00"))
    transfer(app2, "GP-2026-000001", "tax")

    app1.load_calendar_years([SCHEDULE_2027])
    clock.set(utc("2026-12-28T02:00:00"))
    app2.escalate("GP-2026-000001", command(cmd.Escalate, reason="需专班研判"), HANDLER_TAX)

    deliberation = app1.get_dispute("GP-2026-000001", AUDITOR).clocks[DeadlineKind.DELIBERATION].deadline
    assert (deliberation.due_on, deliberation.provisional) == (date(2027, 1, 5), False)


def test_a_notice_that_differs_from_the_statutory_rule_moves_the_deadline(app, clock):
    # Received Thu 30 Sep 2027: provisionally 国庆节 1-3 Oct and its days in lieu 4-5 Oct rest.
    clock.set(utc("2027-09-30T03:00:00"))
    r = register(app, received_at="2027-09-30T02:00:00Z")
    transfer_clock = app.get_dispute(r.case_number, AUDITOR).clocks[DeadlineKind.TRANSFER].deadline
    assert (transfer_clock.due_on, transfer_clock.provisional) == (date(2027, 10, 6), True)
    assert app.calendar().version.startswith("cn-official:2004-2026+statutory:sha256:")

    # A notice giving 1-7 Oct off with a make-up Saturday 9 Oct.
    app.load_calendar_years([YearSchedule(
        year=2027, notice="test", days_off={date(2027, 10, d): "国庆节" for d in range(1, 8)},
        make_up_working_days=(date(2027, 10, 9),),
    )])

    recomputed = app.dispute_events(r.case_number, AUDITOR)[-1]
    assert isinstance(recomputed, DeadlinesRecomputed)
    assert recomputed.acceptance is not None and recomputed.acceptance.provisional is False
    assert [(d.kind, d.deadline.due_on, d.deadline.provisional) for d in recomputed.deadlines] == [
        (DeadlineKind.TRANSFER, date(2027, 10, 8), False)
    ]


def test_loading_an_unchanged_shipped_year_records_nothing(app):
    shipped_2026 = app.calendar()._years[2026]  # noqa: SLF001 - the schedule as shipped
    before = app.recorder.max_notification_id()
    outcome = app.load_calendar_years([shipped_2026])
    assert outcome["loaded_years"] == []
    assert outcome["recomputed_cases"] == []
    assert app.recorder.max_notification_id() == before
