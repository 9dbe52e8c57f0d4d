"""Full paths of a case through the use cases, on both stores; validation that records nothing."""

from __future__ import annotations

import dataclasses
from datetime import date
from uuid import UUID

import msgspec
import pytest

from application import commands as cmd
from application.errors import CommandRejected, DisputeNotFound, InvalidCommand
from domain.reference import dispute_id_for
from domain.values import DeadlineKind, Level, Status
from tests.application._support import (
    AUDITOR,
    CLERK_TAX,
    HANDLER_FINANCE,
    HANDLER_HRSS,
    HANDLER_TAX,
    ID_NUMBER,
    LEGAL,
    TASKFORCE,
    command,
    event_types,
    register,
    register_body,
    utc,
)

CASE_1 = "GP-2026-000001"
ID_1 = str(dispute_id_for(CASE_1))


def result(status: str, version: int, position: int, case: str = CASE_1) -> cmd.CommandResult:
    return cmd.CommandResult(
        id=str(dispute_id_for(case)), case_number=case, status=status, version=version, position=position
    )


def test_register_answers_case_number_id_status_version_and_position(app):
    r = register(app)

    # A registration records DisputeRegistered and the year's CaseNumberIssued: position 2.
    assert r == result("ACCEPTED", 1, 2)
    assert UUID(r.id) == dispute_id_for(CASE_1)
    assert app.recorder.max_notification_id() == 2
    dispute = app.get_dispute(CASE_1, CLERK_TAX)
    assert dispute.status == Status.ACCEPTED
    assert dispute.level is None
    assert dispute.accepting_unit == "tax"
    assert dispute.handling_unit is None
    assert dispute.received_at == utc("2026-11-25T02:00:00")
    assert dispute.acceptance.accepted_on == date(2026, 11, 25)
    transfer_clock = dispute.clocks[DeadlineKind.TRANSFER]
    assert transfer_clock.deadline.due_at == utc("2026-11-26T16:00:00")
    assert transfer_clock.met_at is None


def test_simple_path_resolve_on_spot_then_archive(app, clock):
    clock.set(utc("2026-11-25T03:00:00"))  # the day of receipt (received 2026-11-25T02:00:00Z)
    r1 = register(app)
    # ref as the UUID
    r2 = app.resolve_on_spot(
        r1.id, command(cmd.ResolveOnSpot, result="已当场解释滞纳金计算方法", feedback_method="in_person"), CLERK_TAX
    )
    r3 = app.confirm_no_objection(r1.id, command(cmd.NoObjection, party="payer", note="当场表示无异议"), CLERK_TAX)
    # ref as the case number, in lower case
    r4 = app.archive(CASE_1.lower(), command(cmd.Archive), CLERK_TAX)

    assert [r1, r2, r3, r4] == [
        result("ACCEPTED", 1, 2),
        result("FEEDBACK_GIVEN", 2, 3),
        result("FEEDBACK_GIVEN", 3, 4),
        result("ARCHIVED", 4, 5),
    ]
    dispute = app.get_dispute(ID_1, AUDITOR)
    assert dispute.status == Status.ARCHIVED
    assert dispute.level == Level.SIMPLE
    assert dispute.clocks[DeadlineKind.TRANSFER].met_at == utc("2026-11-25T03:00:00")
    assert event_types(app, CASE_1) == ["DisputeRegistered", "ResolvedOnSpot", "NoObjectionConfirmed", "DisputeArchived"]


def test_resolve_on_spot_after_the_day_of_receipt_is_refused_and_records_nothing(app, clock):
    clock.set(utc("2026-11-25T03:00:00"))
    register(app)
    clock.set(utc("2026-11-25T16:00:00"))  # 24:00 of the day of receipt in Gaoping: the next day

    with pytest.raises(CommandRejected) as rejected:
        app.resolve_on_spot(CASE_1, command(cmd.ResolveOnSpot, result="x", feedback_method="sms"), CLERK_TAX)

    assert rejected.value.status == Status.ACCEPTED
    assert "day of receipt (2026-11-25)" in rejected.value.message
    assert "transfer it or conclude it as a general case" in rejected.value.message
    assert event_types(app, CASE_1) == ["DisputeRegistered"]


