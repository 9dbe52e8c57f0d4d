"""Fixtures for the ledger tests: a source runtime on the parametrized store (SQLite and PostgreSQL)
holding cases along every path, and fresh SQLite runtimes to import into."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from application import commands as cmd
from domain.identifiers import credit_code_check_char, resident_id_check_char
from domain.values import Actor, Role
from infrastructure.settings import Settings, StoreConfig
from interfaces.runtime import Runtime, build_runtime


def resident_id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


def id_with_check_x() -> str:
    for seq in range(1000):
        first17 = f"14058119850615{seq:03d}"
        if resident_id_check_char(first17) == "X":
            return first17 + "X"
    raise AssertionError("no sequence gives X")


ID_A = resident_id("14058119800101123")
ID_X = id_with_check_x()
ID_C = resident_id("14058119920304567")
ID_D = resident_id("14052519751111002")
CREDIT_A = credit_code("91140581MA0K12345")
CREDIT_B = credit_code("91140581MA0L67890")


def clerk(unit: str) -> Actor:
    return Actor(f"clerk-{unit}", Role.CLERK, unit)


def handler(unit: str) -> Actor:
    return Actor(f"handler-{unit}", Role.HANDLER, unit)


TASKFORCE = Actor("taskforce-1", Role.TASKFORCE)
LEGAL = Actor("legal-1", Role.LEGAL, "justice")
AUDITOR = Actor("auditor-1", Role.AUDITOR)


def register(app: Any, unit: str, **body: Any) -> str:
    body.setdefault("accepting_unit", unit)
    body.setdefault("at", body["received_at"])  # recorded back-dated, so later acts can be too
    return app.register(msgspec.convert(body, cmd.RegisterDispute), clerk(unit)).case_number


def act(app: Any, use_case: str, ref: str, actor: Actor, cls: type[cmd.Command], **fields: Any) -> None:
    if cls is cmd.Transfer:
        fields.setdefault("note", "按职责转交")  # an override of the suggested unit needs one
    getattr(app, use_case)(ref, msgspec.convert(fields, cls), actor)


def payer(kind: str, name: str, id_number: str, phone: str) -> dict[str, str]:
    return {"kind": kind, "name": name, "id_number": id_number, "phone": phone}


def seed_cases(app: Any) -> dict[str, str]:
    """Cases received in November 2026 along every path (and one in October, outside the period).
    The application's clock stands at 2026-11-26 10:00 Asia/Shanghai."""
    cases: dict[str, str] = {}
    cases["accepted"] = register(
        app, "tax", channel="hotline_12366", received_at="2026-11-02T09:15:30+08:00",
        payer=payer("individual", "张三", ID_A, "13812345678"), category="late_fee",
        summary="对2025年度滞纳金加收有异议，认为系税务系统升级导致无法按期缴费。",
        external_ref="12366-20261102-0001", insurance_types=["pension", "medical"], township="米山镇",
    )  # fmt: skip
    cases["on_spot_archived"] = register(
        app, "hrss", channel="service_window", received_at="2026-11-03T10:00:00+08:00",
        payer=payer("individual", "欧阳娜娜", ID_X, "+86 139 0000 1111"), category="benefit",
        summary="=基础养老金+个人账户养老金？询问养老金待遇核定标准", insurance_types=["pension"], township="140581001",
    )  # fmt: skip
    act(app, "resolve_on_spot", cases["on_spot_archived"], clerk("hrss"), cmd.ResolveOnSpot,
        result="当场解释待遇计算方法，缴费人表示理解。", feedback_method="in_person", at="2026-11-03T10:40:00+08:00")
    act(app, "confirm_no_objection", cases["on_spot_archived"], clerk("hrss"), cmd.NoObjection, party="payer",
        at="2026-11-03T10:45:00+08:00")
    act(app, "archive", cases["on_spot_archived"], clerk("hrss"), cmd.Archive, at="2026-11-04T09:00:00+08:00")

    cases["general_archived"] = register(
        app, "gov_office", channel="hotline_12345", received_at="2026-11-04T14:20:00+08:00",
        payer=payer("employer", "高平市丹河宏达煤业有限公司", CREDIT_A, "0356-5221234"), category="contribution_amount",
        summary="单位反映2026年10月社会保险费申报基数与实际工资总额不符，多缴约3万元。",
        external_ref="12345-GP-88231", insurance_types=["pension", "medical", "unemployment", "work_injury", "maternity"],
        people_involved=12, township="东城街道",
    )  # fmt: skip
    ref = cases["general_archived"]
    act(app, "transfer", ref, clerk("gov_office"), cmd.Transfer, to_unit="tax", at="2026-11-05T09:00:00+08:00")
    act(app, "sign_for", ref, handler("tax"), cmd.SignFor, at="2026-11-05T10:00:00+08:00")
    act(app, "conclude", ref, handler("tax"), cmd.Conclude, outcome="corrected",
        result="核实后更正申报基数，多缴部分已办理抵缴。", at="2026-11-09T16:30:00+08:00")
    act(app, "give_feedback", ref, clerk("gov_office"), cmd.GiveFeedback, party="payer", method="phone",
        content="电话告知处理结果", at="2026-11-10T09:00:00+08:00")
    # No objection within the quiet period (5 working days after 10 Nov: to the end of Tue 17 Nov).
    act(app, "archive", ref, clerk("gov_office"), cmd.Archive, at="2026-11-18T09:00:00+08:00")

    cases["concluded"] = register(
        app, "petition", channel="petition_transfer", received_at="2026-11-06T11:11:11+08:00",
        payer=payer("individual", "李四", ID_C, "15900001111"), category="refund_offset",
        summary="反映重复缴纳城乡居民养老保险费，申请退费。", insurance_types=["pension"], township="原村乡",
    )  # fmt: skip
    act(app, "transfer", cases["concluded"], clerk("petition"), cmd.Transfer, to_unit="tax", at="2026-11-06T15:00:00+08:00")
    act(app, "conclude", cases["concluded"], handler("tax"), cmd.Conclude, outcome="refunded",
        result="经核实重复缴费属实，已办理退费。", at="2026-11-12T10:00:00+08:00")

    cases["feedback_given"] = register(
        app, "hrss", channel="township_point", received_at="2026-11-09T08:45:00+08:00",
        payer=payer("individual", "王五", ID_D, "13700002222"), category="registration_transfer",
        summary="养老保险关系从江苏转入后缴费年限缺失。", township="永禄乡", people_involved=1,
    )  # fmt: skip
    act(app, "transfer", cases["feedback_given"], clerk("hrss"), cmd.Transfer, to_unit="hrss", at="2026-11-09T11:00:00+08:00")
    act(app, "conclude", cases["feedback_given"], handler("hrss"), cmd.Conclude, outcome="explained",
        result="转移接续已完成，缴费年限已补记。", at="2026-11-13T10:00:00+08:00")
    act(app, "give_feedback", cases["feedback_given"], clerk("hrss"), cmd.GiveFeedback, party="payer",
        method="sms", content="短信告知", at="2026-11-13T15:00:00+08:00")

    cases["transferred"] = register(
        app, "medical_insurance", channel="department_phone", received_at="2026-11-20T16:59:59+08:00",
        payer=payer("employer", "高平市长平恒泰物流有限公司", CREDIT_B, "13600003333"), category="special_assessment",
        summary="对医保部门核定的补缴金额有异议。", insurance_types=["medical", "maternity"], people_involved=35,
    )  # fmt: skip
    act(app, "transfer", cases["transferred"], clerk("medical_insurance"), cmd.Transfer,
        to_unit="medical_insurance", at="2026-11-23T09:00:00+08:00")

    cases["escalated"] = register(
        app, "tax", channel="hotline_12366", received_at="2026-11-21T10:00:00+08:00",
        payer=payer("individual", "赵六", resident_id("14058120000229001"), "18800004444"),
        category="collection_enforcement", summary="-反映2018年欠费追缴涉及多部门，要求说明依据。",
    )  # fmt: skip
    act(app, "transfer", cases["escalated"], clerk("tax"), cmd.Transfer, to_unit="tax", at="2026-11-23T09:00:00+08:00")
    act(app, "escalate", cases["escalated"], handler("tax"), cmd.Escalate, reason="涉及统模式前欠费，需专班研判",
        at="2026-11-24T09:00:00+08:00")

    cases["october"] = register(
        app, "tax", channel="service_window", received_at="2026-10-30T09:00:00+08:00",
        payer=payer("individual", "孙七", ID_A, "13812345678"), category="other", summary="十月的案件，不在导出期间内。",
    )  # fmt: skip
    return cases


