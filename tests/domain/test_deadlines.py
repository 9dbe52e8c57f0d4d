"""One meaning of late and overdue (domain.md "Overdue"; issue 12 item 12), given/when/then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.deadlines import deadline_overdue, is_late, open_and_passed, was_missed
from domain.values import DeadlineKind
from tests.domain.test_dispute import given, on, transfer

DUE = datetime(2024, 10, 8, 16, tzinfo=UTC)  # 24:00 of Tue 8 Oct 2024 in Gaoping
JUST_BEFORE = DUE - timedelta(microseconds=1)


def test_an_act_at_24_00_00_exactly_is_late_and_one_a_microsecond_earlier_is_not() -> None:
    assert is_late(DUE, DUE)
    assert not is_late(DUE, JUST_BEFORE)


def test_a_deadline_is_overdue_while_open_past_its_end_or_when_met_late() -> None:
    assert deadline_overdue(DUE, None, DUE)
    assert not deadline_overdue(DUE, None, JUST_BEFORE)
    assert deadline_overdue(DUE, DUE, DUE + timedelta(days=1))
    assert not deadline_overdue(DUE, JUST_BEFORE, DUE + timedelta(days=365))


def test_only_an_open_deadline_past_its_end_makes_a_case_overdue() -> None:
    assert open_and_passed(DUE, None, DUE)
    assert not open_and_passed(DUE, DUE + timedelta(days=1), DUE + timedelta(days=2))


def test_a_recorded_miss_stays_a_miss_even_if_a_recomputed_deadline_would_not_be() -> None:
    assert was_missed(DUE + timedelta(days=9), JUST_BEFORE, DUE, recorded=True)
    assert not was_missed(DUE + timedelta(days=9), JUST_BEFORE, DUE)


def test_the_aggregate_treats_a_transfer_at_the_end_of_the_day_as_late_and_the_miss_as_due() -> None:
    case = given(on(DUE, transfer()))

    clock = case.dispute.clocks[DeadlineKind.TRANSFER]

    assert clock.met_at == clock.deadline.due_at == DUE
    assert is_late(clock.deadline.due_at, clock.met_at)
    assert given().dispute.overdue_clocks(DUE) == [DeadlineKind.TRANSFER]
    assert given().dispute.overdue_clocks(JUST_BEFORE) == []