def test_general_path_transfer_conclude_feedback_archive(app, clock):
    clock.set(utc("2026-11-23T03:00:00"))  # Monday
    r1 = register(app, received_at="2026-11-23T02:00:00Z", category="benefit")
    clock.set(utc("2026-11-23T05:00:00"))
    r2 = app.transfer(CASE_1, command(cmd.Transfer, to_unit="hrss", note="待遇核定"), CLERK_TAX)
    clock.set(utc("2026-11-24T01:00:00"))
    r3 = app.sign_for(CASE_1, command(cmd.SignFor), HANDLER_HRSS)
    r4 = app.record_progress(r1.id, command(cmd.RecordProgress, note="已调取缴费记录"), HANDLER_HRSS)
    clock.set(utc("2026-11-26T02:00:00"))
    r5 = app.conclude(
        CASE_1, command(cmd.Conclude, outcome="corrected", result="已更正待遇核定"), HANDLER_HRSS
    )
    r6 = app.give_feedback(
        CASE_1, command(cmd.GiveFeedback, party="payer", method="phone", content="已电话告知结果"), CLERK_TAX
    )
    # No 无异议确认: the archive waits for the quiet period, 5 working days after Thu 26 Nov 2026
    # (Thu 3 Dec), judged at the archive's act time.
    clock.set(utc("2026-12-04T01:00:00"))
    with pytest.raises(CommandRejected, match="2026-12-03"):
        app.archive(r1.id, command(cmd.Archive, at="2026-12-03T15:59:59Z"), CLERK_TAX)
    r7 = app.archive(r1.id, command(cmd.Archive, at="2026-12-03T16:00:00Z"), CLERK_TAX)

    results = [r1, r2, r3, r4, r5, r6, r7]
    assert [(r.status, r.version) for r in results] == [
        ("ACCEPTED", 1),
        ("TRANSFERRED", 2),
        ("TRANSFERRED", 3),
        ("TRANSFERRED", 4),
        ("CONCLUDED", 5),
        ("FEEDBACK_GIVEN", 6),
        ("ARCHIVED", 7),
    ]
    assert [r.position for r in results] == [2, 3, 4, 5, 6, 7, 8]
    archived = app.dispute_events(CASE_1, AUDITOR)[-1]
    assert [(b.party, b.basis, b.quiet_until) for b in archived.basis] == [
        ("payer", "quiet_period", utc("2026-12-03T16:00:00"))
    ]
    assert {r.id for r in results} == {ID_1}
    assert {r.case_number for r in results} == {CASE_1}

    dispute = app.get_dispute(CASE_1, AUDITOR)
    assert dispute.level == Level.GENERAL
    assert dispute.handling_unit == "hrss"
    assert dispute.units_involved == ["tax", "hrss"]
    assert dispute.clocks[DeadlineKind.TRANSFER].met_at == utc("2026-11-23T05:00:00")
    handling = dispute.clocks[DeadlineKind.HANDLING]
    # transfer on Mon 23 Nov → 5th working day after it is Mon 30 Nov, ends 16:00Z
    assert handling.deadline.due_at == utc("2026-11-30T16:00:00")
    assert handling.met_at == utc("2026-11-26T02:00:00")
    assert event_types(app, CASE_1) == [
        "DisputeRegistered",
        "DisputeTransferred",
        "TransferSignedFor",
        "ProgressRecorded",
        "HandlingConcluded",
        "FeedbackGiven",
        "DisputeArchived",
    ]
    transferred = app.dispute_events(CASE_1, AUDITOR)[1]
    assert transferred.to_unit == "hrss"
    assert transferred.suggested_unit == "hrss"
    assert transferred.routing_override is False
    assert transferred.actor == CLERK_TAX


