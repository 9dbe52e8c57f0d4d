"""The intake ledger (台账): export the cases of a period to a spreadsheet, and import historical
cases kept in the same form.

Export: one row per case received in the period (Asia/Shanghai dates, inclusive), Chinese headers
in the order of `COLUMNS`, coded values shown by their Chinese names. Personal data follows the
exporting role: `legal` sees it whole (each case's whole view goes to the access log with the reason
"ledger export"), `auditor` and `taskforce` get the masked forms. xlsx (openpyxl) or CSV (UTF-8
with BOM, so Excel opens it as Unicode).

Import: every row is validated first (required fields, enum values by Chinese name or code, ID
check characters, phone, date-times, township, units); one bad row means nothing is recorded.
Then each row becomes a new case through `Fengqiao.import_case` (DisputeRegistered dated at the
received time and marked `imported`), followed, where the ledger says the case was settled, by
the acts that got it there, each dated no earlier than the one before:

- 已受理: nothing more.
- 已转交 with 承办单位: transfer at the received time (the ledger keeps no transfer time; the
  transfer note says so).
- 已办结 / 已反馈 / 已归档 with 承办单位, 处理结果类别, 处理结果, 办结时间: transfer at the received
  time, conclude by the handling unit at 办结时间, then feedback to the payer and archive at
  办结时间 as the status requires.
- 已反馈 / 已归档 settled on the spot (处理结果类别 当场化解, or no 承办单位 and no 处理结果类别):
  resolve on the spot at 办结时间, then archive.
- anything else (已提请专班研判, 已集体商议, 有异议, or a settled status lacking the facts above):
  registered only, as 已受理, with a note in the report.

Every row's commands carry idempotency keys derived from the row's content, scoped to the
importing actor, so importing the same rows again replays the first answers instead of recording
new cases. Once those keys have expired, a row whose case is already in the store (same payer ID,
received time, accepting unit, channel, category and summary) is reported as existing and skipped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from application import commands as cmd
from application.disputes import Fengqiao, IdempotencyKey, idempotency_scope
from application.errors import DomainError
from domain import identifiers as ids
from domain.calendar import SHANGHAI
from domain.values import (
    CATEGORY_NAMES_ZH,
    TOWNSHIPS,
    Actor,
    Category,
    Channel,
    FeedbackMethod,
    InsuranceType,
    Outcome,
    PartyRole,
    PayerKind,
    Role,
    Status,
    parse_township,
)
from projections.case_view import CaseView
from projections.queries import MAX_PAGE, CaseFilter, Reach, list_cases, period_bounds

__all__ = [
    "COLUMNS",
    "EXPORT_ROLES",
    "IMPORT_SUBJECT",
    "LedgerError",
    "export_ledger",
    "import_ledger",
    "read_table",
]

# --- the columns ------------------------------------------------------------------------------

H_NUMBER = "案件编号"
H_CHANNEL = "受理渠道"
H_RECEIVED = "来访/来电时间"
H_ACCEPTED_ON = "受理日期"
H_UNIT = "受理单位"
H_KIND = "缴费人类型"
H_NAME = "缴费人名称/姓名"
H_ID = "身份证号/统一社会信用代码"
H_PHONE = "联系电话"
H_CATEGORY = "争议类别"
H_INSURANCE = "涉及险种"
H_PEOPLE = "涉及人数"
H_TOWNSHIP = "乡镇(街道)"
H_EXTERNAL = "外部工单号"
H_SUMMARY = "反映的主要内容"
H_HANDLING = "承办单位"
H_STATUS = "当前状态"
H_OUTCOME = "处理结果类别"
H_RESULT = "处理结果"
H_SETTLED = "办结时间"
H_OVERDUE = "是否超期"
H_IMPORTED = "是否导入"

COLUMNS: tuple[str, ...] = (
    H_NUMBER, H_CHANNEL, H_RECEIVED, H_ACCEPTED_ON, H_UNIT, H_KIND, H_NAME, H_ID, H_PHONE, H_CATEGORY,
    H_INSURANCE, H_PEOPLE, H_TOWNSHIP, H_EXTERNAL, H_SUMMARY, H_HANDLING, H_STATUS, H_OUTCOME, H_RESULT,
    H_SETTLED, H_OVERDUE, H_IMPORTED,
)  # fmt: skip
# Needed on import (受理单位 too, unless --unit gives it). 受理日期, 是否超期 and 是否导入 are derived
# by the system and ignored on import.
REQUIRED: tuple[str, ...] = (H_CHANNEL, H_RECEIVED, H_KIND, H_NAME, H_ID, H_PHONE, H_CATEGORY, H_SUMMARY)
TEXT_COLUMNS = frozenset({H_NUMBER, H_ID, H_PHONE, H_EXTERNAL})  # kept as text, never as numbers
TIME_COLUMNS = frozenset({H_RECEIVED, H_SETTLED})

EXPORT_ROLES = frozenset({Role.LEGAL, Role.AUDITOR, Role.TASKFORCE})
EXPORT_REASON = "ledger export"
PARTY_FIELDS = ["name", "idNumber", "phone"]
IMPORT_SUBJECT = "ledger-import"
YES, NO = "是", "否"

# --- codes and their Chinese names (export writes the first; import reads names, codes, aliases) -

CHANNEL_ZH: dict[Channel, str] = {
    Channel.HOTLINE_12345: "12345热线",
    Channel.HOTLINE_12333: "12333热线",
    Channel.HOTLINE_12366: "12366热线",
    Channel.DEPARTMENT_PHONE: "部门公开电话",
    Channel.SERVICE_WINDOW: "服务大厅窗口",
    Channel.PETITION_TRANSFER: "信访转办",
    Channel.TOWNSHIP_POINT: "乡镇(街道)受理点",
}
PAYER_KIND_ZH: dict[PayerKind, str] = {PayerKind.INDIVIDUAL: "个人", PayerKind.EMPLOYER: "用人单位"}
INSURANCE_ZH: dict[InsuranceType, str] = {
    InsuranceType.PENSION: "养老",
    InsuranceType.MEDICAL: "医疗",
    InsuranceType.UNEMPLOYMENT: "失业",
    InsuranceType.WORK_INJURY: "工伤",
    InsuranceType.MATERNITY: "生育",
}
STATUS_ZH: dict[Status, str] = {
    Status.ACCEPTED: "已受理",
    Status.TRANSFERRED: "已转交",
    Status.ESCALATED: "已提请专班研判",
    Status.DELIBERATED: "已集体商议",
    Status.CONCLUDED: "已办结",
    Status.FEEDBACK_GIVEN: "已反馈",
    Status.OBJECTED: "有异议",
    Status.ARCHIVED: "已归档",
}
OUTCOME_ZH: dict[Outcome, str] = {
    Outcome.EXPLAINED: "政策解释",
    Outcome.CORRECTED: "更正处理",
    Outcome.REFUNDED: "退费",
    Outcome.MEDIATED: "调解",
    Outcome.NOT_SUPPORTED: "不予支持",
    Outcome.REFERRED: "转介其他途径",
}
ON_SPOT = "当场化解"  # 处理结果类别 of a simple case settled by the clerk (it has no Outcome code)

_CHANNEL_ALIASES = {
    "12345": Channel.HOTLINE_12345, "12345政务服务便民热线": Channel.HOTLINE_12345,
    "12333": Channel.HOTLINE_12333, "12333人社服务热线": Channel.HOTLINE_12333,
    "12366": Channel.HOTLINE_12366, "12366纳税缴费服务热线": Channel.HOTLINE_12366,
    "部门电话": Channel.DEPARTMENT_PHONE, "公开电话": Channel.DEPARTMENT_PHONE, "部门公开电话": Channel.DEPARTMENT_PHONE,
    "窗口": Channel.SERVICE_WINDOW, "窗口受理": Channel.SERVICE_WINDOW, "服务窗口": Channel.SERVICE_WINDOW,
    "信访": Channel.PETITION_TRANSFER, "举报": Channel.PETITION_TRANSFER, "信访转办(含举报)": Channel.PETITION_TRANSFER,
    "乡镇受理点": Channel.TOWNSHIP_POINT, "街道受理点": Channel.TOWNSHIP_POINT, "乡镇(街道)": Channel.TOWNSHIP_POINT,
}  # fmt: skip
_KIND_ALIASES = {"自然人": PayerKind.INDIVIDUAL, "单位": PayerKind.EMPLOYER, "企业": PayerKind.EMPLOYER}
_STATUS_ALIASES = {
    "受理": Status.ACCEPTED, "待转交": Status.ACCEPTED, "转交": Status.TRANSFERRED, "转办": Status.TRANSFERRED,
    "已转办": Status.TRANSFERRED, "提请研判": Status.ESCALATED, "已提请研判": Status.ESCALATED,
    "集体商议": Status.DELIBERATED, "办结": Status.CONCLUDED, "反馈": Status.FEEDBACK_GIVEN,
    "异议": Status.OBJECTED, "已提出异议": Status.OBJECTED, "归档": Status.ARCHIVED,
}  # fmt: skip
_OUTCOME_ALIASES = {
    "解释": Outcome.EXPLAINED, "解释说明": Outcome.EXPLAINED, "更正": Outcome.CORRECTED,
    "纠正": Outcome.CORRECTED, "退(抵)费": Outcome.REFUNDED, "调解处理": Outcome.MEDIATED,
    "不支持": Outcome.NOT_SUPPORTED, "转介": Outcome.REFERRED, "移送": Outcome.REFERRED,
}  # fmt: skip
_ON_SPOT_NAMES = (ON_SPOT, "当场办结", "当场解决", "简易", "当场化解(简易)", "resolved_on_spot")
_CATEGORY_ALIASES = {
    "登记和关系转移": Category.REGISTRATION_TRANSFER, "登记信息传递": Category.REGISTRATION_INFO,
    "缴费金额": Category.CONTRIBUTION_AMOUNT, "特殊缴费核定": Category.SPECIAL_ASSESSMENT,
    "滞纳金": Category.LATE_FEE, "退抵费": Category.REFUND_OFFSET, "退(抵)费": Category.REFUND_OFFSET,
    "待遇": Category.BENEFIT, "待遇核定和支付": Category.BENEFIT, "欠费追缴": Category.COLLECTION_ENFORCEMENT,
    "其他": Category.OTHER,
    **{str(i): c for i, c in enumerate(Category, start=1)},  # the numbering of item 三(三)
}  # fmt: skip
_UNIT_ALIASES = {
    "税务局": "tax", "市税务局": "tax", "高平市税务局": "tax", "政府办": "gov_office", "市政府办": "gov_office",
    "人民法院": "court", "市人民法院": "court", "高平市人民法院": "court",
}  # fmt: skip
# Feedback method when the ledger does not say: the way the payer came in.
_FEEDBACK_BY_CHANNEL: dict[Channel, FeedbackMethod] = {
    Channel.HOTLINE_12345: FeedbackMethod.PHONE,
    Channel.HOTLINE_12333: FeedbackMethod.PHONE,
    Channel.HOTLINE_12366: FeedbackMethod.PHONE,
    Channel.DEPARTMENT_PHONE: FeedbackMethod.PHONE,
    Channel.SERVICE_WINDOW: FeedbackMethod.IN_PERSON,
    Channel.PETITION_TRANSFER: FeedbackMethod.LETTER,
    Channel.TOWNSHIP_POINT: FeedbackMethod.IN_PERSON,
}
TRANSFER_NOTE = "台账导入：原台账未记载转交时间，按受理时间记录。"
FEEDBACK_CONTENT = "台账导入：原台账记载已将处理结果反馈缴费人，反馈时间按办结时间记录。"
_SETTLED = (Status.CONCLUDED, Status.FEEDBACK_GIVEN, Status.ARCHIVED)


class LedgerError(Exception):
    """The ledger file cannot be read or written at all (not a row problem)."""


def _norm(value: str) -> str:
    """For matching names: full-width forms folded (NFKC), whitespace removed, lower case."""
    return "".join(unicodedata.normalize("NFKC", value).split()).lower()


def _lookup(*tables: Mapping[Any, Any], names: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A reverse table: normalised name, code or alias -> code."""
    found: dict[str, Any] = {}
    for table in tables:
        for key, value in table.items():
            if isinstance(key, str) and not hasattr(key, "value"):
                found[_norm(key)] = value  # an alias -> code
            else:
                found[_norm(str(value))] = key  # code -> Chinese name: read the name back
                found[_norm(str(key.value))] = key  # and the code itself
    for name, value in (names or {}).items():
        found[_norm(name)] = value
    return found


