"""A runtime per test (SQLite and PostgreSQL) and a case that went through every step."""

from __future__ import annotations

import os
from typing import Any

import msgspec
import pytest

from application import commands as cmd
from domain.values import Actor, Role
from tests.application._support import ID_NUMBER, PHONE, utc

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

CLERK_TAX = Actor("clerk-tax-1", Role.CLERK, "tax")
HANDLER_TAX = Actor("handler-tax-1", Role.HANDLER, "tax")
HANDLER_FINANCE = Actor("handler-finance-1", Role.HANDLER, "finance")
TASKFORCE = Actor("taskforce-1", Role.TASKFORCE)
LEGAL = Actor("legal-1", Role.LEGAL)
AUDITOR = Actor("auditor-1", Role.AUDITOR)
OTHER_CONTACT = "0356-5221234"

SUMMARY = (
    "缴费人反映：其于2019年至2023年在高平市某建材有限公司工作期间，单位未足额申报缴纳基本养老保险费和失业保险费，"
    "2024年补缴时被加收滞纳金，且2022年多缴的社会保险费至今未能退还。缴费人认为多缴部分应予退还并抵顶滞纳金，"
    "要求税务部门核实缴费基数、说明滞纳金计算依据，并协调人社、财政部门办理退费。缴费人表示已多次电话咨询未果，"
    "希望“最多跑一次”解决。"
)
MINUTES = (
    "一、会议情况：2026年12月3日下午，工作专班在税务局三楼会议室召开集体商议会，税务、人社、财政三部门参加。\n"
    "二、税务局通报：经核查金税三期系统，缴费人2022年度存在重复缴费记录，金额合计3,216.48元，符合退费条件；"
    "滞纳金系用人单位逾期申报产生，依据《社会保险法》第八十六条按日加收万分之五，计算无误。\n"
    "三、人社局意见：缴费人个人权益记录已核对，重复缴费月份为2022年3月至5月，同意出具复核意见。\n"
    "四、财政局意见：退费资金可于十个工作日内从社会保险基金财政专户退付。\n"
    "五、会议议定：由市财政局牵头，税务局初审、人社局复核，十个工作日内办结退费；滞纳金由用人单位承担，"
    "税务局向用人单位送达缴费通知。\n"
) * 2
OPINION = "同意退还缴费人2022年度重复缴纳的社会保险费3,216.48元，由市财政局牵头办理；滞纳金不予减免，由用人单位承担。"
LONG_NOTE = (
    "已调取缴费人2019年以来的全部缴费明细、用人单位申报记录和2022年退费申请材料，并与人社局权益记录逐月比对；"
    "发现2022年3月至5月存在重复缴费，用人单位2019年至2023年存在少报缴费基数情形，需另案处理。"
    "已电话联系用人单位财务负责人，告知补报义务。另查明：缴费人2022年度的退费申请曾于2023年4月提交至税务大厅窗口，"
    "因缺少人社部门的权益记录复核意见被退回补正，缴费人未再补交材料；本次由承办人员主动协调人社局调取复核意见，"
    "避免缴费人再次往返。"
)


@pytest.fixture
def cjk_font() -> None:
    from interfaces.dossier.fonts import FontMissing, find_cjk_font

    try:
        find_cjk_font()
    except FontMissing as e:
        if IN_CI:
            pytest.fail(f"the dossier needs a CJK font under CI=true: {e}")
        pytest.skip(str(e))


def _c(struct: type, **fields: Any) -> Any:
    if struct is cmd.Transfer:
        fields.setdefault("note", "按职责转交")  # an override of the suggested unit needs one
    return msgspec.convert(fields, struct)