def test_returned_case_is_transferred_again_meeting_the_transfer_clock_of_the_return(app, clock):
    clock.set(utc("2026-11-23T03:00:00"))  # Monday
    register(app, received_at="2026-11-23T02:00:00Z", category="contribution_amount")
    clock.set(utc("2026-11-23T04:00:00"))
    r2 = app.transfer(CASE_1, command(cmd.Transfer, to_unit="hrss"), CLERK_TAX)
    clock.set(utc("2026-11-24T02:00:00"))
    r3 = app.return_case(CASE_1, command(cmd.Return, reason="缴费金额属税务部门职责"), HANDLER_HRSS)

    assert (r2.status, r2.version, r2.position) == ("TRANSFERRED", 2, 3)
    assert (r3.status, r3.version, r3.position) == ("ACCEPTED", 3, 4)
    returned = app.get_dispute(CASE_1, AUDITOR)
    assert returned.handling_unit is None
    assert DeadlineKind.HANDLING not in returned.clocks
    assert returned.level == Level.GENERAL

    # Once transferred, a case can no longer be "settled on the spot".
    with pytest.raises(CommandRejected) as rejected:
        app.resolve_on_spot(CASE_1, command(cmd.ResolveOnSpot, result="x", feedback_method="sms"), CLERK_TAX)
    assert rejected.value.status == Status.ACCEPTED
    assert app.recorder.max_notification_id() == 4

    clock.set(utc("2026-11-25T02:00:00"))  # Wednesday
    r4 = app.transfer(CASE_1, command(cmd.Transfer, to_unit="tax", note="改由税务办理"), CLERK_TAX)
    r5 = app.conclude(CASE_1, command(cmd.Conclude, outcome="explained", result="已解释"), HANDLER_TAX)

    assert (r4.status, r4.version, r4.position) == ("TRANSFERRED", 4, 5)
    assert (r5.status, r5.version, r5.position) == ("CONCLUDED", 5, 6)
    dispute = app.get_dispute(CASE_1, AUDITOR)
    assert dispute.handling_unit == "tax"
    assert dispute.units_involved == ["tax", "hrss"]
    # The return opened a 1-day transfer clock (Tue 24 Nov: due at the end of Wed 25 Nov), met by
    # the second transfer ...
    assert dispute.clocks[DeadlineKind.TRANSFER].deadline.start == date(2026, 11, 24)
    assert dispute.clocks[DeadlineKind.TRANSFER].deadline.due_at == utc("2026-11-25T16:00:00")
    assert dispute.clocks[DeadlineKind.TRANSFER].met_at == utc("2026-11-25T02:00:00")
    # ... and the handling clock restarts from the second: Wed 25 Nov + 5 working days = Wed 2 Dec.
    assert dispute.clocks[DeadlineKind.HANDLING].deadline.start == date(2026, 11, 25)
    assert dispute.clocks[DeadlineKind.HANDLING].deadline.due_at == utc("2026-12-02T16:00:00")
    assert event_types(app, CASE_1) == [
        "DisputeRegistered",
        "DisputeTransferred",
        "DisputeReturned",
        "DisputeTransferred",
        "HandlingConcluded",
    ]


