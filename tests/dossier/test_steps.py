"""The dossier's step sentences for issue 12's acts: a return with its new transfer clock, a
designation (指定承办), a special matter sent straight to the task force, a group-risk flag and a
miss naming its unit."""

from __future__ import annotations

from datetime import UTC, datetime

from domain import events as ev
from domain.values import Actor, DeadlineKind, Role
from interfaces.dossier.steps import step_text
from tests.domain.test_dispute import CAL, Dispute, escalate, given, miss, on, send_back, transfer
from tests.domain.test_dispute import CLERK as PETITION_CLERK

NAMES = {"hrss": "市人社局", "tax": "国家税务总局高平市税务局", "petition": "市信访局", "gov_office": "市政府办公室"}


def unit(code: str | None) -> str:
    return NAMES.get(code or "", code or "")


def designate(d: Dispute, at: datetime, now: datetime) -> None:
    gov = Actor(subject="gov-1", role=Role.CLERK, unit="gov_office")
    d.transfer(to_unit="hrss", note="指定人社局承办", actor=gov, at=at, now=now, calendar=CAL)


def said(events: list[ev.DisputeEvent], kind: type) -> list[str]:
    return [step_text(e, unit) for e in events if isinstance(e, kind)]


def test_returns_and_a_designation_are_said_as_the_notice_says_them() -> None:
    case = given(transfer(to_unit="hrss"), send_back(), transfer(to_unit="hrss"), send_back(), designate)

    first, second = said(case.history, ev.DisputeReturned)
    designation = said(case.history, ev.DisputeTransferred)[-1]

    assert first.startswith("市人社局退回，理由：") and "重新转交期限：2024-10-08" in first
    assert "第二次退回，待市政府办公室或工作专班指定承办" in second
    assert designation.startswith("指定承办：由市政府办公室指定市人社局承办（不得退回）")


def test_a_special_matter_a_group_flag_and_a_miss_name_what_they_are() -> None:
    case = given(escalate(by=PETITION_CLERK), people_involved=6)
    missed = given(on(datetime(2024, 10, 9, tzinfo=UTC), miss(DeadlineKind.TRANSFER)))

    assert said(case.history, ev.DisputeEscalated)[0].startswith("市信访局作为特殊事项直接提交工作专班")
    assert said(case.history, ev.RiskFlagged) == ["风险类型：群体性风险；风险等级：中；涉及 6 人"]
    assert said(missed.history, ev.DeadlineMissed)[0].endswith("（责任单位：市信访局）")