CHANNELS = _lookup(CHANNEL_ZH, _CHANNEL_ALIASES)
PAYER_KINDS = _lookup(PAYER_KIND_ZH, _KIND_ALIASES)
STATUSES = _lookup(STATUS_ZH, _STATUS_ALIASES)
OUTCOMES = _lookup(OUTCOME_ZH, _OUTCOME_ALIASES)
CATEGORIES = _lookup(CATEGORY_NAMES_ZH, _CATEGORY_ALIASES)
INSURANCE = _lookup(INSURANCE_ZH, names={f"{name}保险": code for code, name in INSURANCE_ZH.items()} | {"医保": InsuranceType.MEDICAL})
_HEADERS = {_norm(h): h for h in COLUMNS}


def _unit_lookup(units: Mapping[str, str]) -> dict[str, str]:
    found = {_norm(alias): code for alias, code in _UNIT_ALIASES.items() if code in units}
    for code, name in units.items():
        short = name.removeprefix("市")
        for alias in (code, name, short, f"高平市{short}"):
            found[_norm(alias)] = code
    return found


# --- export -----------------------------------------------------------------------------------


def export_ledger(
    runtime: Any, *, start: date, end: date, out: Path, fmt: str, actor: Actor, reason: str = EXPORT_REASON
) -> dict[str, Any]:
    """Write the ledger of the cases received from `start` to `end` (inclusive) to `out`."""
    if actor.role not in EXPORT_ROLES:
        raise LedgerError(f"role {actor.role} may not export the ledger (legal, auditor or taskforce)")
    if fmt not in ("xlsx", "csv"):
        raise LedgerError(f"unknown format {fmt!r}: xlsx or csv")
    if end < start:
        raise LedgerError("--to is before --from")
    reads, app = runtime.reads, runtime.fengqiao
    reads.runner.catch_up()
    now = app.clock()
    views = _views_received(reads, actor, start, end, now)
    units = app.units()
    rows = [_ledger_row(v, reads.party(actor, v, v.payer, PARTY_FIELDS, reason), units, now) for v in views]
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        _write_xlsx(out, rows)
    else:
        _write_csv(out, rows)
    return {
        "file": str(out),
        "format": fmt,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "rows": len(rows),
        "role": actor.role.value,
        "personal_data": "whole" if actor.role == Role.LEGAL else "masked",
    }