def test_special_path_escalate_deliberate_conclude_by_executing_unit_feedback(app, clock):
    clock.set(utc("2026-11-23T03:00:00"))
    register(app, received_at="2026-11-23T02:00:00Z", category="refund_offset")
    r2 = app.transfer(CASE_1, command(cmd.Transfer, to_unit="tax"), CLERK_TAX)
    clock.set(utc("2026-11-24T03:00:00"))
    r3 = app.escalate(CASE_1, command(cmd.Escalate, reason="涉及财政退费，需多部门研判"), HANDLER_TAX)
    clock.set(utc("2026-11-27T09:00:00"))
    r4 = app.hold_deliberation(
        ID_1,
        msgspec.convert(
            {
                "held_at": "2026-11-27T14:00:00+08:00",
                "attendees": [
                    {"unit": "tax", "name": "李四"},
                    {"unit": "hrss", "name": "王五"},
                    {"unit": "finance", "name": "赵六"},
                ],
                "minutes": "会议纪要：由财政局协助退费",
                "written_opinion": "由市财政局牵头办理退费",
                "executing_unit": "finance",
            },
            cmd.HoldDeliberation,
        ),
        TASKFORCE,
    )
    clock.set(utc("2026-11-30T02:00:00"))
    r5 = app.conclude(CASE_1, command(cmd.Conclude, outcome="refunded", result="已退费"), HANDLER_FINANCE)
    r6 = app.give_feedback(
        CASE_1, command(cmd.GiveFeedback, party="payer", method="letter", content="书面告知"), CLERK_TAX
    )

    results = [r2, r3, r4, r5, r6]
    assert [(r.status, r.version, r.position) for r in results] == [
        ("TRANSFERRED", 2, 3),
        ("ESCALATED", 3, 4),
        ("DELIBERATED", 4, 5),
        ("CONCLUDED", 5, 6),
        ("FEEDBACK_GIVEN", 6, 7),
    ]
    dispute = app.get_dispute(CASE_1, AUDITOR)
    assert dispute.level == Level.SPECIAL
    assert dispute.handling_unit == "finance"
    assert dispute.units_involved == ["tax", "finance"]
    deliberation = dispute.clocks[DeadlineKind.DELIBERATION]
    # 10 working days from acceptance on Mon 23 Nov 2026 → Mon 7 Dec 2026.
    assert deliberation.deadline.due_on == date(2026, 12, 7)
    assert deliberation.deadline.provisional is False
    assert deliberation.met_at == utc("2026-11-27T06:00:00")
    held = app.dispute_events(CASE_1, AUDITOR)[3]
    assert type(held).__name__ == "DeliberationHeld"
    assert held.held_at == utc("2026-11-27T06:00:00")
    assert held.executing_unit == "finance"
    assert [a.unit for a in held.attendees] == ["tax", "hrss", "finance"]


def _concluded_case(app, clock) -> None:
    clock.set(utc("2026-11-23T03:00:00"))
    register(app, received_at="2026-11-23T02:00:00Z", other_party={"name": "某公司", "kind": "employer"})
    app.transfer(CASE_1, command(cmd.Transfer, to_unit="tax"), CLERK_TAX)
    app.conclude(CASE_1, command(cmd.Conclude, outcome="not_supported", result="依法不予支持"), HANDLER_TAX)
    app.give_feedback(CASE_1, command(cmd.GiveFeedback, party="payer", method="phone", content="告知"), CLERK_TAX)


def test_objection_remedy_guidance_by_legal_then_archive(app, clock):
    _concluded_case(app, clock)
    clock.set(utc("2026-11-24T02:00:00"))
    r5 = app.raise_objection(CASE_1, command(cmd.RaiseObjection, party="payer", content="不服"), CLERK_TAX)
    assert (r5.status, r5.version, r5.position) == ("CONCLUDED", 5, 6)  # the other party is not told yet
    r = app.give_feedback(
        CASE_1, command(cmd.GiveFeedback, party="other_party", method="letter", content="告知单位"), CLERK_TAX
    )
    r = app.confirm_no_objection(CASE_1, command(cmd.NoObjection, party="other_party"), CLERK_TAX)
    assert (r.status, r.version, r.position) == ("OBJECTED", 7, 8)

    # An objected case is archived only after remedy guidance.
    with pytest.raises(CommandRejected) as rejected:
        app.archive(CASE_1, command(cmd.Archive), CLERK_TAX)
    assert rejected.value.status == Status.OBJECTED
    assert app.recorder.max_notification_id() == 8

    clock.set(utc("2026-11-25T02:00:00"))
    r6 = app.give_remedy_guidance(
        CASE_1,
        command(cmd.GiveRemedyGuidance, remedy="reconsideration", content="可申请行政复议", act_known_on="2026-11-24"),
        LEGAL,
    )
    r7 = app.archive(CASE_1, command(cmd.Archive), CLERK_TAX)

    assert (r6.status, r6.version, r6.position) == ("OBJECTED", 8, 9)
    assert (r7.status, r7.version, r7.position) == ("ARCHIVED", 9, 10)
    guidance = app.dispute_events(CASE_1, LEGAL)[7]
    assert type(guidance).__name__ == "RemedyGuidanceGiven"
    assert guidance.acting_unit == "tax"
    assert guidance.competent_body == "国家税务总局晋城市税务局（上一级税务机关）"
    # 60 calendar days after Tue 24 Nov 2026 = Sat 23 Jan 2027.
    assert guidance.reconsideration_window.nominal_end == date(2027, 1, 23)
    # 6 months: 24 May 2027.
    assert guidance.litigation_window.nominal_end == date(2027, 5, 24)
    assert guidance.actor == LEGAL