PERIOD = ("2026-11-01", "2026-11-30")
IN_PERIOD = ("accepted", "on_spot_archived", "general_archived", "concluded", "feedback_given", "transferred", "escalated")


def sqlite_settings(directory: Path, data_key: bytes = b"test-data-key") -> Settings:
    directory.mkdir(parents=True, exist_ok=True)
    return Settings(
        var_dir=directory,
        store=StoreConfig(kind="sqlite", sqlite_path=directory / "events.sqlite"),
        secret=b"test-secret-of-at-least-32-bytes-for-hs256",
        data_key=data_key,
        signing_key=bytes(range(32)),
        checkpoint_dir=directory / "checkpoints",
    )


@pytest.fixture
def source(settings: Settings, clock: Any) -> Iterator[Runtime]:
    runtime = build_runtime(settings, with_http=False, clock=clock)
    yield runtime
    runtime.close()


@pytest.fixture
def seeded(source: Runtime) -> dict[str, str]:
    cases = seed_cases(source.fengqiao)
    source.reads.runner.catch_up()
    return cases


@pytest.fixture
def fresh_store(tmp_path: Path, clock: Any) -> Iterator[Callable[[str], Runtime]]:
    """Fresh SQLite runtimes (another data key too), one per name."""
    opened: list[Runtime] = []

    def factory(name: str = "target") -> Runtime:
        runtime = build_runtime(sqlite_settings(tmp_path / name, b"another-data-key"), with_http=False, clock=clock)
        opened.append(runtime)
        return runtime

    yield factory
    for runtime in opened:
        runtime.close()
