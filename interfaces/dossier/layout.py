"""The dossier PDF's page: A4 geometry, colours, paragraph styles, the way days and times are
written, and `Flow`, the list of flowables a section appends to with a few small helpers.

Every text is a wrapping Paragraph (CJK line breaking); long free texts flow as paragraphs that
may cross pages rather than sitting in table cells (a cell cannot).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Paragraph, Table, TableStyle

from domain import vocabulary as v
from domain.derivations import derivation
from domain.values import Actor
from interfaces.dossier.fonts import register_fonts

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = "一二三四五六日"
NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
TITLE = "社会保险费征缴争议案卷"
NONE = "—"
PROVISIONAL = "（暂定）"
PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18 * mm, 20 * mm, 18 * mm
FRAME_W = PAGE_W - 2 * MARGIN_X
GRID = colors.HexColor("#9aa3ad")
SHADE = colors.HexColor("#eef1f4")
STRIPE = colors.HexColor("#f7f8fa")
ACCENT = colors.HexColor("#1f3a5f")
MUTED = colors.HexColor("#555555")


# --- formatting ------------------------------------------------------------------------------


def local(dt: datetime | None) -> str:
    if dt is None:
        return NONE
    return dt.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def day(d: date | None) -> str:
    if d is None:
        return NONE
    return f"{d.isoformat()}（星期{WEEKDAYS[d.weekday()]}）"


def end_of(d: date) -> str:
    return f"{day(d)} 24:00"


def due_local(dt: datetime) -> str:
    """A deadline instant: midnight in Gaoping is shown as 24:00 of the day before."""
    moment = dt.astimezone(SHANGHAI)
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return end_of(moment.date() - timedelta(days=1))
    return local(dt)


def due_text(due_on: date, provisional: bool) -> str:
    return end_of(due_on) + (PROVISIONAL if provisional else "")


def text(value: Any) -> str:
    """Escaped for reportlab's paragraph markup; line breaks kept."""
    if value is None or value == "":
        return NONE
    return escape(str(value)).replace("\n", "<br/>")


def coloured(colour: str, markup: str) -> str:
    return f"<font color='{colour}'>{markup}</font>"


def deadline_name(kind: str) -> str:
    """转交期限（受理后1个工作日内）: the deadline's name with the notice's rule."""
    rule = v.DEADLINE_RULE.get(kind)
    return v.DEADLINE_KIND.name(kind) + (f"（{rule.zh}）" if rule else "")


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


def grid(header: bool = True) -> TableStyle:
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


class Flow:
    """The document's flowables, appended section by section, and the helpers sections share."""

    def __init__(self, units: Mapping[str, str]) -> None:
        self.s = Styles()
        self.items: list[Any] = []
        self.units = units
        self.sections = 0

    def add(self, *items: Any) -> None:
        self.items.extend(items)

    def unit(self, code: str | None) -> str:
        return v.unit_name(code, v.ZH, self.units) if code else NONE

    def who(self, actor: Actor, *, with_unit: bool = False) -> str:
        """subject（role）, or subject（role，unit）."""
        unit = f"，{self.unit(actor.unit)}" if with_unit and actor.unit else ""
        return f"{actor.subject}（{v.ROLE.name(actor.role.value)}{unit}）"

    def p(self, markup: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(markup, style or self.s.body)

    def heading(self, title: str, room: float = 40 * mm) -> None:
        """A numbered section title (一、二、… over the sections present), on a new page when less
        than `room` is left, so that no title stands alone at the foot of a page."""
        self.sections += 1
        self.add(CondPageBreak(room), self.p(f"{NUMERALS[self.sections - 1]}、{text(title)}", self.s.h1))

    def table(self, rows: list[list[Any]], widths: list[float], style: TableStyle | None = None) -> None:
        """A table whose last column takes what the others leave of the frame's width."""
        table = Table(rows, colWidths=[*widths, FRAME_W - sum(widths)], repeatRows=1)
        table.setStyle(style or grid())
        self.add(table)

    def header(self, *titles: str) -> list[Any]:
        return [self.p(title, self.s.head) for title in titles]

    def pairs(self, rows: Iterable[tuple[str, Any]], label_width: float = 34 * mm, hash_rows: Iterable[str] = ()) -> None:
        """A two-column table of label and value; values wrap."""
        mono = set(hash_rows)
        data = [
            [self.p(text(label), self.s.label), self.p(value, self.s.hash if label in mono else self.s.cell)]
            for label, value in rows
        ]
        table = Table(data, colWidths=[label_width, FRAME_W - label_width])
        style = grid(header=False)
        style.add("BACKGROUND", (0, 0), (0, -1), SHADE)
        table.setStyle(style)
        self.add(table)

    def long_text(self, label: str, value: str | None) -> None:
        """A free text under its label, flowing across pages if it must (never a lone label)."""
        self.add(CondPageBreak(22 * mm), self.p(text(label), self.s.h2), self.p(text(value), self.s.body))

    def derivation(self, lines: Iterable[str], title: str) -> None:
        """How a date was derived, each stored line said in Chinese."""
        self.add(self.p(text(title), self.s.caption))
        self.add(*(self.p("· " + text(line), self.s.note) for line in derivation(lines)))
