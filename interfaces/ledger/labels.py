"""The ledger's Chinese names of coded values. Export writes the first name of each code; import
reads names, codes and the aliases ledgers kept by hand use."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from domain import vocabulary as v
from domain.values import (
    CATEGORY_NAMES_ZH,
    Category,
    Channel,
    InsuranceType,
    Outcome,
    PayerKind,
    Status,
)

YES, NO = "是", "否"

# The names export writes are the vocabulary's: one name for one fact across ledger, console and dossier.
CHANNEL_ZH: dict[Channel, str] = {c: v.CHANNEL.name(c) for c in Channel}
PAYER_KIND_ZH: dict[PayerKind, str] = {k: v.PAYER_KIND.name(k) for k in PayerKind}
INSURANCE_ZH: dict[InsuranceType, str] = {i: v.INSURANCE.name(i) for i in InsuranceType}
STATUS_ZH: dict[Status, str] = {st: v.STATUS.name(st) for st in Status}
OUTCOME_ZH: dict[Outcome, str] = {o: v.OUTCOME.name(o) for o in Outcome}
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


def norm(value: str) -> str:
    """For matching names: full-width forms folded (NFKC), whitespace removed, lower case."""
    return "".join(unicodedata.normalize("NFKC", value).split()).lower()


def _lookup(*tables: Mapping[Any, Any], names: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A reverse table: normalised name, code or alias -> code."""
    found: dict[str, Any] = {}
    for table in tables:
        for key, value in table.items():
            if isinstance(key, str) and not hasattr(key, "value"):
                found[norm(key)] = value  # an alias -> code
            else:
                found[norm(str(value))] = key  # code -> Chinese name: read the name back
                found[norm(str(key.value))] = key  # and the code itself
    for name, value in (names or {}).items():
        found[norm(name)] = value
    return found


CHANNELS = _lookup(CHANNEL_ZH, _CHANNEL_ALIASES)
PAYER_KINDS = _lookup(PAYER_KIND_ZH, _KIND_ALIASES)
STATUSES = _lookup(STATUS_ZH, _STATUS_ALIASES)
OUTCOMES = _lookup(OUTCOME_ZH, _OUTCOME_ALIASES)
CATEGORIES = _lookup(CATEGORY_NAMES_ZH, _CATEGORY_ALIASES)
INSURANCE = _lookup(INSURANCE_ZH, names={f"{name}保险": code for code, name in INSURANCE_ZH.items()} | {"医保": InsuranceType.MEDICAL})
ON_SPOT_NAMES = frozenset(norm(n) for n in _ON_SPOT_NAMES)


def unit_lookup(units: Mapping[str, str]) -> dict[str, str]:
    """Normalised unit name, short name, code or alias -> unit code, for the units the store knows."""
    found = {norm(alias): code for alias, code in _UNIT_ALIASES.items() if code in units}
    for code, name in units.items():
        short = name.removeprefix("市")
        for alias in (code, name, short, f"高平市{short}"):
            found[norm(alias)] = code
    return found
