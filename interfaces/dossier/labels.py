"""Chinese names for the code values the dossier shows (units come from the unit registry)."""

from __future__ import annotations

from domain.values import BUILTIN_UNITS, CATEGORY_NAMES_ZH, TOWNSHIPS, Category

TITLE = "社会保险费征缴争议案卷"

CHANNELS = {
    "hotline_12345": "12345政务服务便民热线",
    "hotline_12333": "12333人社服务热线",
    "hotline_12366": "12366纳税缴费服务热线",
    "department_phone": "部门公开电话",
    "service_window": "政务服务大厅窗口",
    "petition_transfer": "信访转办",
    "township_point": "乡镇（街道）受理点",
}
INSURANCE_TYPES = {
    "pension": "基本养老保险",
    "medical": "基本医疗保险",
    "unemployment": "失业保险",
    "work_injury": "工伤保险",
    "maternity": "生育保险",
}
STATUSES = {
    "accepted": "已受理",
    "transferred": "已转交办理",
    "escalated": "已提请工作专班研判",
    "deliberated": "已集体商议",
    "concluded": "已办结",
    "feedback_given": "已反馈",
    "objected": "当事人有异议",
    "archived": "已归档",
}
LEVELS = {"simple": "简易事项", "general": "一般事项", "special": "特殊事项"}
OUTCOMES = {
    "explained": "解释说明",
    "corrected": "予以更正",
    "refunded": "予以退费",
    "mediated": "调解处理",
    "not_supported": "不予支持",
    "referred": "移交其他途径",
}
METHODS = {"in_person": "当面告知", "phone": "电话告知", "sms": "短信告知", "letter": "书面告知"}
PARTIES = {"payer": "缴费人", "other_party": "争议对方"}
OTHER_PARTY_KINDS = {  # free text in the ledger; the usual English words get their Chinese names
    "employer": "用人单位",
    "employee": "职工",
    "individual": "个人",
    "agency": "行政机关",
}
PAYER_KINDS = {"individual": "个人", "employer": "用人单位"}
ID_LABELS = {"individual": "居民身份证号码", "employer": "统一社会信用代码"}
REMEDIES = {"reconsideration": "行政复议", "litigation": "行政诉讼"}
RISK_LEVELS = {"low": "低", "medium": "中", "high": "高"}
DEADLINES = {
    "transfer": "转交期限（受理后1个工作日内）",
    "handling": "办理期限（转交后5个工作日内）",
    "deliberation": "集体商议期限（受理之日起10个工作日内）",
}
ROLES = {
    "clerk": "受理人员",
    "handler": "承办人员",
    "taskforce": "工作专班",
    "legal": "法制审核人员",
    "auditor": "审计人员",
    "integrator": "对接平台",
    "system": "系统",
}
EVENTS = {
    "DisputeRegistered": "受理登记",
    "ResolvedOnSpot": "当场办结（简易事项）",
    "DisputeTransferred": "转交办理",
    "TransferSignedFor": "签收",
    "DisputeReturned": "退回（非本单位职责）",
    "ProgressRecorded": "办理进展",
    "HandlingConcluded": "办结",
    "DisputeEscalated": "提请工作专班研判",
    "DeliberationHeld": "集体商议",
    "FeedbackGiven": "反馈结果",
    "ObjectionRaised": "提出异议",
    "RemedyGuidanceGiven": "救济途径指导",
    "DisputeArchived": "案卷归档",
    "RiskFlagged": "风险标记",
    "SupervisionNoticeIssued": "督办",
    "SatisfactionRecorded": "回访",
    "DeadlineMissed": "期限届满未完成",
    "DeadlinesRecomputed": "期限重新计算",
}
EXTRA_UNITS = {"taskforce": "工作专班办公室"}


def unit_name(code: str | None, units: dict[str, str]) -> str:
    """A unit's Chinese name (registry first, then the built-in table); the code when unknown."""
    if not code:
        return "—"
    return units.get(code) or BUILTIN_UNITS.get(code) or EXTRA_UNITS.get(code) or code


def category_name(code: str) -> str:
    try:
        return CATEGORY_NAMES_ZH[Category(code)]
    except ValueError:
        return code


def township_name(code: str | None) -> str:
    if not code:
        return "—"
    return TOWNSHIPS.get(code, code)


def named(table: dict[str, str], code: str | None) -> str:
    if code is None:
        return "—"
    return table.get(code, code)