def test_feedback_to_the_payer_alone_leaves_a_case_with_an_other_party_concluded(app, clock):
    _concluded_case(app, clock)
    assert app.get_dispute(CASE_1, AUDITOR).status == Status.CONCLUDED
    r = app.give_feedback(
        CASE_1, command(cmd.GiveFeedback, party="other_party", method="letter", content="告知单位"), CLERK_TAX
    )
    assert (r.status, r.version, r.position) == ("FEEDBACK_GIVEN", 5, 6)


def test_the_quiet_period_is_read_from_the_settings(settings, clock):
    from infrastructure.settings import load_settings
    from infrastructure.store import open_application

    env = {"FENGQIAO_VAR_DIR": str(settings.var_dir), "FENGQIAO_OBJECTION_QUIET_DAYS": "1"}
    assert load_settings(env).objection_quiet_days == 1
    assert load_settings({"FENGQIAO_VAR_DIR": str(settings.var_dir)}).objection_quiet_days == 5
    app = open_application(dataclasses.replace(settings, objection_quiet_days=1), clock=clock)
    clock.set(utc("2026-11-23T03:00:00"))
    register(app, received_at="2026-11-23T02:00:00Z")
    app.resolve_on_spot(CASE_1, command(cmd.ResolveOnSpot, result="当场解释", feedback_method="in_person"), CLERK_TAX)
    clock.set(utc("2026-11-24T16:00:00"))  # the end of Tue 24 Nov, one working day after the feedback
    try:
        r = app.archive(CASE_1, command(cmd.Archive), CLERK_TAX)
        assert r.status == "ARCHIVED"
    finally:
        app.close()


def test_command_in_wrong_state_is_rejected_naming_the_status_and_records_nothing(app):
    register(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(CommandRejected) as rejected:
        app.archive(CASE_1, command(cmd.Archive), CLERK_TAX)
    assert rejected.value.status == Status.ACCEPTED
    assert "ACCEPTED" in str(rejected.value)
    assert app.recorder.max_notification_id() == before


def test_unknown_case_is_not_found(app):
    register(app)
    for ref in ("GP-2026-000002", "not-a-case", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(DisputeNotFound):
            app.transfer(ref, command(cmd.Transfer, to_unit="hrss"), CLERK_TAX)
        with pytest.raises(DisputeNotFound):
            app.get_dispute(ref, AUDITOR)


# --- validation: InvalidCommand naming the field, and nothing recorded --------------------------


def _bad_check_digit(id_number: str) -> str:
    last = id_number[-1]
    return id_number[:-1] + ("0" if last != "0" else "1")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"payer": {"kind": "individual", "name": "张三", "id_number": _bad_check_digit(ID_NUMBER), "phone": "13812345678"}}, "payer.id_number"),
        ({"payer": {"kind": "individual", "name": "张三", "id_number": ID_NUMBER, "phone": "12345"}}, "payer.phone"),
        ({"payer": {"kind": "employer", "name": "某公司", "id_number": ID_NUMBER, "phone": "13812345678"}}, "payer.id_number"),
        ({"township": "火星镇"}, "township"),
        ({"received_at": "2026-11-25T10:00:00"}, "received_at"),
        ({"received_at": "2026-11-27T02:00:00Z"}, "received_at"),
        ({"at": "2026-11-26T03:00:00Z"}, "at"),
        ({"at": "2026-11-25T01:00:00Z"}, "at"),
        ({"at": "2026-11-26T09:00:00"}, "at"),
    ],
    ids=[
        "bad-id-check-digit",
        "bad-phone",
        "employer-with-resident-id",
        "unknown-township",
        "naive-received-at",
        "future-received-at",
        "future-at",
        "at-before-received-at",
        "naive-at",
    ],
)
def test_invalid_registration_names_the_field_and_records_nothing(app, overrides, field):
    register(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidCommand) as invalid:
        register(app, **overrides)
    assert invalid.value.field == field
    assert str(invalid.value).startswith(f"{field}: ")
    assert app.recorder.max_notification_id() == before == 2
    with pytest.raises(DisputeNotFound):
        app.get_dispute("GP-2026-000002", AUDITOR)


