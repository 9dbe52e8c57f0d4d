"""The dossier's sections after the step table: deadlines, escalation and deliberation, feedback,
objections, remedy guidance and the integrity check. Each appends to a Flow, and a section with
nothing to show is left out (the numbering follows the sections present)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

from domain import events as ev
from domain import vocabulary as v
from domain.remedies import competent_body
from domain.values import RemedyKind
from interfaces.dossier.layout import Flow, coloured, day, deadline_name, due_text, local, text
from projections.case_view import DeadlineView

ALERT, OK = "#b00020", "#1b6e2d"
TRANSLATED = "推算依据按系统记录（events.jsonl 中的原始事件）逐条译出。"


def _verdict(d: DeadlineView, now: datetime) -> str:
    # domain.deadlines decides late (24:00:00 exactly is late), through the view's own methods.
    if d.met_at is not None:
        return coloured(ALERT, "是（超期完成）") if d.met_late() else coloured(OK, "否（按期完成）")
    if d.closed_at is not None:
        verdict = f"因{v.STEP.name('returned')}终止（{local(d.closed_at)}）"
        return coloured(ALERT, f"是（{verdict}时已超期）") if d.overdue(now) else f"否（{verdict}）"
    if d.overdue(now):
        return coloured(ALERT, "是（已超期，尚未完成）")
    return "否（尚未到期）"


def deadlines(f: Flow, views: Sequence[DeadlineView], now: datetime) -> None:
    f.heading("办理期限")
    ordered = list(views)  # in the order the clocks started: a return opens a second transfer clock
    if not ordered:
        f.add(f.p("无。"))
        return
    rows: list[list[Any]] = [f.header("期限", "责任单位", "截止时间", "完成时间", "是否超期")]
    cell = f.s.cell
    for d in ordered:
        rows.append([
            f.p(text(deadline_name(d.kind)), cell),
            f.p(text(f.unit(d.unit)), cell),
            f.p(text(due_text(d.due_on, d.provisional)), cell),
            f.p(text(local(d.met_at) if d.met_at else ("—" if d.closed_at else "尚未完成")), cell),
            f.p(_verdict(d, now), cell),
        ])
    f.table(rows, [48 * mm, 30 * mm, 36 * mm, 28 * mm])
    f.add(Spacer(1, 1.5 * mm), f.p(f"超期判断截至卷宗生成时间 {local(now)}。{TRANSLATED}", f.s.small))
    for d in ordered:
        f.derivation(d.derivation, f"{deadline_name(d.kind)}推算依据")


def deliberations(f: Flow, escalated: Sequence[ev.DisputeEscalated], held: Sequence[ev.DeliberationHeld]) -> None:
    if not held and not escalated:
        return
    f.heading("提请研判与集体商议")
    for e in escalated:
        f.pairs([("提请单位", text(f.unit(e.from_unit))), ("提请时间", text(local(e.at))), ("提请人", text(f.who(e.actor)))])
        f.long_text("提请理由", e.reason)
        f.add(Spacer(1, 2 * mm))
    for number, meeting in enumerate(held, start=1):
        if len(held) > 1:
            f.add(f.p(f"第 {number} 次集体商议", f.s.h2))
        f.add(CondPageBreak(45 * mm))  # keep the meeting's table in one piece
        f.pairs([
            ("会议时间", text(local(meeting.held_at))),
            ("参会人数", text(f"{len(meeting.attendees)} 人")),
            ("执行单位", text(f.unit(meeting.executing_unit))),
            ("记录人", text(f.who(meeting.actor))),
        ])
        f.long_text("参会人员", "；".join(f"{f.unit(a.unit)} {a.name}" for a in meeting.attendees))
        f.long_text("会议纪要", meeting.minutes)
        f.long_text("书面处理意见", meeting.written_opinion)


def feedback(f: Flow, told: Sequence[ev.ResolvedOnSpot | ev.FeedbackGiven]) -> None:
    if not told:
        return
    f.heading("结果反馈")
    for e in told:
        if isinstance(e, ev.ResolvedOnSpot):
            method = v.FEEDBACK_METHOD.name(e.feedback_method)
            f.long_text(f"当场办结并告知{v.PARTY.name('payer')}（告知方式：{method}；{local(e.at)}）", e.result)
        else:
            method = v.FEEDBACK_METHOD.name(e.method)
            when = f"告知方式：{method}；{local(e.at)}；{f.unit(e.actor.unit)}"
            f.long_text(f"向{v.PARTY.name(e.party)}反馈（{when}）", e.content)


def objections(f: Flow, raised: Sequence[ev.ObjectionRaised]) -> None:
    if not raised:
        return
    f.heading("异议")
    for e in raised:
        reopened = f"；{v.STEP.name('reopened')}已归档案卷" if e.reopened else ""
        f.long_text(f"{v.PARTY.name(e.party)}提出异议（{local(e.at)}{reopened}）", e.content)


def _windows(e: ev.RemedyGuidanceGiven) -> list[tuple[str, str]]:
    recon_body = (e.competent_body if e.remedy == RemedyKind.RECONSIDERATION
                  else competent_body(RemedyKind.RECONSIDERATION, e.acting_unit))
    court = e.competent_body if e.remedy == RemedyKind.LITIGATION else competent_body(RemedyKind.LITIGATION, e.acting_unit)
    litigation_rule = ("收到复议决定书之日起15日内（《行政诉讼法》第四十五条）" if e.reconsideration_decided_on
                       else "知道作出行政行为之日起6个月内（《行政诉讼法》第四十六条）")
    recon, litigation = e.reconsideration_window, e.litigation_window
    return [
        ("行政复议期限", text("知道行政行为之日起60日内（《行政复议法》第二十条）；最后一日："
                              + due_text(recon.last_day, recon.provisional))),
        ("行政复议机关", text(recon_body)),
        ("行政诉讼期限", text(f"{litigation_rule}；最后一日：{due_text(litigation.last_day, litigation.provisional)}")),
        ("管辖法院", text(court)),
    ]


def remedies(f: Flow, guidance: Sequence[ev.RemedyGuidanceGiven]) -> None:
    if not guidance:
        return
    f.heading("救济途径指导", 80 * mm)
    for number, e in enumerate(guidance):
        rows = [
            ("异议当事人", text(v.PARTY.name(e.party))),
            ("指导途径", text(v.REMEDY.name(e.remedy))),
            ("指导时间 / 指导人", text(f"{local(e.at)} / {f.who(e.actor)}")),
            ("作出行政行为的单位", text(f.unit(e.acting_unit))),
            ("知道行政行为之日", text(day(e.act_known_on))),
        ]
        if e.reconsideration_decided_on:
            rows.append(("收到复议决定之日", text(day(e.reconsideration_decided_on))))
        if number:
            f.add(CondPageBreak(70 * mm))  # keep the windows' table in one piece
        f.pairs(rows + _windows(e), label_width=36 * mm)
        f.long_text("指导内容", e.content)
        f.derivation(e.reconsideration_window.derivation, "行政复议期限推算依据")
        f.derivation(e.litigation_window.derivation, "行政诉讼期限推算依据")


def verification(f: Flow, result: dict[str, Any]) -> None:
    f.heading("完整性校验", 85 * mm)
    verdict = (coloured(OK, "有效：事件记录完整，未被改动，与签名检查点一致") if result["valid"]
               else coloured(ALERT, "无效：发现问题，见下"))
    rows = [
        ("校验结论", verdict),
        ("事件数", text(result["events"])),
        ("最新哈希（head）", text(result["head_hash"])),
        ("检查点序号", text(result["checkpoint_sequence"])),
        ("检查点签署时间", text(local(datetime.fromisoformat(result["checkpoint_created_at"])))),
        ("检查点覆盖版本", text(result["checkpointed_version"])),
        ("Merkle 根", text(result["merkle_root"])),
        ("签名公钥标识（key id）", text(result["key_id"])),
    ]
    if result.get("first_invalid_sequence"):
        rows.append(("首个异常事件序号", text(result["first_invalid_sequence"])))
    f.pairs(rows, label_width=40 * mm, hash_rows=("最新哈希（head）", "Merkle 根", "签名公钥标识（key id）"))
    f.add(*(f.p("· " + text(problem), f.s.note) for problem in result.get("problems", [])))
    f.add(Spacer(1, 3 * mm), KeepTogether([
        f.p("离线校验方法", f.s.h2),
        f.p(
            "本卷宗随附 events.jsonl（全部事件的原始存储字节）与 checkpoint.json（Ed25519 签名检查点及本案 Merkle 包含证明）。"
            f"无需服务器与数据库，运行 <font name='{f.s.mono}'>fengqiao verify-dossier &lt;卷宗目录或 zip&gt; "
            "--public-key 公钥.pem</font> 即可重新计算哈希链、验证签名与包含证明；算法见 README.txt。",
        ),
    ]))