def _views_received(reads: Any, actor: Actor, start: date, end: date, now: datetime) -> list[CaseView]:
    lo, hi = period_bounds(start, end)
    wanted = CaseFilter(received_from=lo, received_to=hi)
    views: list[CaseView] = []
    after: str | None = None
    while True:
        page = reads.query(list_cases, wanted, reads.reach(actor), first=MAX_PAGE, after=after, now=now)
        views += page.views
        if not page.has_next:
            break
        after = page.end_cursor
    return sorted(views, key=lambda v: (v.received_at, v.case_number))


def _ledger_row(view: CaseView, party: Any, units: Mapping[str, str], now: datetime) -> list[Any]:
    if view.outcome is not None:
        outcome = OUTCOME_ZH[Outcome(view.outcome)]
    else:
        outcome = ON_SPOT if view.resolved_on_spot else ""
    values: dict[str, Any] = {
        H_NUMBER: view.case_number,
        H_CHANNEL: CHANNEL_ZH[Channel(view.channel)],
        H_RECEIVED: view.received_at,
        H_ACCEPTED_ON: view.accepted_on,
        H_UNIT: units.get(view.accepting_unit, view.accepting_unit),
        H_KIND: PAYER_KIND_ZH[PayerKind(party.kind)],
        H_NAME: party.name,
        H_ID: party.id_number,
        H_PHONE: party.phone,
        H_CATEGORY: CATEGORY_NAMES_ZH[Category(view.category)],
        H_INSURANCE: "、".join(INSURANCE_ZH[InsuranceType(t)] for t in view.insurance_types),
        H_PEOPLE: view.people_involved,
        H_TOWNSHIP: TOWNSHIPS.get(view.township, view.township) if view.township else "",
        H_EXTERNAL: view.external_ref or "",
        H_SUMMARY: view.summary,
        H_HANDLING: units.get(view.handling_unit, view.handling_unit) if view.handling_unit else "",
        H_STATUS: STATUS_ZH[Status(view.status)],
        H_OUTCOME: outcome,
        H_RESULT: view.result or "",
        H_SETTLED: view.settled_at,
        H_OVERDUE: YES if view.overdue(now) else NO,
        H_IMPORTED: YES if view.imported else NO,
    }
    return [values[h] for h in COLUMNS]