def test_invalid_id_number_message_does_not_echo_the_number(app):
    bad = _bad_check_digit(ID_NUMBER)
    with pytest.raises(InvalidCommand) as invalid:
        register(app, payer={"kind": "individual", "name": "张三", "id_number": bad, "phone": "13812345678"})
    assert invalid.value.field == "payer.id_number"
    assert bad not in str(invalid.value)
    assert app.recorder.max_notification_id() is None  # empty store


def test_unknown_accepting_unit_names_the_field(app):
    from domain.values import Actor, Role

    actor = Actor("clerk-x", Role.CLERK, "atlantis")
    with pytest.raises(InvalidCommand) as invalid:
        register(app, actor, accepting_unit="atlantis")
    assert invalid.value.field == "accepting_unit"
    assert app.recorder.max_notification_id() is None  # empty store


def test_unknown_transfer_unit_names_the_field(app):
    register(app)
    with pytest.raises(InvalidCommand) as invalid:
        app.transfer(CASE_1, command(cmd.Transfer, to_unit="atlantis"), CLERK_TAX)
    assert invalid.value.field == "to_unit"
    assert app.recorder.max_notification_id() == 2


def test_unknown_units_in_a_deliberation_name_the_field(app):
    register(app)
    app.transfer(CASE_1, command(cmd.Transfer, to_unit="tax"), CLERK_TAX)
    app.escalate(CASE_1, command(cmd.Escalate, reason="多部门"), HANDLER_TAX)
    before = app.recorder.max_notification_id()
    body = {
        "held_at": "2026-11-26T02:00:00Z",
        "attendees": [{"unit": "tax", "name": "李四"}, {"unit": "hrss", "name": "王五"}],
        "minutes": "纪要",
        "written_opinion": "意见",
        "executing_unit": "atlantis",
    }
    with pytest.raises(InvalidCommand) as invalid:
        app.hold_deliberation(CASE_1, msgspec.convert(body, cmd.HoldDeliberation), TASKFORCE)
    assert invalid.value.field == "executing_unit"
    body.update(executing_unit="tax", attendees=[{"unit": "tax", "name": "李四"}, {"unit": "mars", "name": "X"}])
    with pytest.raises(InvalidCommand) as invalid:
        app.hold_deliberation(CASE_1, msgspec.convert(body, cmd.HoldDeliberation), TASKFORCE)
    assert invalid.value.field == "attendees[1].unit"
    # 集体商议: two people of one unit are not a collective deliberation.
    body.update(attendees=[{"unit": "tax", "name": "李四"}, {"unit": "tax", "name": "王五"}])
    with pytest.raises(InvalidCommand) as invalid:
        app.hold_deliberation(CASE_1, msgspec.convert(body, cmd.HoldDeliberation), TASKFORCE)
    assert invalid.value.field == "attendees"
    assert "at least 2 distinct member units" in invalid.value.message
    assert app.recorder.max_notification_id() == before


@pytest.mark.parametrize(
    ("at", "field"),
    [
        ("2026-11-26T02:00:06Z", "at"),  # beyond the 5 s clock skew
        ("2026-11-26T01:59:59Z", "at"),  # before the registration (recorded at 02:00)
        ("2026-11-26T10:00:00", "at"),  # no offset
    ],
    ids=["future", "before-previous-event", "naive"],
)
def test_invalid_at_on_a_lifecycle_command_records_nothing(app, at, field):
    register(app)
    with pytest.raises(InvalidCommand) as invalid:
        app.transfer(CASE_1, command(cmd.Transfer, to_unit="hrss", at=at), CLERK_TAX)
    assert invalid.value.field == field
    assert app.recorder.max_notification_id() == 2
    assert app.get_dispute(CASE_1, AUDITOR).version == 1