def run_full_case(app: Any, clock: Any) -> str:
    """register → transfer → sign for → progress (one back-dated) → escalate → deliberation →
    conclude → feedback to both parties → objection → remedy guidance → the other party's no
    objection (无异议确认) → archive."""
    clock.set(utc("2026-11-23T03:00:00"))  # Mon 23 Nov 2026, 11:00 in Gaoping
    registered = app.register(
        _c(
            cmd.RegisterDispute,
            channel="hotline_12366",
            received_at="2026-11-23T02:00:00Z",
            accepting_unit="tax",
            payer={"kind": "individual", "name": "张三", "id_number": ID_NUMBER, "phone": PHONE},
            category="refund_offset",
            summary=SUMMARY,
            other_party={"name": "高平市某建材有限公司", "kind": "employer", "contact": OTHER_CONTACT},
            external_ref="12366-20261123-0042",
            insurance_types=["pension", "unemployment"],
            people_involved=3,
            township="米山镇",
        ),
        CLERK_TAX,
        None,
    )
    case = registered.case_number
    clock.set(utc("2026-11-23T06:00:00"))
    app.transfer(case, _c(cmd.Transfer, to_unit="tax", note="退费初审属税务局职责"), CLERK_TAX)
    clock.set(utc("2026-11-24T01:30:00"))
    app.sign_for(case, _c(cmd.SignFor), HANDLER_TAX)
    clock.set(utc("2026-11-26T09:00:00"))
    # Back-dated: done in the morning, recorded in the evening.
    app.record_progress(case, _c(cmd.RecordProgress, note=LONG_NOTE, at="2026-11-26T02:00:00Z"), HANDLER_TAX)
    clock.set(utc("2026-12-01T02:00:00"))  # after the handling deadline (end of Mon 30 Nov)
    app.escalate(case, _c(cmd.Escalate, reason="涉及财政退费和人社复核，需多部门集体研判"), HANDLER_TAX)
    clock.set(utc("2026-12-03T09:00:00"))
    app.hold_deliberation(
        case,
        _c(
            cmd.HoldDeliberation,
            held_at="2026-12-03T14:00:00+08:00",
            attendees=[
                {"unit": "tax", "name": "李四"},
                {"unit": "hrss", "name": "王五"},
                {"unit": "finance", "name": "赵六"},
            ],
            minutes=MINUTES,
            written_opinion=OPINION,
            executing_unit="finance",
        ),
        TASKFORCE,
    )
    clock.set(utc("2026-12-07T03:00:00"))
    app.conclude(case, _c(cmd.Conclude, outcome="refunded", result="已退还重复缴纳的社会保险费3,216.48元"), HANDLER_FINANCE)
    clock.set(utc("2026-12-08T02:00:00"))
    app.give_feedback(case, _c(cmd.GiveFeedback, party="payer", method="phone", content="已电话告知退费结果及滞纳金不予减免的依据"), CLERK_TAX)
    app.give_feedback(case, _c(cmd.GiveFeedback, party="other_party", method="letter", content="已书面告知用人单位补报缴费基数及承担滞纳金"), CLERK_TAX)
    clock.set(utc("2026-12-09T02:00:00"))
    app.raise_objection(case, _c(cmd.RaiseObjection, party="payer", content="对滞纳金不予减免不服，认为系单位责任且已多缴"), CLERK_TAX)
    clock.set(utc("2026-12-10T02:00:00"))
    app.give_remedy_guidance(
        case,
        _c(cmd.GiveRemedyGuidance, remedy="reconsideration", content="告知缴费人可自知道该行政行为之日起六十日内依法申请行政复议，也可在六个月内依法提起行政诉讼；已告知复议机关和管辖法院。", act_known_on="2026-12-08"),
        LEGAL,
    )
    clock.set(utc("2026-12-10T02:30:00"))
    app.confirm_no_objection(case, _c(cmd.NoObjection, party="other_party", note="用人单位书面确认对处理结果无异议"), CLERK_TAX)
    clock.set(utc("2026-12-10T03:00:00"))
    app.archive(case, _c(cmd.Archive), CLERK_TAX)
    clock.set(utc("2026-12-11T01:00:00"))
    return case


@pytest.fixture
def full_case(runtime: Any, clock: Any) -> str:
    return run_full_case(runtime.fengqiao, clock)
