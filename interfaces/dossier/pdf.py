"""dossier.pdf: the case file in Chinese, for people (A4, the CJK font embedded).

Layout rules that keep it readable: every text is a wrapping Paragraph (CJK line breaking), long
free texts (minutes, opinions, feedback, guidance) flow as paragraphs that may cross pages rather
than sitting in table cells (a cell cannot), and the step table shows at most a few lines per step
with the full text under "办理事项全文" when it was cut.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from domain import events as ev
from domain.dispute import competent_body
from domain.values import RemedyKind, Role
from interfaces.dossier import labels as zh
from interfaces.dossier.fonts import register_fonts

if TYPE_CHECKING:
    from application.audit.dossier import CaseRecord, StoredEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = "一二三四五六日"
NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
BACKDATED_SECONDS = 60  # as the API's `backdated`: recorded more than a minute after the act
CELL_LIMIT = 160  # characters of a step's text in the table; the rest under 办理事项全文
PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18 * mm, 20 * mm, 18 * mm
FRAME_W = PAGE_W - 2 * MARGIN_X
GRID = colors.HexColor("#9aa3ad")
SHADE = colors.HexColor("#eef1f4")
ACCENT = colors.HexColor("#1f3a5f")
MUTED = colors.HexColor("#555555")
ALERT = colors.HexColor("#b00020")
OK = colors.HexColor("#1b6e2d")


# --- formatting ------------------------------------------------------------------------------


def local(dt: datetime | None) -> str:
    if dt is None:
        return "—"
    return dt.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def day(d: date | None) -> str:
    if d is None:
        return "—"
    return f"{d.isoformat()}（星期{WEEKDAYS[d.weekday()]}）"


def end_of(d: date) -> str:
    return f"{day(d)} 24:00"


def due_local(dt: datetime) -> str:
    """A deadline instant: midnight in Gaoping is shown as 24:00 of the day before."""
    moment = dt.astimezone(SHANGHAI)
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return end_of(moment.date() - timedelta(days=1))
    return local(dt)


def text(value: Any) -> str:
    """Escaped for reportlab's paragraph markup; line breaks kept."""
    if value is None or value == "":
        return "—"
    return escape(str(value)).replace("\n", "<br/>")


def cut(value: str, limit: int = CELL_LIMIT) -> tuple[str, bool]:
    if len(value) <= limit:
        return value, False
    return value[:limit] + "……", True


class Styles:
    def __init__(self) -> None:
        font, mono = register_fonts()
        base = {"fontName": font, "bulletFontName": font, "wordWrap": "CJK"}
        self.font, self.mono = font, mono
        self.title = ParagraphStyle("title", fontSize=20, leading=28, alignment=TA_CENTER, textColor=ACCENT, **base)
        self.subtitle = ParagraphStyle("subtitle", fontSize=12, leading=18, alignment=TA_CENTER, **base)
        self.h1 = ParagraphStyle("h1", fontSize=13, leading=18, spaceBefore=10, spaceAfter=5, textColor=ACCENT, **base)
        self.h2 = ParagraphStyle("h2", fontSize=10.5, leading=15, spaceBefore=6, spaceAfter=3, **base)
        self.body = ParagraphStyle("body", fontSize=9.5, leading=14.5, **base)
        self.label = ParagraphStyle("label", fontSize=9, leading=13, textColor=MUTED, **base)
        self.cell = ParagraphStyle("cell", fontSize=8.5, leading=12, **base)
        self.head = ParagraphStyle("head", fontSize=8.5, leading=12, textColor=colors.white, **base)
        self.small = ParagraphStyle("small", fontSize=7.5, leading=10.5, textColor=MUTED, spaceBefore=2, **base)
        self.caption = ParagraphStyle("caption", fontSize=8, leading=11.5, textColor=MUTED, spaceBefore=6, spaceAfter=1, **base)
        self.note = ParagraphStyle("note", fontSize=8, leading=11.5, textColor=MUTED, leftIndent=8, **base)
        self.hash = ParagraphStyle("hash", fontName=mono, bulletFontName=mono, fontSize=8, leading=11, wordWrap="CJK")