def test_backdated_at_is_kept_beside_the_recording_time(app, clock):
    register(app, at="2026-11-25T03:00:00+08:00", received_at="2026-11-25T02:00:00+08:00")
    r = app.transfer(CASE_1, command(cmd.Transfer, to_unit="hrss", at="2026-11-25T09:00:00+08:00"), CLERK_TAX)
    assert (r.status, r.version) == ("TRANSFERRED", 2)
    registered, transferred = app.dispute_events(CASE_1, AUDITOR)
    assert registered.at == utc("2026-11-24T19:00:00")
    assert transferred.at == utc("2026-11-25T01:00:00")
    assert transferred.timestamp == utc("2026-11-26T02:00:00")
    # received Wed 25 Nov 02:00 Shanghai → transfer due end of Thu 26 Nov; met at 25 Nov 09:00+08.
    dispute = app.get_dispute(CASE_1, AUDITOR)
    assert dispute.received_at == utc("2026-11-24T18:00:00")
    assert dispute.acceptance.accepted_on == date(2026, 11, 25)
    assert dispute.clocks[DeadlineKind.TRANSFER].deadline.due_at == utc("2026-11-26T16:00:00")
    assert dispute.clocks[DeadlineKind.TRANSFER].met_at == utc("2026-11-25T01:00:00")


def test_malformed_payload_is_refused_by_msgspec_with_the_path():
    with pytest.raises(msgspec.ValidationError) as invalid:
        msgspec.convert(register_body(channel="fax"), cmd.RegisterDispute)
    assert "$.channel" in str(invalid.value)
    with pytest.raises(msgspec.ValidationError) as invalid:
        msgspec.convert(register_body(payer={"kind": "robot", "name": "x", "id_number": "1", "phone": "1"}), cmd.RegisterDispute)
    assert "$.payer.kind" in str(invalid.value)
    with pytest.raises(msgspec.ValidationError) as invalid:
        msgspec.convert(register_body(unexpected=1), cmd.RegisterDispute)
    assert "unexpected" in str(invalid.value)


@pytest.mark.parametrize(
    ("held_at", "expected"),
    [
        ("2026-11-25", utc("2026-11-25T04:00:00")),  # a date only: noon in Gaoping
        ("2026-11-26T09:30:00+08:00", utc("2026-11-26T01:30:00")),
    ],
)
def test_deliberation_held_at_is_a_date_or_an_instant(app, held_at, expected):
    register(app, received_at="2026-11-24T01:00:00Z", at="2026-11-24T02:00:00Z")
    app.transfer(CASE_1, command(cmd.Transfer, to_unit="tax", at="2026-11-24T03:00:00Z"), CLERK_TAX)
    app.escalate(CASE_1, command(cmd.Escalate, reason="多部门", at="2026-11-24T03:30:00Z"), HANDLER_TAX)
    body = {
        "held_at": held_at,
        "attendees": [{"unit": "tax", "name": "李四"}, {"unit": "hrss", "name": "王五"}],
        "minutes": "纪要",
        "written_opinion": "意见",
        "executing_unit": "tax",
    }
    r = app.hold_deliberation(CASE_1, msgspec.convert(body, cmd.HoldDeliberation), TASKFORCE)
    assert (r.status, r.version, r.position) == ("DELIBERATED", 4, 5)
    assert app.dispute_events(CASE_1, AUDITOR)[-1].held_at == expected


@pytest.mark.parametrize("held_at", ["2026-11-26T09:30:00", "next tuesday", "2026-11-26T02:01:00Z"])
def test_bad_deliberation_held_at_names_the_field(app, held_at):
    register(app, at="2026-11-25T03:00:00Z")
    app.transfer(CASE_1, command(cmd.Transfer, to_unit="tax"), CLERK_TAX)
    app.escalate(CASE_1, command(cmd.Escalate, reason="多部门"), HANDLER_TAX)
    body = {
        "held_at": held_at,
        "attendees": [{"unit": "tax", "name": "李四"}, {"unit": "hrss", "name": "王五"}],
        "minutes": "纪要",
        "written_opinion": "意见",
        "executing_unit": "tax",
    }
    with pytest.raises(InvalidCommand) as invalid:
        app.hold_deliberation(CASE_1, msgspec.convert(body, cmd.HoldDeliberation), TASKFORCE)
    assert invalid.value.field == "held_at"
    assert app.recorder.max_notification_id() == 4
