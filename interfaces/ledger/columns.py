"""The ledger's columns: their Chinese headers, in the order a ledger sheet has them."""

from __future__ import annotations

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
H_RETURNS = "退回次数"
H_DESIGNATED = "指定承办单位"
H_RISK = "风险标记"
H_ANSWERED = "无异议依据"  # per told party: 无异议确认, 异议期届满 or 已业务指导 (issue 12)

COLUMNS: tuple[str, ...] = (
    H_NUMBER, H_CHANNEL, H_RECEIVED, H_ACCEPTED_ON, H_UNIT, H_KIND, H_NAME, H_ID, H_PHONE, H_CATEGORY,
    H_INSURANCE, H_PEOPLE, H_TOWNSHIP, H_EXTERNAL, H_SUMMARY, H_HANDLING, H_STATUS, H_OUTCOME, H_RESULT,
    H_SETTLED, H_OVERDUE, H_IMPORTED, H_RETURNS, H_DESIGNATED, H_RISK, H_ANSWERED,
)  # fmt: skip
# Needed on import (受理单位 too, unless --unit gives it). 受理日期, 是否超期, 是否导入, 退回次数,
# 指定承办单位, 风险标记 and 无异议依据 are derived by the system and ignored on import.
REQUIRED: tuple[str, ...] = (H_CHANNEL, H_RECEIVED, H_KIND, H_NAME, H_ID, H_PHONE, H_CATEGORY, H_SUMMARY)
TEXT_COLUMNS = frozenset({H_NUMBER, H_ID, H_PHONE, H_EXTERNAL})  # kept as text, never as numbers

# The column of each field of a recorded command (msgspec's error paths and DomainError.field).
FIELD_COLUMNS = {
    "channel": H_CHANNEL, "received_at": H_RECEIVED, "accepting_unit": H_UNIT, "payer.kind": H_KIND,
    "payer.name": H_NAME, "payer.id_number": H_ID, "payer.phone": H_PHONE, "category": H_CATEGORY,
    "summary": H_SUMMARY, "external_ref": H_EXTERNAL, "insurance_types": H_INSURANCE,
    "people_involved": H_PEOPLE, "township": H_TOWNSHIP, "result": H_RESULT, "outcome": H_OUTCOME,
    "to_unit": H_HANDLING,
}  # fmt: skip
# The column of each LedgerRow field an import plan can find missing.
ROW_COLUMNS = {"handling_unit": H_HANDLING, "outcome": H_OUTCOME, "result": H_RESULT, "settled_at": H_SETTLED}


class LedgerError(Exception):
    """The ledger file cannot be read or written at all (not a row problem)."""
