"""What the dossier's step table says of each event: one sentence in Chinese per event type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain import events as ev
from domain import vocabulary as v
from interfaces.dossier.layout import day, deadline_name, due_local, due_text, local

Unit = Callable[[str | None], str]


def _registered(e: ev.DisputeRegistered, unit: Unit) -> str:
    deadline = e.transfer_deadline
    return (f"登记受理，渠道：{v.CHANNEL.name(e.channel)}；类别：{v.CATEGORY.name(e.category)}；"
            f"建议承办单位：{unit(e.suggested_unit)}；"
            f"转交期限：{due_text(deadline.due_on, deadline.provisional)}（详见受理台账）")


def _resolved(e: ev.ResolvedOnSpot, unit: Unit) -> str:
    return f"当场办结，告知方式：{v.FEEDBACK_METHOD.name(e.feedback_method)}。处理结果：{e.result}"


def _transferred(e: ev.DisputeTransferred, unit: Unit) -> str:
    if e.designation:
        bits = [f"{v.STEP.name('designation')}：由{unit(e.actor.unit) if e.actor.unit else v.ROLE.name(e.actor.role)}"
                f"指定{unit(e.to_unit)}承办（不得退回）"]
    else:
        bits = [f"转交{unit(e.to_unit)}办理"]
    if e.routing_override:
        bits.append(f"未采用建议承办单位（{unit(e.suggested_unit)}）")
    bits.append(f"办理期限：{due_text(e.handling_deadline.due_on, e.handling_deadline.provisional)}")
    if e.note:
        bits.append(f"说明：{e.note}")
    return "；".join(bits)


def _returned(e: ev.DisputeReturned, unit: Unit) -> str:
    text = f"{unit(e.from_unit)}{v.STEP.name('returned')}，理由：{e.reason}"
    if e.transfer_deadline is not None:
        text += f"；重新转交期限：{due_text(e.transfer_deadline.due_on, e.transfer_deadline.provisional)}"
    if e.awaits_designation:
        text += f"；第二次退回，待{unit(e.transfer_unit)}或工作专班{v.STEP.name('designation')}"
    return text


def _missed(e: ev.DeadlineMissed, unit: Unit) -> str:
    text = f"{deadline_name(e.kind)}已于 {due_local(e.due_at)} 届满而未完成"
    return text if e.unit is None else f"{text}（责任单位：{unit(e.unit)}）"


def _concluded(e: ev.HandlingConcluded, unit: Unit) -> str:
    return f"{unit(e.unit)}办结，处理结果类别：{v.OUTCOME.name(e.outcome)}；处理结果：{e.result}"


def _escalated(e: ev.DisputeEscalated, unit: Unit) -> str:
    deadline = e.deliberation_deadline
    how = "作为特殊事项直接提交工作专班" if e.direct else "提请工作专班研判"
    return (f"{unit(e.from_unit)}{how}，理由：{e.reason}；"
            f"集体商议期限：{due_text(deadline.due_on, deadline.provisional)}")


def _deliberation(e: ev.DeliberationHeld, unit: Unit) -> str:
    return (f"会议时间：{local(e.held_at)}；参会 {len(e.attendees)} 人；执行单位：{unit(e.executing_unit)}"
            "（会议纪要与书面处理意见见“提请研判与集体商议”）")


def _feedback(e: ev.FeedbackGiven, unit: Unit) -> str:
    return f"向{v.PARTY.name(e.party)}反馈（{v.FEEDBACK_METHOD.name(e.method)}）：{e.content}"


def _guidance(e: ev.RemedyGuidanceGiven, unit: Unit) -> str:
    return (f"就{v.PARTY.name(e.party)}的异议指导申请{v.REMEDY.name(e.remedy)}，有权机关：{e.competent_body}；"
            f"复议最后一日 {day(e.reconsideration_window.last_day)}，诉讼最后一日 {day(e.litigation_window.last_day)}"
            "（详见“救济途径指导”）")


def _no_objection(e: ev.NoObjectionConfirmed, unit: Unit) -> str:
    return f"{v.PARTY.name(e.party)}{v.STEP.name('no_objection')}" + (f"：{e.note}" if e.note else "")


def _objection(e: ev.ObjectionRaised, unit: Unit) -> str:
    said = f"{v.PARTY.name(e.party)}提出异议：{e.content}"
    return f"{said}（{v.STEP.name('reopened')}已归档案卷）" if e.reopened else said


def _archived(e: ev.DisputeArchived, unit: Unit) -> str:
    said = v.EVENT.name("DisputeArchived")
    if not e.basis:
        return said  # archived before 1.1, when no basis was recorded
    reasons = []
    for b in e.basis:
        reason = f"{v.PARTY.name(b.party)}：{v.ARCHIVE_BASIS.name(b.basis)}"
        if b.quiet_until is not None:
            reason += f"（异议期至 {local(b.quiet_until)}）"
        reasons.append(reason)
    return f"{said}；无异议依据：" + "；".join(reasons)


def _risk(e: ev.RiskFlagged, unit: Unit) -> str:
    bits = [f"风险类型：{v.RISK_KIND.name(e.kind)}", f"风险等级：{v.RISK_LEVEL.name(e.level)}",
            f"涉及 {e.people_involved} 人"]
    if e.notified_units:
        bits.append("已通知：" + "、".join(unit(u) for u in e.notified_units))
    if e.note:
        bits.append(e.note)
    return "；".join(bits)


def _satisfaction(e: ev.SatisfactionRecorded, unit: Unit) -> str:
    verdict = "满意" if e.satisfied else "不满意"
    return f"回访{v.PARTY.name(e.party)}：{verdict}" + (f"；{e.note}" if e.note else "")


def _recomputed(e: ev.DeadlinesRecomputed, unit: Unit) -> str:
    parts = [f"{deadline_name(d.kind)}改为 {due_text(d.deadline.due_on, d.deadline.provisional)}" for d in e.deadlines]
    if e.acceptance is not None:
        parts.insert(0, f"认定受理日改为 {day(e.acceptance.accepted_on)}")
    return f"载入节假日安排（{e.calendar_version}）后重新计算：" + "；".join(parts or ["无变化"])


SAY: dict[type[Any], Callable[[Any, Unit], str]] = {
    ev.DisputeRegistered: _registered,
    ev.ResolvedOnSpot: _resolved,
    ev.DisputeTransferred: _transferred,
    ev.TransferSignedFor: lambda e, unit: f"{unit(e.unit)}签收",
    ev.DisputeReturned: _returned,
    ev.ProgressRecorded: lambda e, unit: str(e.note),
    ev.HandlingConcluded: _concluded,
    ev.DisputeEscalated: _escalated,
    ev.DeliberationHeld: _deliberation,
    ev.FeedbackGiven: _feedback,
    ev.ObjectionRaised: _objection,
    ev.NoObjectionConfirmed: _no_objection,
    ev.RemedyGuidanceGiven: _guidance,
    ev.DisputeArchived: _archived,
    ev.RiskFlagged: _risk,
    ev.SupervisionNoticeIssued: lambda e, unit: f"督办{unit(e.unit)}：{e.content}",
    ev.SatisfactionRecorded: _satisfaction,
    ev.DeadlineMissed: _missed,
    ev.DeadlinesRecomputed: _recomputed,
    ev.PersonalDataShredded: lambda e, unit: (
        f"保存期满（{day(e.archived_before)}前归档），销毁本案数据密钥：个人信息已销毁，事件链仍可验证"
    ),
}


def step_text(event: ev.DisputeEvent, unit: Unit) -> str:
    """The step table's sentence for an event; the type's name for one this table does not know."""
    say = SAY.get(type(event))
    return type(event).__name__ if say is None else say(event, unit)