def _grid(header: bool = True) -> TableStyle:
    commands: list[Any] = [
        ("FONTNAME", (0, 0), (-1, -1), register_fonts()[0]),  # not Helvetica, even for empty cells
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), ACCENT))
    return TableStyle(commands)


class Builder:
    def __init__(self, record: CaseRecord) -> None:
        self.r = record
        self.s = Styles()
        self.flow: list[Any] = []
        self.cut_steps: list[tuple[StoredEvent, str]] = []
        self.sections = 0

    # --- small helpers ----------------------------------------------------------------------

    def unit(self, code: str | None) -> str:
        return zh.unit_name(code, self.r.units)

    def p(self, markup: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(markup, style or self.s.body)

    def heading(self, title: str, room: float = 40 * mm) -> None:
        """A numbered section title (一、二、… over the sections present), on a new page when less
        than `room` is left, so that no title stands alone at the foot of a page."""
        self.sections += 1
        self.flow.append(CondPageBreak(room))
        self.flow.append(self.p(f"{NUMERALS[self.sections - 1]}、{text(title)}", self.s.h1))

    def pairs(self, rows: Iterable[tuple[str, Any]], label_width: float = 34 * mm, hash_rows: Iterable[str] = ()) -> Table:
        """A two-column table of label and value; values wrap."""
        mono = set(hash_rows)
        data = [
            [self.p(text(label), self.s.label), self.p(value, self.s.hash if label in mono else self.s.cell)]
            for label, value in rows
        ]
        table = Table(data, colWidths=[label_width, FRAME_W - label_width])
        style = _grid(header=False)
        style.add("BACKGROUND", (0, 0), (0, -1), SHADE)
        table.setStyle(style)
        return table

    def long_text(self, label: str, value: str | None) -> list[Any]:
        """A free text under its label, flowing across pages if it must (never a lone label)."""
        return [CondPageBreak(22 * mm), self.p(text(label), self.s.h2), self.p(text(value), self.s.body)]

    def derivation(self, lines: Iterable[str], title: str = "推算依据（系统记录原文）") -> list[Any]:
        items = [self.p(text(title), self.s.caption)]
        items += [self.p("· " + text(line), self.s.note) for line in lines]
        return items

    def events(self, *types: type) -> list[StoredEvent]:
        return [e for e in self.r.events if isinstance(e.event, types)]

    # --- the document -----------------------------------------------------------------------

    def build(self) -> list[Any]:
        self.cover()
        self.ledger()
        self.steps()
        self.deadlines()
        self.deliberations()
        self.feedback()
        self.objections()
        self.remedies()
        self.full_texts()
        self.verification()
        return self.flow

    def cover(self) -> None:
        v, party = self.r.view, self.r.party
        self.flow += [
            self.p(text(zh.TITLE), self.s.title),
            self.p(f"案号：{text(v.case_number)}", self.s.subtitle),
            Spacer(1, 4 * mm),
        ]
        actor = self.r.actor
        who = f"{actor.subject}（{zh.named(zh.ROLES, actor.role.value)}{'，' + self.unit(actor.unit) if actor.unit else ''}）"
        shown = "完整显示（本次查看已记入个人信息访问日志）" if party.unmasked else "脱敏显示（导出人角色无权查看完整个人信息）"
        self.flow.append(self.pairs([
            ("当前状态", text(zh.named(zh.STATUSES, v.status))),
            ("事项级别", text(zh.named(zh.LEVELS, v.level) if v.level else "尚未定级")),
            ("受理单位（首办单位）", text(self.unit(v.accepting_unit))),
            ("承办单位", text(self.unit(v.handling_unit))),
            ("事件数 / 版本", text(f"{len(self.r.events)} / {v.version}")),
            ("卷宗生成时间", text(f"{local(self.r.generated_at)}（北京时间，下同）")),
            ("导出人", text(who)),
            ("个人信息", text(shown)),
        ]))

    def ledger(self) -> None:
        v, party = self.r.view, self.r.party
        registered = self.events(ev.DisputeRegistered)[0].event
        self.heading("受理台账")
        other = v.other_party
        other_text = "—"
        if other is not None:
            bits = [other.name]
            if other.kind:
                bits.append(f"类型：{zh.named(zh.OTHER_PARTY_KINDS, other.kind)}")
            if self.r.other_contact:
                bits.append(f"联系方式：{self.r.other_contact}")
            other_text = "；".join(bits)
        insurance = "、".join(zh.named(zh.INSURANCE_TYPES, t) for t in v.insurance_types) or "—"
        accepted = day(v.accepted_on)
        if v.accepted_on != v.received_at.astimezone(SHANGHAI).date():
            accepted += "（非工作日受理，顺延至下一工作日）"
        if v.acceptance_provisional:
            accepted += "（暂定）"
        suggested = self.unit(v.suggested_unit)
        self.flow.append(self.pairs([
            ("缴费人类型", text(zh.named(zh.PAYER_KINDS, party.kind))),
            ("缴费人名称（姓名）", text(party.name)),
            (zh.named(zh.ID_LABELS, party.kind), text(party.id_number)),
            ("联系电话", text(party.phone)),
            ("受理渠道", text(zh.named(zh.CHANNELS, v.channel))),
            ("来电（来访）时间", text(local(v.received_at))),
            ("认定受理日", text(accepted)),
            ("争议对方", text(other_text)),
            ("争议类别", text(zh.category_name(v.category))),
            ("涉及险种", text(insurance)),
            ("涉及人数", text(f"{v.people_involved} 人")),
            ("所属乡镇（街道）", text(zh.township_name(v.township))),
            ("受理单位", text(self.unit(v.accepting_unit))),
            ("外部编号（工单号）", text(v.external_ref)),
            ("建议承办单位", text(suggested)),
            ("登记人", text(f"{registered.actor.subject}（{zh.named(zh.ROLES, registered.actor.role.value)}）"
                             + ("；历史数据导入" if v.imported else ""))),
        ]))
        self.flow += self.long_text("主要诉求（争议内容）", v.summary)
        self.flow += self.derivation(v.acceptance_derivation, "受理日认定依据（系统记录原文）")

    # --- steps ------------------------------------------------------------------------------

    def step_text(self, e: Any) -> str:
        due = self._due_text
        if isinstance(e, ev.DisputeRegistered):
            return (f"登记受理，渠道：{zh.named(zh.CHANNELS, e.channel.value)}；类别：{zh.category_name(e.category.value)}；"
                    f"建议承办单位：{self.unit(e.suggested_unit)}；转交期限：{due(e.transfer_deadline)}（详见受理台账）")
        if isinstance(e, ev.ResolvedOnSpot):
            return f"当场办结并{zh.named(zh.METHODS, e.feedback_method.value)}。处理结果：{e.result}"
        if isinstance(e, ev.DisputeTransferred):
            bits = [f"转交{self.unit(e.to_unit)}办理"]
            if e.routing_override:
                bits.append(f"未采用建议承办单位（{self.unit(e.suggested_unit)}）")
            bits.append(f"办理期限：{due(e.handling_deadline)}")
            if e.note:
                bits.append(f"说明：{e.note}")
            return "；".join(bits)
        if isinstance(e, ev.TransferSignedFor):
            return f"{self.unit(e.unit)}签收"
        if isinstance(e, ev.DisputeReturned):
            return f"{self.unit(e.from_unit)}退回，理由：{e.reason}"
        if isinstance(e, ev.ProgressRecorded):
            return e.note
        if isinstance(e, ev.HandlingConcluded):
            return f"{self.unit(e.unit)}办结，方式：{zh.named(zh.OUTCOMES, e.outcome.value)}；结果：{e.result}"
        if isinstance(e, ev.DisputeEscalated):
            return f"{self.unit(e.from_unit)}提请工作专班研判，理由：{e.reason}；集体商议期限：{due(e.deliberation_deadline)}"
        if isinstance(e, ev.DeliberationHeld):
            return (f"会议时间：{local(e.held_at)}；参会 {len(e.attendees)} 人；执行单位：{self.unit(e.executing_unit)}"
                    "（会议纪要与书面处理意见见“集体商议”）")
        if isinstance(e, ev.FeedbackGiven):
            return f"向{zh.named(zh.PARTIES, e.party.value)}{zh.named(zh.METHODS, e.method.value)}：{e.content}"
        if isinstance(e, ev.ObjectionRaised):
            return f"{zh.named(zh.PARTIES, e.party.value)}提出异议：{e.content}"
        if isinstance(e, ev.RemedyGuidanceGiven):
            return (f"指导申请{zh.named(zh.REMEDIES, e.remedy.value)}，有权机关：{e.competent_body}；"
                    f"复议最后一日 {day(e.reconsideration_window.last_day)}，诉讼最后一日 {day(e.litigation_window.last_day)}"
                    "（详见“救济途径指导”）")
        if isinstance(e, ev.DisputeArchived):
            return "案卷归档"
        if isinstance(e, ev.RiskFlagged):
            bits = [f"风险类型：{e.kind}", f"等级：{zh.named(zh.RISK_LEVELS, e.level.value)}", f"涉及 {e.people_involved} 人"]
            if e.notified_units:
                bits.append("已通知：" + "、".join(self.unit(u) for u in e.notified_units))
            if e.note:
                bits.append(e.note)
            return "；".join(bits)
        if isinstance(e, ev.SupervisionNoticeIssued):
            return f"督办{self.unit(e.unit)}：{e.content}"
        if isinstance(e, ev.SatisfactionRecorded):
            verdict = "满意" if e.satisfied else "不满意"
            return f"回访{zh.named(zh.PARTIES, e.party.value)}：{verdict}" + (f"；{e.note}" if e.note else "")
        if isinstance(e, ev.DeadlineMissed):
            return f"{zh.named(zh.DEADLINES, e.kind.value)}已于 {due_local(e.due_at)} 届满而未完成"
        if isinstance(e, ev.DeadlinesRecomputed):
            parts = [f"{zh.named(zh.DEADLINES, d.kind.value)}改为 {due(d.deadline)}" for d in e.deadlines]
            if e.acceptance is not None:
                parts.insert(0, f"认定受理日改为 {day(e.acceptance.accepted_on)}")
            return f"载入节假日安排（{e.calendar_version}）后重新计算：" + "；".join(parts or ["无变化"])
        return type(e).__name__

    @staticmethod
    def _due_text(deadline: Any) -> str:
        return end_of(deadline.due_on) + ("（暂定）" if deadline.provisional else "")

    def steps(self) -> None:
        self.heading("办理过程")
        s = self.s
        self.flow.append(self.p(
            "时间为北京时间。“办理”为事项发生时间，“录入”为系统记录时间；录入晚于办理 1 分钟以上的标注“补录”。", s.small))
        self.flow.append(Spacer(1, 2 * mm))
        header = [self.p(h, s.head) for h in ("序号", "时间", "事项", "办理人", "单位", "内容")]
        rows: list[list[Any]] = [header]
        backdated_rows: list[int] = []
        for item in self.r.events:
            e = item.event
            # A person's act recorded later; the scheduler's records of a passed deadline are not acts.
            backdated = e.actor.role != Role.SYSTEM and (e.timestamp - e.at).total_seconds() > BACKDATED_SECONDS
            when = f"办理 {local(e.at)}<br/><font color='#555555'>录入 {local(e.timestamp)}</font>"
            if backdated:
                when += "<br/><font color='#b00020'>【补录】</font>"
                backdated_rows.append(len(rows))
            content, was_cut = cut(self.step_text(e))
            if was_cut:
                self.cut_steps.append((item, self.step_text(e)))
                content_markup = text(content) + f"<font color='#555555'>（全文见“办理事项全文”第 {item.sequence} 项）</font>"
            else:
                content_markup = text(content)
            actor = e.actor
            rows.append([
                self.p(str(item.sequence), s.cell),
                self.p(when, s.cell),
                self.p(text(zh.named(zh.EVENTS, item.type)), s.cell),
                self.p(f"{text(actor.subject)}<br/><font color='#555555'>{text(zh.named(zh.ROLES, actor.role.value))}</font>", s.cell),
                self.p(text(self.unit(actor.unit) if actor.unit else "—"), s.cell),
                self.p(content_markup, s.cell),
            ])
        widths = [9 * mm, 37 * mm, 21 * mm, 26 * mm, 25 * mm]
        widths.append(FRAME_W - sum(widths))
        table = Table(rows, colWidths=widths, repeatRows=1)
        style = _grid()
        for index in range(1, len(rows)):
            if index % 2 == 0:
                style.add("BACKGROUND", (0, index), (-1, index), colors.HexColor("#f7f8fa"))
        table.setStyle(style)
        self.flow.append(table)

    # --- deadlines --------------------------------------------------------------------------

    def deadlines(self) -> None:
        self.heading("办理期限")
        s, now = self.s, self.r.generated_at
        order = {"transfer": 0, "handling": 1, "deliberation": 2}
        deadlines = sorted(self.r.view.deadlines, key=lambda d: order.get(d.kind, 9))
        if not deadlines:
            self.flow.append(self.p("无。", s.body))
            return
        header = [self.p(h, s.head) for h in ("期限", "责任单位", "截止时间", "完成时间", "是否超期")]
        rows: list[list[Any]] = [header]
        for d in deadlines:
            if d.met_at is not None:
                verdict = ("<font color='#b00020'>是（超期完成）</font>" if d.met_at > d.due_at
                           else "<font color='#1b6e2d'>否（按期完成）</font>")
            elif now > d.due_at:
                verdict = "<font color='#b00020'>是（已超期，尚未完成）</font>"
            else:
                verdict = "否（尚未到期）"
            due = end_of(d.due_on) + ("（暂定）" if d.provisional else "")
            rows.append([
                self.p(text(zh.named(zh.DEADLINES, d.kind)), s.cell),
                self.p(text(self.unit(d.unit)), s.cell),
                self.p(text(due), s.cell),
                self.p(text(local(d.met_at) if d.met_at else "尚未完成"), s.cell),
                self.p(verdict, s.cell),
            ])
        widths = [48 * mm, 30 * mm, 36 * mm, 28 * mm]
        widths.append(FRAME_W - sum(widths))
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(_grid())
        self.flow.append(table)
        self.flow.append(Spacer(1, 1.5 * mm))
        self.flow.append(self.p(f"超期判断截至卷宗生成时间 {local(now)}。", s.small))
        for d in deadlines:
            self.flow += self.derivation(d.derivation, f"{zh.named(zh.DEADLINES, d.kind)}推算依据（系统记录原文）")

    # --- sections of the later steps --------------------------------------------------------

    def deliberations(self) -> None:
        held = self.events(ev.DeliberationHeld)
        escalated = self.events(ev.DisputeEscalated)
        if not held and not escalated:
            return
        self.heading("提请研判与集体商议")
        for item in escalated:
            e = item.event
            self.flow.append(self.pairs([
                ("提请单位", text(self.unit(e.from_unit))),
                ("提请时间", text(local(e.at))),
                ("提请人", text(f"{e.actor.subject}（{zh.named(zh.ROLES, e.actor.role.value)}）")),
            ]))
            self.flow += self.long_text("提请理由", e.reason)
            self.flow.append(Spacer(1, 2 * mm))
        for number, item in enumerate(held, start=1):
            e = item.event
            attendees = "；".join(f"{self.unit(a.unit)} {a.name}" for a in e.attendees)
            if len(held) > 1:
                self.flow.append(self.p(f"第 {number} 次集体商议", self.s.h2))
            self.flow.append(CondPageBreak(45 * mm))  # keep the meeting's table in one piece
            self.flow.append(self.pairs([
                ("会议时间", text(local(e.held_at))),
                ("参会人数", text(f"{len(e.attendees)} 人")),
                ("执行单位", text(self.unit(e.executing_unit))),
                ("记录人", text(f"{e.actor.subject}（{zh.named(zh.ROLES, e.actor.role.value)}）")),
            ]))
            self.flow += self.long_text("参会人员", attendees)
            self.flow += self.long_text("会议纪要", e.minutes)
            self.flow += self.long_text("书面处理意见", e.written_opinion)

    def feedback(self) -> None:
        items = self.events(ev.ResolvedOnSpot, ev.FeedbackGiven)
        if not items:
            return
        self.heading("结果反馈")
        for item in items:
            e = item.event
            if isinstance(e, ev.ResolvedOnSpot):
                title = f"当场办结并{zh.named(zh.METHODS, e.feedback_method.value)}缴费人（{local(e.at)}）"
                body = e.result
            else:
                title = f"向{zh.named(zh.PARTIES, e.party.value)}{zh.named(zh.METHODS, e.method.value)}（{local(e.at)}，{self.unit(e.actor.unit)}）"
                body = e.content
            self.flow += self.long_text(title, body)

    def objections(self) -> None:
        items = self.events(ev.ObjectionRaised)
        if not items:
            return
        self.heading("异议")
        for item in items:
            e = item.event
            self.flow += self.long_text(f"{zh.named(zh.PARTIES, e.party.value)}提出异议（{local(e.at)}）", e.content)

    def remedies(self) -> None:
        items = self.events(ev.RemedyGuidanceGiven)
        if not items:
            return
        self.heading("救济途径指导", 80 * mm)
        for number, item in enumerate(items):
            e: ev.RemedyGuidanceGiven = item.event
            recon_body = e.competent_body if e.remedy == RemedyKind.RECONSIDERATION else competent_body(RemedyKind.RECONSIDERATION, e.acting_unit)
            court = e.competent_body if e.remedy == RemedyKind.LITIGATION else competent_body(RemedyKind.LITIGATION, e.acting_unit)
            litigation_rule = ("收到复议决定书之日起15日内（《行政诉讼法》第四十五条）" if e.reconsideration_decided_on
                               else "知道作出行政行为之日起6个月内（《行政诉讼法》第四十六条）")
            rows = [
                ("指导途径", text(zh.named(zh.REMEDIES, e.remedy.value))),
                ("指导时间 / 指导人", text(f"{local(e.at)} / {e.actor.subject}（{zh.named(zh.ROLES, e.actor.role.value)}）")),
                ("作出行政行为的单位", text(self.unit(e.acting_unit))),
                ("知道行政行为之日", text(day(e.act_known_on))),
            ]
            if e.reconsideration_decided_on:
                rows.append(("收到复议决定之日", text(day(e.reconsideration_decided_on))))
            rows += [
                ("行政复议期限", text(f"知道行政行为之日起60日内（《行政复议法》第二十条）；最后一日：{end_of(e.reconsideration_window.last_day)}"
                                    + ("（暂定）" if e.reconsideration_window.provisional else ""))),
                ("行政复议机关", text(recon_body)),
                ("行政诉讼期限", text(f"{litigation_rule}；最后一日：{end_of(e.litigation_window.last_day)}"
                                    + ("（暂定）" if e.litigation_window.provisional else ""))),
                ("管辖法院", text(court)),
            ]
            if number:
                self.flow.append(CondPageBreak(70 * mm))  # keep the windows' table in one piece
            self.flow.append(self.pairs(rows, label_width=36 * mm))
            self.flow += self.long_text("指导内容", e.content)
            self.flow += self.derivation(e.reconsideration_window.derivation, "行政复议期限推算依据（系统记录原文）")
            self.flow += self.derivation(e.litigation_window.derivation, "行政诉讼期限推算依据（系统记录原文）")

    def full_texts(self) -> None:
        if not self.cut_steps:
            return
        self.heading("办理事项全文")
        for item, full in self.cut_steps:
            self.flow += self.long_text(f"第 {item.sequence} 项　{zh.named(zh.EVENTS, item.type)}（{local(item.event.at)}）", full)

    def verification(self) -> None:
        v = self.r.verification
        self.heading("完整性校验", 85 * mm)
        verdict = ("<font color='#1b6e2d'>有效：事件记录完整，未被改动，与签名检查点一致</font>" if v["valid"]
                   else "<font color='#b00020'>无效：发现问题，见下</font>")
        rows = [
            ("校验结论", verdict),
            ("事件数", text(v["events"])),
            ("最新哈希（head）", text(v["head_hash"])),
            ("检查点序号", text(v["checkpoint_sequence"])),
            ("检查点签署时间", text(local(datetime.fromisoformat(v["checkpoint_created_at"])))),
            ("检查点覆盖版本", text(v["checkpointed_version"])),
            ("Merkle 根", text(v["merkle_root"])),
            ("签名公钥标识（key id）", text(v["key_id"])),
        ]
        if v.get("first_invalid_sequence"):
            rows.append(("首个异常事件序号", text(v["first_invalid_sequence"])))
        self.flow.append(self.pairs(rows, label_width=40 * mm, hash_rows=("最新哈希（head）", "Merkle 根", "签名公钥标识（key id）")))
        for problem in v.get("problems", []):
            self.flow.append(self.p("· " + text(problem), self.s.note))
        self.flow.append(Spacer(1, 3 * mm))
        self.flow.append(KeepTogether([
            self.p("离线校验方法", self.s.h2),
            self.p(
                "本卷宗随附 events.jsonl（全部事件的原始存储字节）与 checkpoint.json（Ed25519 签名检查点及本案 Merkle 包含证明）。"
                f"无需服务器与数据库，运行 <font name='{self.s.mono}'>fengqiao verify-dossier &lt;卷宗目录或 zip&gt; "
                "--public-key 公钥.pem</font> 即可重新计算哈希链、验证签名与包含证明；算法见 README.txt。",
                self.s.body,
            ),
        ]))


class _NumberedCanvas(Canvas):
    """Writes "第 n 页 共 N 页" once the page count is known."""

    case_number = ""
    font = "Helvetica"
    generated = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not kwargs.get("initialFontName"):
            kwargs["initialFontName"] = self.font  # no unembedded base font in the file
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        self.saveState()
        self.setFont(self.font, 8)
        self.setFillColor(MUTED)
        self.setStrokeColor(GRID)
        self.setLineWidth(0.4)
        top = PAGE_H - MARGIN_TOP + 6 * mm
        self.line(MARGIN_X, top - 1.5 * mm, PAGE_W - MARGIN_X, top - 1.5 * mm)
        self.drawString(MARGIN_X, top, f"{zh.TITLE}　{self.case_number}")
        self.drawRightString(PAGE_W - MARGIN_X, top, f"生成于 {self.generated}")
        bottom = MARGIN_BOTTOM - 8 * mm
        self.drawCentredString(PAGE_W / 2, bottom, f"第 {self._pageNumber} 页　共 {total} 页")
        self.restoreState()


def render_pdf(record: CaseRecord) -> bytes:
    builder = Builder(record)
    flow = builder.build()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{zh.TITLE} {record.case_number}",
        author="枫桥 Fengqiao",
        subject="社会保险费征缴争议电子卷宗",
        creator="fengqiao dossier",
    )
    canvas_class = type(
        "DossierCanvas",
        (_NumberedCanvas,),
        {"case_number": record.case_number, "font": builder.s.font, "generated": local(record.generated_at)},
    )
    doc.build(flow, canvasmaker=canvas_class)
    return buffer.getvalue()