def _local_text(value: datetime) -> str:
    local = value.astimezone(SHANGHAI)
    return local.strftime("%Y-%m-%d %H:%M:%S" + (".%f" if local.microsecond else ""))


_LONG_DIGITS = re.compile(r"^\d{11,}[\dXx]?$")


def _csv_cell(header: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _local_text(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    # A leading tab keeps Excel from turning an 18-digit ID into 1.40581E+17 and from running a
    # cell that starts like a formula; import strips it.
    if text[:1] in ("=", "+", "-", "@") or (header in TEXT_COLUMNS and _LONG_DIGITS.match(text)):
        return "\t" + text
    return text


def _write_csv(out: Path, rows: list[list[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(h, v) for h, v in zip(COLUMNS, row, strict=True)])
    out.write_bytes(buffer.getvalue().encode("utf-8-sig"))


def _write_xlsx(out: Path, rows: list[list[Any]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "受理台账"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, row in enumerate(rows, start=2):
        for c, (header, value) in enumerate(zip(COLUMNS, row, strict=True), start=1):
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, datetime):
                local = value.astimezone(SHANGHAI)
                if local.microsecond:
                    cell.value = _local_text(value)
                else:
                    cell.value = local.replace(tzinfo=None)
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(value, date):
                cell.value = value
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str):
                if value:
                    cell.value = value
                    cell.data_type = "s"  # never a formula, whatever the text starts with
            else:
                cell.value = value
            if header in TEXT_COLUMNS:
                cell.number_format = "@"
    widths = {H_RECEIVED: 20, H_SETTLED: 20, H_ID: 22, H_SUMMARY: 48, H_RESULT: 40, H_CATEGORY: 28, H_UNIT: 24}
    for c, header in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = widths.get(header, 14)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    book.save(out)


# --- reading a ledger file --------------------------------------------------------------------


@dataclass
class Table:
    """A ledger sheet: the header row's number and columns, and the data rows by row number."""

    header_row: int
    headers: dict[int, str]  # column index -> canonical header
    rows: list[tuple[int, dict[str, Any]]]  # (spreadsheet row number, header -> raw value)
    unknown_headers: list[str] = field(default_factory=list)


def read_table(path: Path) -> Table:
    """Read an xlsx or CSV ledger. Row numbers are the spreadsheet's (the header is row 1 unless
    title rows come before it), so a reported row is the row a person sees in Excel."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise LedgerError(f"cannot read {path}: {e.strerror or e}") from None
    if raw[:2] == b"PK" or path.suffix.lower() in (".xlsx", ".xlsm"):
        grid = _xlsx_grid(raw)
    else:
        grid = _csv_grid(raw)
    return _table(grid)


def _xlsx_grid(raw: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - zipfile, XML and openpyxl errors alike
        raise LedgerError(f"not a readable xlsx workbook: {e}") from None
    try:
        sheet = book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # other tools write wrong or no dimensions: read what is there
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _csv_grid(raw: bytes) -> list[list[Any]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")  # Excel on Chinese Windows saves CSV in the ANSI code page
        except UnicodeDecodeError:
            raise LedgerError("CSV is neither UTF-8 nor GB18030 text") from None
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as e:
        raise LedgerError(f"malformed CSV: {e}") from None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(grid: list[list[Any]]) -> Table:
    for index, cells in enumerate(grid[:10]):
        known = {c: _HEADERS.get(_norm(str(v))) for c, v in enumerate(cells) if not _blank(v)}
        if sum(1 for h in known.values() if h) < 3:
            continue
        headers = {c: h for c, h in known.items() if h}
        seen: set[str] = set()
        for h in headers.values():
            if h in seen:
                raise LedgerError(f"row {index + 1}: column {h} appears twice")
            seen.add(h)
        unknown = [str(cells[c]).strip() for c, h in known.items() if not h]
        rows = []
        for number, row in enumerate(grid[index + 1 :], start=index + 2):
            values = {h: row[c] if c < len(row) else None for c, h in headers.items()}
            if all(_blank(v) for v in values.values()):
                continue
            rows.append((number, values))
        return Table(header_row=index + 1, headers=headers, rows=rows, unknown_headers=unknown)
    raise LedgerError("no header row found: the first rows name none of the ledger columns (案件编号, 受理渠道, …)")


# --- import: validation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class LedgerRow:
    """One validated row, ready to record."""

    row: int
    original_number: str | None
    register: cmd.RegisterDispute
    status: Status
    handling_unit: str | None
    outcome: Outcome | None
    on_spot: bool
    result: str | None
    settled_at: datetime | None
    fingerprint: str = ""


@dataclass(frozen=True)
class Step:
    name: str  # also the use case's method on Fengqiao
    actor: Actor
    command: cmd.Command


_TIME = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+|(?=\d))(\d{1,2})[:时](\d{1,2})分?"
    r"(?:(?::|(?<=分))(\d{1,2})(\.\d{1,6})?秒?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_DATE_ONLY = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_PEOPLE = re.compile(r"^(\d+)\s*人?$")
_SEPARATORS = re.compile(r"[、,;/\s]+")
_MSGSPEC_PATH = {
    "channel": H_CHANNEL, "received_at": H_RECEIVED, "accepting_unit": H_UNIT, "payer.kind": H_KIND,
    "payer.name": H_NAME, "payer.id_number": H_ID, "payer.phone": H_PHONE, "category": H_CATEGORY,
    "summary": H_SUMMARY, "external_ref": H_EXTERNAL, "insurance_types": H_INSURANCE,
    "people_involved": H_PEOPLE, "township": H_TOWNSHIP, "result": H_RESULT, "outcome": H_OUTCOME,
    "to_unit": H_HANDLING,
}  # fmt: skip


class _RowReader:
    """Reads one row's cells, collecting every problem instead of stopping at the first."""

    def __init__(self, number: int, cells: Mapping[str, Any], issues: list[Issue]) -> None:
        self.number = number
        self.cells = cells
        self.issues = issues
        self.ok = True

    def fail(self, column: str | None, message: str) -> None:
        self.ok = False
        self.issues.append(Issue(self.number, column, message))

    def text(self, column: str, *, required: bool = False, max_length: int = 200) -> str | None:
        value = self.cells.get(column)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                self.fail(column, "is required")
            return None
        if len(text) > max_length:
            self.fail(column, f"is {len(text)} characters long; at most {max_length}")
            return None
        return text

    def choice(self, column: str, table: Mapping[str, Any], *, required: bool = False) -> Any:
        text = self.text(column, required=required)
        if text is None:
            return None
        found = table.get(_norm(text))
        if found is None:
            self.fail(column, f"unknown value {text!r}")
        return found

    def identifier(self, column: str) -> str | None:
        value = self.cells.get(column)
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.fail(column, "is stored as a number, so Excel may have lost digits: format the column as text")
            return None
        return self.text(column, required=True, max_length=40)

    def time(self, column: str, *, required: bool = False) -> datetime | None:
        value = self.cells.get(column)
        if isinstance(value, datetime):
            local = value if value.tzinfo is not None else value.replace(tzinfo=SHANGHAI)
            # Excel keeps times as fractions of a day: round away the float noise.
            rounded = (local + timedelta(microseconds=500_000)).replace(microsecond=0)
            return rounded.astimezone(UTC)
        if isinstance(value, date):
            self.fail(column, "gives a date only; a time of day is needed (e.g. 2024-10-11 09:30)")
            return None
        text = self.text(column, required=required, max_length=40)
        if text is None:
            return None
        text = unicodedata.normalize("NFKC", text)
        match = _TIME.match(text)
        if match is None:
            if _DATE_ONLY.match(text):
                self.fail(column, "gives a date only; a time of day is needed (e.g. 2024-10-11 09:30)")
            else:
                self.fail(column, f"{text!r} is not a date-time (expected e.g. 2024-10-11 09:30:00)")
            return None
        year, month, day, hour, minute, second, fraction, offset = match.groups()
        try:
            naive = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                             int((fraction or ".0")[1:].ljust(6, "0")))
        except ValueError:
            self.fail(column, f"{text!r} is not a real date-time")
            return None
        if offset is None:
            return naive.replace(tzinfo=SHANGHAI).astimezone(UTC)
        zone = "+00:00" if offset == "Z" else offset if ":" in offset else f"{offset[:3]}:{offset[3:]}"
        return datetime.fromisoformat(naive.isoformat() + zone).astimezone(UTC)

    def people(self) -> int:
        value = self.cells.get(H_PEOPLE)
        if _blank(value):
            return 1
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        match = _PEOPLE.match(unicodedata.normalize("NFKC", str(value).strip()))
        count = int(match.group(1)) if match else 0
        if not 1 <= count <= 100000:
            self.fail(H_PEOPLE, f"{value!r} is not a number of people from 1 to 100000")
            return 1
        return count

    def insurance(self) -> list[InsuranceType]:
        text = self.text(H_INSURANCE, max_length=200)
        found: list[InsuranceType] = []
        for part in _SEPARATORS.split(unicodedata.normalize("NFKC", text or "")):
            if not part:
                continue
            code = INSURANCE.get(_norm(part))
            if code is None:
                self.fail(H_INSURANCE, f"unknown insurance type {part!r} (养老、医疗、失业、工伤、生育)")
            elif code not in found:
                found.append(code)
        return found


def validate(table: Table, units: Mapping[str, str], *, unit: str | None, now: datetime) -> tuple[list[LedgerRow], list[Issue]]:
    """Check every row; returns the rows ready to record and every problem found."""
    issues: list[Issue] = []
    present = set(table.headers.values())
    for column in (*REQUIRED, *(() if unit else (H_UNIT,))):
        if column not in present:
            issues.append(Issue(table.header_row, column, "column is missing from the header row"))
    if issues:
        return [], issues
    unit_names = _unit_lookup(units)
    rows: list[LedgerRow] = []
    first_seen: dict[str, int] = {}
    for number, cells in table.rows:
        parsed = _validate_row(_RowReader(number, cells, issues), unit_names, unit, now)
        if parsed is None:
            continue
        parsed.fingerprint = _fingerprint(parsed)
        if parsed.fingerprint in first_seen:
            issues.append(Issue(number, None, f"repeats row {first_seen[parsed.fingerprint]} exactly: remove the duplicate"))
            continue
        first_seen[parsed.fingerprint] = number
        rows.append(parsed)
    return rows, issues


def _validate_row(r: _RowReader, unit_names: Mapping[str, str], unit: str | None, now: datetime) -> LedgerRow | None:
    original = r.text(H_NUMBER)
    channel = r.choice(H_CHANNEL, CHANNELS, required=True)
    received = r.time(H_RECEIVED, required=True)
    accepting = r.choice(H_UNIT, unit_names, required=unit is None)
    if accepting is None and unit is not None and _blank(r.cells.get(H_UNIT)):
        accepting = unit
    elif accepting is not None and unit is not None and accepting != unit:
        r.fail(H_UNIT, f"names {accepting}, but this import is for unit {unit} (--unit)")
    kind = r.choice(H_KIND, PAYER_KINDS, required=True)
    name = r.text(H_NAME, required=True)
    raw_id = r.identifier(H_ID)
    id_number = None
    if raw_id is not None and kind is not None:
        try:
            id_number = ids.parse_resident_id(raw_id) if kind == PayerKind.INDIVIDUAL else ids.parse_credit_code(raw_id)
        except ids.InvalidIdentifier as e:
            r.fail(H_ID, str(e))
    raw_phone = r.identifier(H_PHONE)
    phone = None
    if raw_phone is not None:
        try:
            phone = ids.parse_phone(raw_phone)
        except ids.InvalidIdentifier as e:
            r.fail(H_PHONE, str(e))
    category = r.choice(H_CATEGORY, CATEGORIES, required=True)
    insurance = r.insurance()
    people = r.people()
    township_text = r.text(H_TOWNSHIP)
    township = None
    if township_text is not None:
        try:
            township = parse_township(unicodedata.normalize("NFKC", township_text))
        except ValueError:
            r.fail(H_TOWNSHIP, f"unknown township {township_text!r}: a Gaoping township or street office, by name or code")
    external = r.text(H_EXTERNAL)
    summary = r.text(H_SUMMARY, required=True, max_length=8000)
    handling = r.choice(H_HANDLING, unit_names)
    status = r.choice(H_STATUS, STATUSES) or Status.ACCEPTED
    outcome_text = r.text(H_OUTCOME)
    on_spot = outcome_text is not None and _norm(outcome_text) in {_norm(n) for n in _ON_SPOT_NAMES}
    outcome = None if on_spot else r.choice(H_OUTCOME, OUTCOMES)
    result = r.text(H_RESULT, max_length=8000)
    settled = r.time(H_SETTLED)
    if received is not None and received > now + timedelta(seconds=5):
        r.fail(H_RECEIVED, "is in the future")
    if settled is not None:
        if settled > now + timedelta(seconds=5):
            r.fail(H_SETTLED, "is in the future")
        if received is not None and settled < received:
            r.fail(H_SETTLED, f"is before {H_RECEIVED}: a case is settled after it came in")
    if not r.ok:
        return None
    body = {
        "channel": channel, "received_at": received, "at": received, "accepting_unit": accepting,
        "payer": {"kind": kind, "name": name, "id_number": id_number, "phone": phone},
        "category": category, "summary": summary, "external_ref": external or original,
        "insurance_types": insurance, "people_involved": people, "township": township,
    }  # fmt: skip
    try:
        register = msgspec.convert(body, cmd.RegisterDispute)
    except msgspec.ValidationError as e:
        r.fail(_column_of(str(e)), str(e))
        return None
    return LedgerRow(
        row=r.number, original_number=original, register=register, status=status, handling_unit=handling,
        outcome=outcome, on_spot=on_spot, result=result, settled_at=settled,
    )


def _column_of(message: str) -> str | None:
    match = re.search(r"at `\$\.([\w.]+)", message)
    return _MSGSPEC_PATH.get(match.group(1)) if match else None


def _fingerprint(row: LedgerRow) -> str:
    content = {
        "case_number": row.original_number,
        "register": msgspec.to_builtins(row.register),
        "status": row.status.value,
        "handling_unit": row.handling_unit,
        "outcome": row.outcome.value if row.outcome else None,
        "on_spot": row.on_spot,
        "result": row.result,
        "settled_at": row.settled_at.isoformat() if row.settled_at else None,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def plan(row: LedgerRow) -> tuple[list[Step], str | None]:
    """The acts after registration that bring the case to its ledger status, and a note when the
    ledger does not allow it (the case then stays ACCEPTED)."""
    c = row.register
    clerk = Actor(IMPORT_SUBJECT, Role.CLERK, c.accepting_unit)
    shown = STATUS_ZH[row.status]
    method = _FEEDBACK_BY_CHANNEL[c.channel]
    if row.status == Status.ACCEPTED:
        return [], None
    if row.status == Status.TRANSFERRED:
        if row.handling_unit is None:
            return [], f"{shown} without {H_HANDLING}: imported as 已受理"
        return [Step("transfer", clerk, cmd.Transfer(to_unit=row.handling_unit, note=TRANSFER_NOTE, at=c.received_at))], None
    if row.status not in _SETTLED:
        return [], f"{shown} cannot be rebuilt from the ledger (no escalation, minutes or objection on it): imported as 已受理"
    missing = [h for h, v in ((H_RESULT, row.result), (H_SETTLED, row.settled_at)) if v is None]
    simple = row.on_spot or (row.outcome is None and row.handling_unit is None)
    if simple:
        if missing:
            return [], f"{shown} settled on the spot needs {'、'.join(missing)}: imported as 已受理"
        assert row.result is not None and row.settled_at is not None
        steps = [Step("resolve_on_spot", clerk, cmd.ResolveOnSpot(result=row.result, feedback_method=method, at=row.settled_at))]
        if row.status == Status.ARCHIVED:
            steps.append(Step("archive", clerk, cmd.Archive(at=row.settled_at)))
        note = f"{shown} as settled on the spot: imported as 已反馈" if row.status == Status.CONCLUDED else None
        return steps, note
    missing = [h for h, v in ((H_HANDLING, row.handling_unit), (H_OUTCOME, row.outcome)) if v is None] + missing
    if missing:
        return [], f"{shown} needs {'、'.join(missing)}: imported as 已受理"
    assert row.handling_unit is not None and row.outcome is not None and row.result is not None
    handler = Actor(IMPORT_SUBJECT, Role.HANDLER, row.handling_unit)
    steps = [
        Step("transfer", clerk, cmd.Transfer(to_unit=row.handling_unit, note=TRANSFER_NOTE, at=c.received_at)),
        Step("conclude", handler, cmd.Conclude(outcome=row.outcome, result=row.result, at=row.settled_at)),
    ]
    if row.status in (Status.FEEDBACK_GIVEN, Status.ARCHIVED):
        steps.append(Step("give_feedback", clerk, cmd.GiveFeedback(
            party=PartyRole.PAYER, method=method, content=FEEDBACK_CONTENT, at=row.settled_at)))
    if row.status == Status.ARCHIVED:
        steps.append(Step("archive", clerk, cmd.Archive(at=row.settled_at)))
    return steps, None


# --- import: recording ------------------------------------------------------------------------


def import_ledger(runtime: Any, path: Path, *, unit: str | None = None) -> dict[str, Any]:
    """Validate every row of the ledger at `path`, then record them all, or nothing if any is bad.

    Returns the report: {file, rows, imported, replayed, existing, case_numbers, cases, errors}.
    `imported` counts the cases recorded now, `replayed` the rows an earlier import of the same
    rows recorded already (idempotency keys), `existing` the rows whose case was found in the store.
    """
    app: Fengqiao = runtime.fengqiao
    report: dict[str, Any] = {"file": str(path), "rows": 0, "imported": 0, "replayed": 0, "existing": 0,
                              "case_numbers": [], "cases": [], "errors": []}
    try:
        table = read_table(path)
    except LedgerError as e:
        report["errors"] = [Issue(None, None, str(e)).as_dict()]
        return report
    report["rows"] = len(table.rows)
    units = app.units()
    if unit is not None:
        code = _unit_lookup(units).get(_norm(unit))
        if code is None:
            report["errors"] = [Issue(None, "--unit", f"unknown unit {unit!r}; known: {', '.join(sorted(units))}").as_dict()]
            return report
        unit = code
    rows, issues = validate(table, units, unit=unit, now=app.clock())
    if issues:
        report["errors"] = [i.as_dict() for i in issues]
        return report
    runtime.reads.runner.catch_up()
    for row in rows:
        try:
            entry = _record(runtime, row)
        except DomainError as e:
            column = _MSGSPEC_PATH.get(getattr(e, "field", ""), getattr(e, "field", None))
            report["errors"].append(Issue(row.row, column, f"not recorded: {e}. Rows before it are "
                                          "recorded; import the same file again to finish (they replay).").as_dict())
            break
        report[entry["outcome"]] += 1
        report["case_numbers"].append(entry["case_number"])
        report["cases"].append(entry)
    return report


def _record(runtime: Any, row: LedgerRow) -> dict[str, Any]:
    app: Fengqiao = runtime.fengqiao
    clerk = Actor(IMPORT_SUBJECT, Role.CLERK, row.register.accepting_unit)
    base = f"ledger-import:{app.privacy.digest(row.fingerprint)[:40]}"
    entry: dict[str, Any] = {"row": row.row, "original_case_number": row.original_number}
    if app.store.lookup_idempotency(idempotency_scope(clerk), base) is not None:
        entry["outcome"] = "replayed"
    else:
        existing = _existing_case(runtime, row)
        if existing is not None:
            entry.update(outcome="existing", case_number=existing.case_number, status=existing.status.upper(),
                         note="already in the store (same payer, received time, unit, channel, category, summary)")
            return entry
        entry["outcome"] = "imported"
    result = app.import_case(row.register, clerk, _key(base, row.fingerprint, "register"))
    steps, note = plan(row)
    for step in steps:
        use_case = getattr(app, step.name)
        result = use_case(result.case_number, step.command, step.actor, _key(f"{base}:{step.name}", row.fingerprint, step.name))
    entry.update(case_number=result.case_number, status=result.status, acts=["register", *(s.name for s in steps)])
    if note:
        entry["note"] = note
    return entry


def _key(key: str, fingerprint: str, step: str) -> IdempotencyKey:
    # The request is the row itself: every command of a row follows from its content alone.
    return IdempotencyKey(key=key, request_hash=hashlib.sha256(f"{fingerprint}:{step}".encode()).hexdigest())


def _existing_case(runtime: Any, row: LedgerRow) -> CaseView | None:
    c = row.register
    app: Fengqiao = runtime.fengqiao
    wanted = CaseFilter(id_digest=app.privacy.digest(c.payer.id_number), received_from=c.received_at,
                        received_to=c.received_at)
    page = runtime.reads.query(list_cases, wanted, Reach(everything=True), first=MAX_PAGE, after=None, now=app.clock())
    views: list[CaseView] = page.views
    for view in views:
        if (view.accepting_unit, view.channel, view.category, view.summary.strip()) == (
            c.accepting_unit, c.channel.value, c.category.value, c.summary
        ):
            return view
    return None


def parse_day(text: str) -> date:
    """A --from/--to value: an ISO date (2024-10-11)."""
    return date.fromisoformat(unicodedata.normalize("NFKC", text.strip()).replace("/", "-"))


def format_of(out: Path, given: str | None) -> str:
    if given:
        return given
    return "csv" if out.suffix.lower() == ".csv" else "xlsx"
