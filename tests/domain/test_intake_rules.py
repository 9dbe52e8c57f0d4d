"""On the spot means on the spot, collective deliberation, group risk (issue 12 items 6, 7, 8;
domain.md "On the spot", "Special matters", "Risk"), given/when/then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain import events as ev
from domain.errors import CommandRejected
from domain.values import Attendee, Category, InsuranceType, RiskLevel, Status
from tests.domain.test_dispute import (
    deliberate,
    escalate,
    given,
    local,
    on,
    resolve,
    then_invalid,
    transfer,
    when,
    when_refused,
)

SUN_15_FEB_2026 = local(2026, 2, 15, 9)  # Spring Festival: deemed accepted Tue 24 Feb 2026


# --- item 6: on the spot ------------------------------------------------------------------------


def test_a_case_is_settled_on_the_spot_up_to_the_last_instant_of_the_day_of_receipt() -> None:
    # Received Mon 30 Sep 2024 10:00; no other party, so telling the payer answers the case.
    case = given(other_party=None)
    last_instant = datetime(2024, 9, 30, 16, tzinfo=UTC) - timedelta(microseconds=1)

    (resolved,) = when(case, on(last_instant, resolve()))

    assert isinstance(resolved, ev.ResolvedOnSpot)
    assert case.dispute.status == Status.FEEDBACK_GIVEN


@pytest.mark.parametrize(
    "settled_at",
    [datetime(2024, 9, 30, 16, tzinfo=UTC), local(2024, 10, 8, 9), local(2024, 10, 12, 9)],
    ids=["24:00-of-the-day", "the-next-working-day", "days-later"],
)
def test_settling_on_the_spot_after_the_day_of_receipt_is_refused(settled_at: datetime) -> None:
    case = given()

    error = when_refused(case, on(settled_at, resolve()), CommandRejected)

    assert error.status == Status.ACCEPTED
    assert "day of receipt (2024-09-30)" in error.message
    assert "transfer it or conclude it as a general case" in error.message


@pytest.mark.parametrize("settled_at", [local(2026, 2, 18, 9), local(2026, 2, 24, 23, 59)], ids=["holiday", "deemed-day"])
def test_a_rest_day_intake_is_settled_on_the_spot_up_to_its_deemed_acceptance_day(settled_at: datetime) -> None:
    case = given(received_at=SUN_15_FEB_2026)

    (resolved,) = when(case, on(settled_at, resolve()))

    assert isinstance(resolved, ev.ResolvedOnSpot)


def test_a_rest_day_intake_is_not_settled_on_the_spot_after_its_deemed_acceptance_day() -> None:
    case = given(received_at=SUN_15_FEB_2026)

    error = when_refused(case, on(local(2026, 2, 25, 0, 0), resolve()), CommandRejected)

    assert "2026-02-15, or by its deemed acceptance day 2026-02-24" in error.message


# --- item 7: collective deliberation --------------------------------------------------------------


@pytest.mark.parametrize(
    "attendees",
    [(), (Attendee(unit="tax", name="王五"),), (Attendee(unit="tax", name="王五"), Attendee(unit="tax", name="赵六"))],
    ids=["nobody", "one-person", "one-unit"],
)
def test_a_deliberation_without_two_distinct_member_units_is_refused_naming_attendees(
    attendees: tuple[Attendee, ...],
) -> None:
    case = given(transfer(), escalate())

    error = then_invalid(case, deliberate(attendees=attendees), "attendees")

    assert "at least 2 distinct member units" in error.message


def test_a_deliberation_of_two_member_units_is_recorded() -> None:
    case = given(transfer(), escalate())
    attendees = (Attendee(unit="tax", name="王五"), Attendee(unit="hrss", name="李四"), Attendee(unit="tax", name="赵六"))

    (held,) = when(case, deliberate(attendees=attendees))

    assert isinstance(held, ev.DeliberationHeld) and held.attendees == attendees


# --- item 8: group risk ---------------------------------------------------------------------------


def test_a_registration_with_five_people_involved_records_a_group_risk_flag_with_it() -> None:
    case = given(people_involved=5)

    registered, flagged = case.history

    assert isinstance(registered, ev.DisputeRegistered) and isinstance(flagged, ev.RiskFlagged)
    assert (flagged.kind, flagged.level, flagged.people_involved, flagged.notified_units) == (
        "group", RiskLevel.MEDIUM, 5, ()
    )
    assert (flagged.originator_version, flagged.at, flagged.actor) == (2, registered.at, registered.actor)
    assert case.dispute.version == 2
    assert "police" not in case.dispute.units_involved  # MEDIUM: the risk queue, not read reach


def test_a_registration_with_four_people_involved_records_no_flag() -> None:
    case = given(people_involved=4)

    assert [type(e) for e in case.history] == [ev.DisputeRegistered]


# --- item 11: routing you can explain ------------------------------------------------------------


@pytest.mark.parametrize(
    ("insurance_types", "suggested", "rule"),
    [
        ((InsuranceType.MEDICAL,), "medical_insurance", "special_assessment_medical_only"),
        ((InsuranceType.MEDICAL, InsuranceType.PENSION), "hrss", "category"),
        ((), "hrss", "category"),
    ],
    ids=["medical-only", "medical-and-pension", "none-named"],
)
def test_a_special_assessment_for_medical_insurance_alone_suggests_the_medical_insurance_bureau(
    insurance_types: tuple[InsuranceType, ...], suggested: str, rule: str
) -> None:
    case = given(category=Category.SPECIAL_ASSESSMENT, insurance_types=insurance_types)

    (registered,) = case.history

    assert isinstance(registered, ev.DisputeRegistered)
    assert (registered.suggested_unit, registered.routing_rule) == (suggested, rule)
    assert case.dispute.suggested_unit == suggested


def test_a_transfer_to_the_suggested_unit_needs_no_note() -> None:
    case = given(category=Category.SPECIAL_ASSESSMENT, insurance_types=(InsuranceType.MEDICAL,))

    (transferred,) = when(case, transfer(to_unit="medical_insurance", note=None))

    assert isinstance(transferred, ev.DisputeTransferred) and not transferred.routing_override


@pytest.mark.parametrize("note", [None, "  "], ids=["none", "blank"])
def test_a_transfer_to_another_unit_than_suggested_without_a_note_is_refused_naming_note(note: str | None) -> None:
    case = given(category=Category.SPECIAL_ASSESSMENT, insurance_types=(InsuranceType.MEDICAL,))

    error = then_invalid(case, transfer(to_unit="hrss", note=note), "note")

    assert "suggested unit medical_insurance" in error.message


def test_an_override_with_a_note_is_recorded_as_such() -> None:
    case = given(category=Category.SPECIAL_ASSESSMENT, insurance_types=(InsuranceType.MEDICAL,))

    (transferred,) = when(case, transfer(to_unit="hrss", note="涉及养老保险部分，由人社局牵头"))

    assert isinstance(transferred, ev.DisputeTransferred)
    assert (transferred.suggested_unit, transferred.routing_override, transferred.note) == (
        "medical_insurance", True, "涉及养老保险部分，由人社局牵头"
    )
