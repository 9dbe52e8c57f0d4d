"""The role table of the public contract, enforced by the use cases. Every refusal records nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from application import commands as cmd
from application.errors import CommandRejected, DisputeNotFound, Forbidden
from domain.values import Actor, Role, Status
from tests.application._support import (
    AUDITOR,
    CLERK_HRSS,
    CLERK_TAX,
    HANDLER_FINANCE,
    HANDLER_HRSS,
    HANDLER_TAX,
    INTEGRATOR_12366,
    INTEGRATOR_OTHER,
    LEGAL,
    TASKFORCE,
    command,
    register,
    transfer,
)

CASE_1 = "GP-2026-000001"
CLERK_FINANCE = Actor("clerk-finance-1", Role.CLERK, "finance")


def _deliberation() -> cmd.HoldDeliberation:
    return msgspec.convert(
        {
            "held_at": "2026-11-26T02:00:00Z",
            "attendees": [{"unit": "tax", "name": "李四"}, {"unit": "hrss", "name": "王五"}],
            "minutes": "纪要",
            "written_opinion": "意见",
            "executing_unit": "hrss",
        },
        cmd.HoldDeliberation,
    )


# Every command of the contract, as (name, call(app, ref, actor)).
COMMANDS: dict[str, Callable[[Any, str, Actor], Any]] = {
    "resolve_on_spot": lambda app, ref, a: app.resolve_on_spot(
        ref, command(cmd.ResolveOnSpot, result="当场解释", feedback_method="in_person"), a),
    "transfer": lambda app, ref, a: app.transfer(ref, command(cmd.Transfer, to_unit="hrss"), a),
    "sign_for": lambda app, ref, a: app.sign_for(ref, command(cmd.SignFor), a),
    "return": lambda app, ref, a: app.return_case(ref, command(cmd.Return, reason="非本单位职责"), a),
    "progress": lambda app, ref, a: app.record_progress(ref, command(cmd.RecordProgress, note="进展"), a),
    "conclude": lambda app, ref, a: app.conclude(ref, command(cmd.Conclude, outcome="explained", result="已解释"), a),
    "escalate": lambda app, ref, a: app.escalate(ref, command(cmd.Escalate, reason="需研判"), a),
    "deliberation": lambda app, ref, a: app.hold_deliberation(ref, _deliberation(), a),
    "feedback": lambda app, ref, a: app.give_feedback(
        ref, command(cmd.GiveFeedback, party="payer", method="phone", content="告知"), a),
    "objection": lambda app, ref, a: app.raise_objection(ref, command(cmd.RaiseObjection, party="payer", content="不服"), a),
    "remedy_guidance": lambda app, ref, a: app.give_remedy_guidance(
        ref, command(cmd.GiveRemedyGuidance, remedy="litigation", content="可起诉", act_known_on="2026-11-25"), a),
    "archive": lambda app, ref, a: app.archive(ref, command(cmd.Archive), a),
}
CLERK_ONLY = ["resolve_on_spot", "transfer", "feedback", "objection", "archive"]
HANDLER_ONLY = ["sign_for", "return", "progress", "conclude", "escalate"]


def _refused(app, error: type[Exception], call: Callable[[], Any]) -> Exception:
    before = app.recorder.max_notification_id()
    with pytest.raises(error) as refused:
        call()
    assert app.recorder.max_notification_id() == before
    return refused.value


@pytest.fixture
def transferred_to_hrss(app):
    """GP-2026-000001: accepted by tax, handled by hrss."""
    register(app)
    transfer(app, CASE_1, "hrss")
    return app


# --- registration -------------------------------------------------------------------------------


def test_clerk_registers_for_its_own_unit_only(app):
    assert register(app, CLERK_HRSS, accepting_unit="hrss").case_number == CASE_1
    error = _refused(app, Forbidden, lambda: register(app, CLERK_TAX, accepting_unit="hrss"))
    assert "own unit" in str(error)
    assert app.recorder.max_notification_id() == 2


@pytest.mark.parametrize("actor", [HANDLER_TAX, TASKFORCE, LEGAL, AUDITOR], ids=lambda a: a.role)
def test_only_clerks_and_integrators_register(app, actor):
    _refused(app, Forbidden, lambda: register(app, actor, accepting_unit=actor.unit or "tax"))


def test_integrator_registers_for_its_own_unit_and_reads_only_what_it_registered(app):
    r = register(app, INTEGRATOR_12366, accepting_unit="tax", channel="hotline_12366", external_ref="WO-2026-1")
    assert (r.case_number, r.status) == (CASE_1, "ACCEPTED")
    _refused(app, Forbidden, lambda: register(app, INTEGRATOR_12366, accepting_unit="hrss"))
    register(app, CLERK_TAX)  # GP-2026-000002, registered by a clerk of the same unit

    assert app.get_dispute(CASE_1, INTEGRATOR_12366).registered_by == INTEGRATOR_12366
    assert len(app.dispute_events(CASE_1, INTEGRATOR_12366)) == 1
    # Another integrator (even of the same unit) cannot see it: not found, as if it did not exist.
    with pytest.raises(DisputeNotFound):
        app.get_dispute(CASE_1, INTEGRATOR_OTHER)
    with pytest.raises(DisputeNotFound):
        app.dispute_events(CASE_1, INTEGRATOR_OTHER)
    # Nor can the integrator see a case a clerk of its unit registered.
    with pytest.raises(DisputeNotFound):
        app.get_dispute("GP-2026-000002", INTEGRATOR_12366)
    # The case's own clerks can.
    assert app.get_dispute(CASE_1, CLERK_TAX).case_number == CASE_1


def test_integrator_writes_no_lifecycle_command(app):
    register(app, INTEGRATOR_12366, accepting_unit="tax")
    for name in sorted(COMMANDS):
        _refused(app, Forbidden, lambda name=name: COMMANDS[name](app, CASE_1, INTEGRATOR_12366))
    assert app.get_dispute(CASE_1, INTEGRATOR_12366).version == 1


# --- clerk --------------------------------------------------------------------------------------


def test_clerk_of_the_accepting_unit_acts(app):
    register(app)
    r = COMMANDS["transfer"](app, CASE_1, CLERK_TAX)
    assert (r.status, r.version) == ("TRANSFERRED", 2)


def test_clerk_of_another_unit_does_not_find_the_case(app):
    register(app)
    for name in CLERK_ONLY:
        _refused(app, DisputeNotFound, lambda name=name: COMMANDS[name](app, CASE_1, CLERK_HRSS))
    with pytest.raises(DisputeNotFound):
        app.get_dispute(CASE_1, CLERK_HRSS)
    assert app.get_dispute(CASE_1, AUDITOR).version == 1


def test_clerk_of_the_handling_unit_may_read_but_not_act_as_the_accepting_unit(transferred_to_hrss):
    app = transferred_to_hrss
    assert app.get_dispute(CASE_1, CLERK_HRSS).handling_unit == "hrss"
    for name in CLERK_ONLY:
        error = _refused(app, Forbidden, lambda name=name: COMMANDS[name](app, CASE_1, CLERK_HRSS))
        assert "accepting unit (tax)" in str(error)


def test_clerk_issues_no_handler_taskforce_or_legal_command(transferred_to_hrss):
    app = transferred_to_hrss
    for name in [n for n in HANDLER_ONLY if n != "escalate"] + ["deliberation", "remedy_guidance"]:
        _refused(app, Forbidden, lambda name=name: COMMANDS[name](app, CASE_1, CLERK_TAX))
    # A clerk escalates a special matter only while the case is ACCEPTED, before any transfer (409).
    error = _refused(app, CommandRejected, lambda: COMMANDS["escalate"](app, CASE_1, CLERK_TAX))
    assert "after a transfer the handling unit escalates it" in str(error)


# --- handler ------------------------------------------------------------------------------------


def test_handler_of_the_handling_unit_acts(transferred_to_hrss):
    app = transferred_to_hrss
    r = COMMANDS["progress"](app, CASE_1, HANDLER_HRSS)
    assert (r.status, r.version) == ("TRANSFERRED", 3)


def test_handler_of_the_accepting_unit_is_forbidden_when_another_unit_handles(transferred_to_hrss):
    app = transferred_to_hrss
    for name in HANDLER_ONLY:
        error = _refused(app, Forbidden, lambda name=name: COMMANDS[name](app, CASE_1, HANDLER_TAX))
        assert "handling unit" in str(error)


def test_handler_of_an_uninvolved_unit_does_not_find_the_case(transferred_to_hrss):
    app = transferred_to_hrss
    for name in HANDLER_ONLY:
        _refused(app, DisputeNotFound, lambda name=name: COMMANDS[name](app, CASE_1, HANDLER_FINANCE))


def test_handler_issues_no_clerk_taskforce_or_legal_command(transferred_to_hrss):
    app = transferred_to_hrss
    for name in CLERK_ONLY + ["deliberation", "remedy_guidance"]:
        _refused(app, Forbidden, lambda name=name: COMMANDS[name](app, CASE_1, HANDLER_HRSS))


def test_after_a_return_the_former_handler_no_longer_acts(transferred_to_hrss):
    app = transferred_to_hrss
    COMMANDS["return"](app, CASE_1, HANDLER_HRSS)
    # The case is back with its accepting unit and handled by nobody: its status answers (409).
    _refused(app, CommandRejected, lambda: COMMANDS["progress"](app, CASE_1, HANDLER_HRSS))
    # It can still read the case it once handled.
    assert app.get_dispute(CASE_1, HANDLER_HRSS).status == Status.ACCEPTED


def test_after_a_deliberation_the_executing_units_handler_acts_and_the_former_one_does_not(transferred_to_hrss):
    app = transferred_to_hrss
    # escalate from hrss, deliberation names finance
    app.escalate(CASE_1, command(cmd.Escalate, reason="需研判"), HANDLER_HRSS)
    body = msgspec.to_builtins(_deliberation())
    body["executing_unit"] = "finance"
    app.hold_deliberation(CASE_1, msgspec.convert(body, cmd.HoldDeliberation), TASKFORCE)

    _refused(app, Forbidden, lambda: COMMANDS["conclude"](app, CASE_1, HANDLER_HRSS))
    r = COMMANDS["conclude"](app, CASE_1, HANDLER_FINANCE)
    assert (r.status, r.version) == ("CONCLUDED", 5)
    assert app.get_dispute(CASE_1, CLERK_FINANCE).handling_unit == "finance"


# --- task force, legal, auditor -----------------------------------------------------------------


def test_taskforce_records_the_deliberation(transferred_to_hrss):
    app = transferred_to_hrss
    app.escalate(CASE_1, command(cmd.Escalate, reason="需研判"), HANDLER_HRSS)
    for actor in (CLERK_TAX, HANDLER_HRSS, LEGAL, AUDITOR):
        _refused(app, Forbidden, lambda actor=actor: COMMANDS["deliberation"](app, CASE_1, actor))
    r = COMMANDS["deliberation"](app, CASE_1, TASKFORCE)
    assert (r.status, r.version) == ("DELIBERATED", 4)


def test_taskforce_issues_no_other_command(transferred_to_hrss):
    app = transferred_to_hrss
    for name in [n for n in CLERK_ONLY if n != "transfer"] + HANDLER_ONLY + ["remedy_guidance"]:
        _refused(app, Forbidden, lambda name=name: COMMANDS[name](app, CASE_1, TASKFORCE))
    # The task force transfers only as a designation, after a case's second return (409 before).
    COMMANDS["return"](app, CASE_1, HANDLER_HRSS)
    error = _refused(app, CommandRejected, lambda: COMMANDS["transfer"](app, CASE_1, TASKFORCE))
    assert "second return" in str(error)


def test_legal_records_remedy_guidance(transferred_to_hrss):
    app = transferred_to_hrss
    COMMANDS["conclude"](app, CASE_1, HANDLER_HRSS)
    COMMANDS["feedback"](app, CASE_1, CLERK_TAX)
    COMMANDS["objection"](app, CASE_1, CLERK_TAX)
    for actor in (CLERK_TAX, HANDLER_HRSS, TASKFORCE, AUDITOR):
        _refused(app, Forbidden, lambda actor=actor: COMMANDS["remedy_guidance"](app, CASE_1, actor))
    r = COMMANDS["remedy_guidance"](app, CASE_1, LEGAL)
    assert (r.status, r.version) == ("OBJECTED", 6)
    assert app.get_dispute(CASE_1, LEGAL).remedy_guided is True


def test_auditor_writes_nothing(transferred_to_hrss):
    app = transferred_to_hrss
    for name in sorted(COMMANDS):
        _refused(app, Forbidden, lambda name=name: COMMANDS[name](app, CASE_1, AUDITOR))
    _refused(app, Forbidden, lambda: register(app, AUDITOR, accepting_unit="tax"))
    _refused(app, Forbidden, lambda: app.add_unit(command(cmd.AddUnit, code="x_unit", name="X"), AUDITOR))
    assert app.get_dispute(CASE_1, AUDITOR).version == 2


@pytest.mark.parametrize("actor", [TASKFORCE, LEGAL, AUDITOR], ids=lambda a: a.role)
def test_read_all_roles_read_any_case(transferred_to_hrss, actor):
    app = transferred_to_hrss
    assert app.get_dispute(CASE_1, actor).version == 2
    assert [type(e).__name__ for e in app.dispute_events(CASE_1, actor)] == ["DisputeRegistered", "DisputeTransferred"]


def test_out_of_reach_answers_exactly_like_a_missing_case(app):
    register(app)
    missing = _refused(app, DisputeNotFound, lambda: COMMANDS["transfer"](app, "GP-2026-000999", CLERK_HRSS))
    hidden = _refused(app, DisputeNotFound, lambda: COMMANDS["transfer"](app, CASE_1, CLERK_HRSS))
    assert type(missing) is type(hidden)
    assert str(missing) == "no case GP-2026-000999"
    assert str(hidden) == f"no case {CASE_1}"


def test_only_the_taskforce_adds_units_and_other_instances_see_them(make_app):
    app1, app2 = make_app(), make_app()
    register(app2)  # app2 has loaded its reference data
    with pytest.raises(Forbidden):
        app1.add_unit(command(cmd.AddUnit, code="township_beicheng", name="北城街道"), CLERK_TAX)
    assert app1.add_unit(command(cmd.AddUnit, code="township_beicheng", name="北城街道"), TASKFORCE) == {
        "code": "township_beicheng",
        "name": "北城街道",
    }
    assert app1.units()["township_beicheng"] == "北城街道"
    # The other instance looks an unknown unit up before refusing it.
    r = app2.transfer(CASE_1, command(cmd.Transfer, to_unit="township_beicheng"), CLERK_TAX)
    assert (r.status, r.version) == ("TRANSFERRED", 2)
    assert app2.get_dispute(CASE_1, AUDITOR).handling_unit == "township_beicheng"
