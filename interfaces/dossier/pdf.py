"""dossier.pdf: the case file in Chinese, for people (A4, the CJK font embedded).

Every code is named by domain.vocabulary and every stored derivation is said in Chinese. The
step table shows at most a few lines per step, with the full text under "办理事项全文" when it
was cut; the page, its styles and helpers are in layout.py, the later sections in sections.py.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate, Spacer

from domain import events as ev
from domain import vocabulary as v
from domain.values import Role
from interfaces.dossier import sections
from interfaces.dossier.layout import (
    GRID,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    MUTED,
    NONE,
    PAGE_H,
    PAGE_W,
    PROVISIONAL,
    SHANGHAI,
    STRIPE,
    TITLE,
    Flow,
    coloured,
    day,
    grid,
    local,
    text,
)
from interfaces.dossier.steps import step_text

if TYPE_CHECKING:
    from application.audit.dossier import CaseRecord, StoredEvent

BACKDATED_SECONDS = 60  # as the API's `backdated`: recorded more than a minute after the act
CELL_LIMIT = 160  # characters of a step's text in the table; the rest under 办理事项全文
GREY = "#555555"


def cut(value: str, limit: int = CELL_LIMIT) -> tuple[str, bool]:
    if len(value) <= limit:
        return value, False
    return value[:limit] + "……", True


class Builder:
    def __init__(self, record: CaseRecord) -> None:
        self.r = record
        self.f = Flow(record.units)
        self.cut_steps: list[tuple[StoredEvent, str]] = []

    def events(self, *types: type) -> list[Any]:
        """The domain events of these types, in the order they were recorded."""
        return [e.event for e in self.r.events if isinstance(e.event, types)]

    def build(self) -> list[Any]:
        f, r = self.f, self.r
        self.cover()
        self.ledger()
        self.steps()
        sections.deadlines(f, r.view.deadlines, r.generated_at)
        sections.deliberations(f, self.events(ev.DisputeEscalated), self.events(ev.DeliberationHeld))
        sections.feedback(f, self.events(ev.ResolvedOnSpot, ev.FeedbackGiven))
        sections.objections(f, self.events(ev.ObjectionRaised))
        sections.remedies(f, self.events(ev.RemedyGuidanceGiven))
        self.full_texts()
        sections.verification(f, r.verification)
        return f.items

    def cover(self) -> None:
        f, view, party = self.f, self.r.view, self.r.party
        f.add(f.p(text(TITLE), f.s.title), f.p(f"案号：{text(view.case_number)}", f.s.subtitle), Spacer(1, 4 * mm))
        shown = "完整显示（本次查看已记入个人信息访问日志）" if party.unmasked else "脱敏显示（导出人角色无权查看完整个人信息）"
        f.pairs([
            ("当前状态", text(v.STATUS.name(view.status))),
            ("事项级别", text(v.LEVEL.name(view.level) if view.level else "尚未定级")),
            ("受理单位（首办单位）", text(f.unit(view.accepting_unit))),
            ("承办单位", text(f.unit(view.handling_unit))),
            ("事件数 / 版本", text(f"{len(self.r.events)} / {view.version}")),
            ("卷宗生成时间", text(f"{local(self.r.generated_at)}（北京时间，下同）")),
            ("导出人", text(f.who(self.r.actor, with_unit=True))),
            ("个人信息", text(shown)),
        ])

    def _other_party(self) -> str:
        other = self.r.other
        if other is None:
            return NONE
        bits = [other.name]
        if other.kind:
            bits.append(f"类型：{v.OTHER_PARTY_KIND.name(other.kind)}")
        if other.contact:
            bits.append(f"联系方式：{other.contact}")
        return "；".join(bits)

    def ledger(self) -> None:
        f, view, party = self.f, self.r.view, self.r.party
        registered = self.events(ev.DisputeRegistered)[0]
        f.heading("受理台账")
        accepted = day(view.accepted_on)
        if view.accepted_on != view.received_at.astimezone(SHANGHAI).date():
            accepted += "（非工作日受理，顺延至下一工作日）"
        if view.acceptance_provisional:
            accepted += PROVISIONAL
        f.pairs([
            ("缴费人类型", text(v.PAYER_KIND.name(party.kind))),
            ("缴费人名称（姓名）", text(party.name)),
            (v.ID_DOCUMENT.name(party.kind), text(party.id_number)),
            ("联系电话", text(party.phone)),
            ("受理渠道", text(v.CHANNEL.name(view.channel))),
            ("来电（来访）时间", text(local(view.received_at))),
            ("认定受理日", text(accepted)),
            ("争议对方", text(self._other_party())),
            ("争议类别", text(v.CATEGORY.name(view.category))),
            ("涉及险种", text("、".join(v.INSURANCE.name(t) for t in view.insurance_types) or NONE)),
            ("涉及人数", text(f"{view.people_involved} 人")),
            ("所属乡镇（街道）", text(v.TOWNSHIP.name(view.township) if view.township else NONE)),
            ("受理单位", text(f.unit(view.accepting_unit))),
            ("外部编号（工单号）", text(view.external_ref)),
            ("建议承办单位", text(f.unit(view.suggested_unit))),
            ("登记人", text(f.who(registered.actor) + ("；历史数据导入" if view.imported else ""))),
        ])
        f.long_text("主要诉求（争议内容）", view.summary)
        f.derivation(view.acceptance_derivation, "受理日认定依据")

    def _step_row(self, item: StoredEvent) -> list[Any]:
        f, e = self.f, item.event
        when = f"办理 {local(e.at)}<br/>{coloured(GREY, '录入 ' + local(e.timestamp))}"
        # A person's act recorded later; the scheduler's records of a passed deadline are not acts.
        if e.actor.role != Role.SYSTEM and (e.timestamp - e.at).total_seconds() > BACKDATED_SECONDS:
            when += "<br/>" + coloured("#b00020", "【补录】")
        full = step_text(e, f.unit)
        content, was_cut = cut(full)
        markup = text(content)
        if was_cut:
            self.cut_steps.append((item, full))
            markup += coloured(GREY, f"（全文见“办理事项全文”第 {item.sequence} 项）")
        return [
            f.p(str(item.sequence), f.s.cell),
            f.p(when, f.s.cell),
            f.p(text(v.EVENT.name(item.type)), f.s.cell),
            f.p(f"{text(e.actor.subject)}<br/>{coloured(GREY, text(v.ROLE.name(e.actor.role.value)))}", f.s.cell),
            f.p(text(f.unit(e.actor.unit)), f.s.cell),
            f.p(markup, f.s.cell),
        ]

    def steps(self) -> None:
        f = self.f
        f.heading("办理过程")
        f.add(f.p("时间为北京时间。“办理”为事项发生时间，“录入”为系统记录时间；录入晚于办理 1 分钟以上的标注“补录”。",
                  f.s.small), Spacer(1, 2 * mm))
        rows: list[list[Any]] = [f.header("序号", "时间", "事项", "办理人", "单位", "内容")]
        rows += [self._step_row(item) for item in self.r.events]
        style = grid()
        for index in range(2, len(rows), 2):
            style.add("BACKGROUND", (0, index), (-1, index), STRIPE)
        f.table(rows, [9 * mm, 37 * mm, 21 * mm, 26 * mm, 25 * mm], style)

    def full_texts(self) -> None:
        if not self.cut_steps:
            return
        self.f.heading("办理事项全文")
        for item, full in self.cut_steps:
            self.f.long_text(f"第 {item.sequence} 项　{v.EVENT.name(item.type)}（{local(item.event.at)}）", full)


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no type hints
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
        self.drawString(MARGIN_X, top, f"{TITLE}　{self.case_number}")
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
        title=f"{TITLE} {record.case_number}",
        author="枫桥 Fengqiao",
        subject="社会保险费征缴争议电子卷宗",
        creator="fengqiao dossier",
    )
    canvas_class = type(
        "DossierCanvas",
        (_NumberedCanvas,),
        {"case_number": record.case_number, "font": builder.f.s.font, "generated": local(record.generated_at)},
    )
    doc.build(flow, canvasmaker=canvas_class)
    return buffer.getvalue()
