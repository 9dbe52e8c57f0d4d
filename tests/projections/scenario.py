"""A small history that touches every handler of the case fold, made by real commands."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from application import commands as cmd
from application.schedulers import DeadlineScheduler
from infrastructure.scheduling import ReadSideDeadlines
from tests.application._support import (
    CLERK_HRSS,
    CLERK_TAX,
    HANDLER_FINANCE,
    HANDLER_HRSS,
    HANDLER_TAX,
    LEGAL,
    TASKFORCE,
    register_body,
)

C1, C2, C3, C4, C5 = (f"GP-2026-00000{i}" for i in range(1, 6))


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text + "+00:00")


def populate(runtime: Any, clock: Any) -> None:
    """C1 transferred to hrss, signed for, progress, returned, re-transferred to tax (a routing
       override), concluded, told, satisfaction, no objection confirmed (无异议确认), archived.
    C2 never transferred: high risk flag (police told), supervision notice, transfer deadline missed.
    C3 settled on the spot, objected, remedy guidance, archived.
    C4 transferred, escalated, deliberated (finance executes), concluded by finance, told.
    C5 (hrss) never transferred: transfer deadline missed.
    Recorded from Wed 18 Nov to Mon 23 Nov; the scheduler sweeps at Thu 26 Nov 02:00Z."""
    app = runtime.fengqiao

    def at(text: str) -> None:
        clock.set(_utc(text))

    def register(actor: Any = CLERK_TAX, **overrides: Any) -> None:
        app.register(msgspec.convert(register_body(**overrides), cmd.RegisterDispute), actor)

    def c(cls: type, **fields: Any) -> Any:
        if cls is cmd.Transfer:
            fields.setdefault("note", "按职责转交")  # an override of the suggested unit needs one
        return msgspec.convert(fields, cls)

    at("2026-11-18T02:00:00")
    register(received_at="2026-11-18T01:00:00+00:00", category="benefit", township="140581101", external_ref="WO-1")
    at("2026-11-18T03:00:00")
    register(received_at="2026-11-18T02:30:00+00:00", other_party={"name": "某公司", "kind": "employer"})
    at("2026-11-18T04:00:00")
    app.transfer(C1, c(cmd.Transfer, to_unit="hrss", note="转人社局"), CLERK_TAX)
    at("2026-11-18T05:00:00")
    app.sign_for(C1, c(cmd.SignFor), HANDLER_HRSS)
    at("2026-11-18T06:00:00")
    app.record_progress(C1, c(cmd.RecordProgress, note="已调取缴费记录"), HANDLER_HRSS)
    at("2026-11-19T02:00:00")
    app.return_case(C1, c(cmd.Return, reason="系滞纳金问题，非本单位职责"), HANDLER_HRSS)
    at("2026-11-19T03:00:00")
    app.transfer(C1, c(cmd.Transfer, to_unit="tax"), CLERK_TAX)
    at("2026-11-19T04:00:00")
    register(received_at="2026-11-19T03:30:00+00:00", channel="service_window")
    at("2026-11-19T05:00:00")
    app.resolve_on_spot(C3, c(cmd.ResolveOnSpot, result="当场解释", feedback_method="in_person"), CLERK_TAX)
    at("2026-11-19T06:00:00")
    register(received_at="2026-11-19T05:30:00+00:00", category="contribution_amount")
    at("2026-11-19T07:00:00")
    app.transfer(C4, c(cmd.Transfer, to_unit="tax"), CLERK_TAX)
    at("2026-11-19T08:00:00")
    app.escalate(C4, c(cmd.Escalate, reason="涉及多部门"), HANDLER_TAX)
    at("2026-11-20T02:00:00")
    app.conclude(C1, c(cmd.Conclude, outcome="explained", result="已解释滞纳金计算"), HANDLER_TAX)
    at("2026-11-20T03:00:00")
    app.give_feedback(C1, c(cmd.GiveFeedback, party="payer", method="phone", content="已电话告知"), CLERK_TAX)
    at("2026-11-20T04:00:00")
    app.record_satisfaction(C1, c(cmd.RecordSatisfaction, party="payer", satisfied=True), CLERK_TAX)
    at("2026-11-20T04:30:00")
    app.confirm_no_objection(C1, c(cmd.NoObjection, party="payer", note="电话确认无异议"), CLERK_TAX)
    at("2026-11-20T05:00:00")
    app.archive(C1, c(cmd.Archive), CLERK_TAX)
    at("2026-11-20T06:00:00")
    app.raise_objection(C3, c(cmd.RaiseObjection, party="payer", content="不服"), CLERK_TAX)
    at("2026-11-20T07:00:00")
    app.give_remedy_guidance(C3, c(cmd.GiveRemedyGuidance, remedy="reconsideration", content="可申请复议",
                                   act_known_on="2026-11-19"), LEGAL)
    at("2026-11-20T08:00:00")
    app.archive(C3, c(cmd.Archive), CLERK_TAX)
    at("2026-11-23T02:00:00")
    app.hold_deliberation(C4, c(cmd.HoldDeliberation, held_at="2026-11-23T01:30:00+00:00",
                                attendees=[{"unit": "tax", "name": "王五"}, {"unit": "finance", "name": "赵六"}],
                                minutes="会议纪要", written_opinion="由财政局协助退费", executing_unit="finance"), TASKFORCE)
    at("2026-11-23T03:00:00")
    app.conclude(C4, c(cmd.Conclude, outcome="refunded", result="已退费"), HANDLER_FINANCE)
    at("2026-11-23T04:00:00")
    app.give_feedback(C4, c(cmd.GiveFeedback, party="payer", method="letter", content="书面告知"), CLERK_TAX)
    at("2026-11-23T05:00:00")
    app.flag_risk(C2, c(cmd.FlagRisk, kind="群体性", level="high", people_involved=40), CLERK_TAX)
    at("2026-11-23T06:00:00")
    app.issue_supervision_notice(C2, c(cmd.IssueSupervisionNotice, unit="tax", content="请尽快转交"), TASKFORCE)
    at("2026-11-23T07:00:00")
    register(CLERK_HRSS, received_at="2026-11-23T06:00:00+00:00", accepting_unit="hrss", category="registration_info")
    at("2026-11-26T02:00:00")
    runtime.reads.runner.catch_up()
    assert DeadlineScheduler(app, ReadSideDeadlines(runtime.reads)).sweep() == 2  # C2 and C5: transfer deadlines
    runtime.reads.runner.catch_up()


def dump(store: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the read models, in a fixed order, as the database holds them."""
    with store.transaction(readonly=True) as cur:
        cur.execute("SELECT * FROM rm_cases ORDER BY id")
        cases = cur.fetchall()
        cur.execute("SELECT * FROM rm_timeline ORDER BY case_id, version")
        timeline = cur.fetchall()
        cur.execute("SELECT name, position FROM rm_tracking ORDER BY name")
        tracking = cur.fetchall()
    return {"rm_cases": cases, "rm_timeline": timeline, "rm_tracking": tracking}
