"""The console's words in Chinese (the default) and English, and the names of coded values.

Chinese names follow the intake ledger (台账) and the official category names in domain.values,
so the console, the ledger export and the dossier speak alike. Unit names come from the unit
registry (the task force may add units); the English table covers the built-in ones.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.values import CATEGORY_NAMES_ZH, TOWNSHIPS, Category
from interfaces.dossier import labels as zh  # one place for the Chinese names

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
HTML_LANG = {"zh": "zh-CN", "en": "en"}

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "app": "枫桥 · 社保费征缴争议协同处置",
        "app_short": "枫桥",
        "console": "查阅控制台",
        "skip": "跳到主要内容",
        "nav": "主导航",
        "nav_queues": "工作队列",
        "nav_search": "案件查询",
        "nav_supervision": "督办统计",
        "signed_in_as": "当前用户",
        "sign_out": "退出登录",
        "switch_lang": "English",
        "switch_lang_label": "Switch to English",
        "sign_in_title": "登录",
        "sign_in_intro": "请粘贴由 fengqiao token issue 签发的访问令牌。令牌只保存在本浏览器的 HttpOnly Cookie 中，退出登录即清除。",
        "token": "访问令牌",
        "token_help": "以 eyJ 开头的一长串字符，不含 “Bearer ”。",
        "sign_in": "登录",
        "bad_token": "令牌无效：",
        "token_expired": "登录已过期，请重新登录。",
        "signed_out": "已退出登录。",
        "need_sign_in": "请先登录。",
        "role": "角色",
        "unit": "单位",
        "all_units": "全部单位",
        "queues_title": "工作队列",
        "queues_intro": "各单位待办事项数量，按最早未到期限排序。颜色表示期限状态：",
        "legend": "图例",
        "u_overdue": "已超期",
        "u_today": "今日到期",
        "u_soon": "1个工作日内到期",
        "u_open": "未到期",
        "u_met": "按期完成",
        "u_met_late": "逾期完成",
        "count": "数量",
        "queue": "队列",
        "open_queue": "打开队列",
        "choose_unit": "选择单位",
        "show": "显示",
        "queue_empty": "此队列暂无案件。",
        "cases_shown": "共 {n} 件",
        "truncated": "仅显示前 {n} 件",
        "case_number": "案件编号",
        "status": "当前状态",
        "level": "事项等级",
        "category": "争议类别",
        "channel": "受理渠道",
        "accepting_unit": "受理单位",
        "handling_unit": "承办单位",
        "received_at": "来访/来电时间",
        "accepted_on": "受理日期",
        "summary": "反映的主要内容",
        "next_deadline": "最近期限",
        "deadline_state": "期限状态",
        "none": "—",
        "colon": "：",
        "case_title": "案件 {n}",
        "ledger_entry": "台账信息",
        "payer_kind": "缴费人类型",
        "payer_name": "缴费人名称/姓名",
        "id_number": "身份证号/统一社会信用代码",
        "phone": "联系电话",
        "masked_note": "个人信息已按权限脱敏显示",
        "unmasked_note": "个人信息完整显示，本次查看已记入访问日志",
        "other_party": "争议对方",
        "other_party_contact": "争议对方联系方式",
        "insurance_types": "涉及险种",
        "people_involved": "涉及人数",
        "township": "乡镇(街道)",
        "external_ref": "外部工单号",
        "outcome": "处理结果类别",
        "result": "处理结果",
        "executing_unit": "执行单位",
        "risk_level": "风险等级",
        "remedies": "救济途径指导",
        "imported": "台账导入",
        "yes": "是",
        "no": "否",
        "version": "事件数",
        "overdue_flag": "超期",
        "deadlines": "办理期限",
        "deadline_kind": "期限",
        "answerable_unit": "责任单位",
        "due": "届满时间",
        "met_at": "完成时间",
        "provisional": "暂定（当年放假通知未载入）",
        "derivation": "推算过程",
        "no_deadlines": "暂无期限。",
        "acceptance_derivation": "受理日期推算",
        "timeline": "全程记录",
        "timeline_intro": "行为时间与记录时间均为北京时间（Asia/Shanghai）。标注“补录”的为事后补记的行为。",
        "seq": "序号",
        "event": "事项",
        "act_time": "行为时间",
        "recorded_time": "记录时间",
        "actor": "经办人",
        "backdated": "补录",
        "backdated_title": "行为发生于 {at}，记录于 {rec}",
        "details": "详情",
        "as_of_this": "查看此时案卷",
        "as_of_this_label": "查看第 {seq} 项记录后的案卷状态",
        "time_travel": "回溯查看",
        "time_travel_help": "选择一个时间点（北京时间），查看案卷在当时的记录与状态。",
        "moment": "时间点",
        "view_then": "查看",
        "back_to_now": "返回当前",
        "as_of_banner": "您正在查看案卷在 {at}（北京时间）时的记录。",
        "now_status": "当前状态：{s}",
        "not_yet": "该时间点案卷尚未登记。",
        "bad_moment": "时间点格式不正确。",
        "verification": "完整性校验",
        "verify_valid": "校验通过：哈希链完整，与已签名检查点一致。",
        "verify_invalid": "校验未通过！",
        "events": "事件数",
        "head_hash": "链头哈希",
        "first_invalid": "首个异常序号",
        "problems": "问题",
        "dossier": "电子卷宗",
        "download_dossier": "下载电子卷宗（zip）",
        "dossier_help": "含案卷PDF、原始事件、签名检查点及校验结果，可离线核验。",
        "not_found": "未找到该案件，或不在您的查阅范围内。",
        "not_found_title": "未找到",
        "forbidden_title": "无权访问",
        "error_title": "出错了",
        "unavailable": "暂时无法完成，请稍后重试。",
        "search_title": "案件查询",
        "search_intro": "按案件编号、外部工单号查询；有权查看个人信息的角色还可按缴费人姓名或证件号码精确查询。",
        "search_pii_note": "姓名与证件号码须完整准确（精确匹配）。",
        "search_pii_denied": "您的角色不能按个人信息查询。",
        "search": "查询",
        "any": "不限",
        "overdue_only": "仅超期",
        "not_overdue": "未超期",
        "results": "查询结果",
        "no_results": "没有符合条件的案件。",
        "next_page": "下一页",
        "need_criterion": "请至少填写一个查询条件。",
        "received_from": "受理起始日",
        "received_to": "受理截止日",
        "supervision_title": "督办统计",
        "supervision_intro": "统计口径：期间内受理的案件；期限以当前时间判断。",
        "period_from": "起始日期",
        "period_to": "截止日期",
        "apply": "统计",
        "received": "受理",
        "handled": "承办",
        "concluded": "办结",
        "overdue_now": "当前超期",
        "missed_deadlines": "超期次数",
        "on_time_rate": "按期率",
        "settled": "已办结",
        "settled_on_spot": "当场化解率",
        "settled_one_visit": "“最多跑一次”办结率",
        "settled_no_escalation": "未提请专班办结率",
        "objected": "有异议",
        "per_unit": "各单位情况",
        "per_unit_chart": "各单位受理、办结、当前超期数",
        "weekly_trend": "每周趋势（按受理周）",
        "week": "周",
        "week_of": "周起始日",
        "late_units": "有超期的单位（通报依据）",
        "late_units_none": "期间内没有超期。",
        "export_csv": "导出CSV",
        "export_units": "导出各单位统计（CSV）",
        "export_weekly": "导出每周趋势（CSV）",
        "by_category": "按争议类别",
        "by_channel": "按受理渠道",
        "chart_fallback": "图表需要JavaScript；下表列出相同数据。",
        "bad_period": "请输入有效的起止日期（截止日期不早于起始日期，跨度不超过10年）。",
        "notice_basis": "列入通报",
        "rank": "排序",
        "supervision_denied": "督办统计仅供工作专班、审计人员和法制审核人员查阅。",
        "csv_unit_code": "单位代码",
        "csv_unit_name": "单位名称",
        "csv_period": "统计期间",
        "footer": "数据来自事件存储的读模型；个人信息的每次完整查看均记入访问日志。",
    },
    "en": {
        "app": "Fengqiao · Social-insurance fee disputes",
        "app_short": "Fengqiao",
        "console": "Reading console",
        "skip": "Skip to main content",
        "nav": "Main navigation",
        "nav_queues": "Work queues",
        "nav_search": "Search",
        "nav_supervision": "Supervision",
        "signed_in_as": "Signed in as",
        "sign_out": "Sign out",
        "switch_lang": "中文",
        "switch_lang_label": "切换到中文",
        "sign_in_title": "Sign in",
        "sign_in_intro": "Paste a bearer token issued by fengqiao token issue. It is kept only in an HttpOnly cookie of this browser and cleared when you sign out.",
        "token": "Token",
        "token_help": "A long string starting with eyJ, without “Bearer ”.",
        "sign_in": "Sign in",
        "bad_token": "The token was refused: ",
        "token_expired": "Your session has expired; please sign in again.",
        "signed_out": "You have signed out.",
        "need_sign_in": "Please sign in first.",
        "role": "Role",
        "unit": "Unit",
        "all_units": "All units",
        "queues_title": "Work queues",
        "queues_intro": "Open work per unit, earliest open deadline first. Colours show the deadline state:",
        "legend": "Legend",
        "u_overdue": "overdue",
        "u_today": "due today",
        "u_soon": "due within a working day",
        "u_open": "not yet due",
        "u_met": "met on time",
        "u_met_late": "met late",
        "count": "Count",
        "queue": "Queue",
        "open_queue": "Open queue",
        "choose_unit": "Unit",
        "show": "Show",
        "queue_empty": "No cases in this queue.",
        "cases_shown": "{n} cases",
        "truncated": "only the first {n} are shown",
        "case_number": "Case number",
        "status": "Status",
        "level": "Level",
        "category": "Category",
        "channel": "Channel",
        "accepting_unit": "Accepting unit",
        "handling_unit": "Handling unit",
        "received_at": "Received",
        "accepted_on": "Accepted on",
        "summary": "Summary",
        "next_deadline": "Next deadline",
        "deadline_state": "Deadline state",
        "none": "—",
        "colon": ": ",
        "case_title": "Case {n}",
        "ledger_entry": "Ledger entry",
        "payer_kind": "Payer kind",
        "payer_name": "Payer name",
        "id_number": "ID number / credit code",
        "phone": "Phone",
        "masked_note": "Personal data masked for your role",
        "unmasked_note": "Personal data shown whole; this view is recorded in the access log",
        "other_party": "Other party",
        "other_party_contact": "Other party's contact",
        "insurance_types": "Insurance types",
        "people_involved": "People involved",
        "township": "Township",
        "external_ref": "External reference",
        "outcome": "Outcome",
        "result": "Result",
        "executing_unit": "Executing unit",
        "risk_level": "Risk level",
        "remedies": "Remedy guidance",
        "imported": "Imported from a ledger",
        "yes": "yes",
        "no": "no",
        "version": "Events",
        "overdue_flag": "Overdue",
        "deadlines": "Deadlines",
        "deadline_kind": "Deadline",
        "answerable_unit": "Answerable unit",
        "due": "Due",
        "met_at": "Met at",
        "provisional": "provisional (no holiday notice loaded for that year)",
        "derivation": "Derivation",
        "no_deadlines": "No deadlines yet.",
        "acceptance_derivation": "Acceptance day derivation",
        "timeline": "Timeline",
        "timeline_intro": "Act and recording times are in Asia/Shanghai. Acts marked “back-dated” were recorded after the fact.",
        "seq": "#",
        "event": "Event",
        "act_time": "Act time",
        "recorded_time": "Recorded",
        "actor": "Who",
        "backdated": "back-dated",
        "backdated_title": "Happened at {at}, recorded at {rec}",
        "details": "Details",
        "as_of_this": "As of here",
        "as_of_this_label": "View the case as it stood after entry {seq}",
        "time_travel": "Time travel",
        "time_travel_help": "Pick a moment (Asia/Shanghai) to see the record and status as they stood then.",
        "moment": "Moment",
        "view_then": "View",
        "back_to_now": "Back to now",
        "as_of_banner": "You are viewing the record as it stood at {at} (Asia/Shanghai).",
        "now_status": "Status now: {s}",
        "not_yet": "The case had not been registered at that moment.",
        "bad_moment": "That moment is not a valid date and time.",
        "verification": "Verification",
        "verify_valid": "Valid: the hash chain is intact and agrees with the signed checkpoints.",
        "verify_invalid": "Verification FAILED!",
        "events": "Events",
        "head_hash": "Head hash",
        "first_invalid": "First invalid entry",
        "problems": "Problems",
        "dossier": "Dossier",
        "download_dossier": "Download the dossier (zip)",
        "dossier_help": "The case PDF, the stored events, a signed checkpoint and the verification result; verifiable offline.",
        "not_found": "No such case, or it is outside your reach.",
        "not_found_title": "Not found",
        "forbidden_title": "Not allowed",
        "error_title": "Something went wrong",
        "unavailable": "This cannot be done right now; please try again shortly.",
        "search_title": "Search",
        "search_intro": "Search by case number or external reference; roles that may see personal data can also search by the payer's exact name or ID number.",
        "search_pii_note": "Name and ID number must match exactly.",
        "search_pii_denied": "Your role may not search by personal data.",
        "search": "Search",
        "any": "any",
        "overdue_only": "overdue only",
        "not_overdue": "not overdue",
        "results": "Results",
        "no_results": "No case matches.",
        "next_page": "Next page",
        "need_criterion": "Please give at least one criterion.",
        "received_from": "Received from",
        "received_to": "Received to",
        "supervision_title": "Supervision",
        "supervision_intro": "Cases received in the period; deadlines judged as of now.",
        "period_from": "From",
        "period_to": "To",
        "apply": "Apply",
        "received": "Received",
        "handled": "Handled",
        "concluded": "Concluded",
        "overdue_now": "Overdue now",
        "missed_deadlines": "Missed deadlines",
        "on_time_rate": "On-time rate",
        "settled": "Settled",
        "settled_on_spot": "Settled on the spot",
        "settled_one_visit": "Settled in one visit",
        "settled_no_escalation": "Settled without escalation",
        "objected": "Objected",
        "per_unit": "Per unit",
        "per_unit_chart": "Received, concluded and overdue now, per unit",
        "weekly_trend": "Weekly trend (by week of receipt)",
        "week": "Week",
        "week_of": "Week starting",
        "late_units": "Units with missed deadlines (basis for a 通报)",
        "late_units_none": "No deadline was missed in the period.",
        "export_csv": "Export CSV",
        "export_units": "Export per-unit figures (CSV)",
        "export_weekly": "Export the weekly trend (CSV)",
        "by_category": "By category",
        "by_channel": "By channel",
        "chart_fallback": "The chart needs JavaScript; the table below has the same figures.",
        "bad_period": "Please give valid dates (to not before from, at most 10 years).",
        "notice_basis": "For 通报",
        "rank": "Rank",
        "supervision_denied": "Supervision figures are for the task-force office, auditors and legal staff.",
        "csv_unit_code": "Unit code",
        "csv_unit_name": "Unit name",
        "csv_period": "Period",
        "footer": "Figures come from the event store's read models; every whole view of personal data is recorded in the access log.",
    },
}

ROLES = {
    "zh": zh.ROLES,
    "en": {
        "clerk": "Clerk",
        "handler": "Handler",
        "taskforce": "Task force",
        "legal": "Legal staff",
        "auditor": "Auditor",
        "integrator": "Integrator",
        "system": "System",
    },
}

QUEUES = {
    "zh": {
        "TO_TRANSFER": "待转交",
        "IN_HANDLING": "办理中",
        "TO_DELIBERATE": "待专班研判",
        "TO_FEEDBACK": "待反馈",
        "OBJECTED": "有异议",
        "OVERDUE": "已超期",
    },
    "en": {
        "TO_TRANSFER": "To transfer",
        "IN_HANDLING": "In handling",
        "TO_DELIBERATE": "To deliberate",
        "TO_FEEDBACK": "To give feedback",
        "OBJECTED": "Objected",
        "OVERDUE": "Overdue",
    },
}

STATUSES = {
    "zh": {
        "ACCEPTED": "已受理",
        "TRANSFERRED": "已转交",
        "ESCALATED": "已提请专班研判",
        "DELIBERATED": "已集体商议",
        "CONCLUDED": "已办结",
        "FEEDBACK_GIVEN": "已反馈",
        "OBJECTED": "有异议",
        "ARCHIVED": "已归档",
    },
    "en": {
        "ACCEPTED": "Accepted",
        "TRANSFERRED": "Transferred",
        "ESCALATED": "Escalated",
        "DELIBERATED": "Deliberated",
        "CONCLUDED": "Concluded",
        "FEEDBACK_GIVEN": "Feedback given",
        "OBJECTED": "Objected",
        "ARCHIVED": "Archived",
    },
}

LEVELS = {
    "zh": {"SIMPLE": "简易事项", "GENERAL": "一般事项", "SPECIAL": "特殊事项"},
    "en": {"SIMPLE": "Simple", "GENERAL": "General", "SPECIAL": "Special"},
}

DEADLINES = {
    "zh": {"TRANSFER": "转交期限（1个工作日）", "HANDLING": "办理期限（5个工作日）", "DELIBERATION": "集体商议期限（10个工作日）"},
    "en": {"TRANSFER": "Transfer (1 working day)", "HANDLING": "Handling (5 working days)", "DELIBERATION": "Deliberation (10 working days)"},
}

DEADLINES_SHORT = {
    "zh": {"TRANSFER": "转交", "HANDLING": "办理", "DELIBERATION": "集体商议"},
    "en": {"TRANSFER": "Transfer", "HANDLING": "Handling", "DELIBERATION": "Deliberation"},
}

PARTIES = {"zh": zh.PARTIES, "en": {"payer": "payer", "other_party": "other party"}}
METHODS = {
    "zh": {"in_person": "当面告知", "phone": "电话", "sms": "短信", "letter": "书面"},
    "en": {"in_person": "in person", "phone": "phone", "sms": "SMS", "letter": "letter"},
}

CHANNELS = {
    "zh": {
        "hotline_12345": "12345热线",
        "hotline_12333": "12333热线",
        "hotline_12366": "12366热线",
        "department_phone": "部门公开电话",
        "service_window": "服务大厅窗口",
        "petition_transfer": "信访转办",
        "township_point": "乡镇(街道)受理点",
    },
    "en": {
        "hotline_12345": "Hotline 12345",
        "hotline_12333": "Hotline 12333",
        "hotline_12366": "Hotline 12366",
        "department_phone": "Department phone",
        "service_window": "Service hall window",
        "petition_transfer": "Letters-and-visits referral",
        "township_point": "Township intake point",
    },
}

CATEGORIES = {
    "zh": {c.value: name for c, name in CATEGORY_NAMES_ZH.items()},
    "en": {
        Category.REGISTRATION_TRANSFER.value: "Registration and transfer of insurance relations",
        Category.REGISTRATION_INFO.value: "Registration information exchange",
        Category.CONTRIBUTION_AMOUNT.value: "Contribution amount",
        Category.SPECIAL_ASSESSMENT.value: "Special assessments by HRSS or medical insurance",
        Category.LATE_FEE.value: "Late fee",
        Category.REFUND_OFFSET.value: "Refund or offset",
        Category.BENEFIT.value: "Benefit assessment and payment",
        Category.COLLECTION_ENFORCEMENT.value: "Collection, inspection and arrears",
        Category.OTHER.value: "Other",
    },
}

PAYER_KINDS = {
    "zh": zh.PAYER_KINDS,
    "en": {"individual": "Individual", "employer": "Employer"},
}

INSURANCE = {
    "zh": {"pension": "养老", "medical": "医疗", "unemployment": "失业", "work_injury": "工伤", "maternity": "生育"},
    "en": {"pension": "pension", "medical": "medical", "unemployment": "unemployment", "work_injury": "work injury", "maternity": "maternity"},
}

OUTCOMES = {
    "zh": {
        "explained": "政策解释",
        "corrected": "更正处理",
        "refunded": "退费",
        "mediated": "调解",
        "not_supported": "不予支持",
        "referred": "转介其他途径",
    },
    "en": {
        "explained": "Explained",
        "corrected": "Corrected",
        "refunded": "Refunded",
        "mediated": "Mediated",
        "not_supported": "Not supported",
        "referred": "Referred",
    },
}

REMEDIES = {
    "zh": zh.REMEDIES,
    "en": {"reconsideration": "administrative reconsideration", "litigation": "administrative litigation"},
}

RISK = {"zh": zh.RISK_LEVELS, "en": {"low": "low", "medium": "medium", "high": "high"}}

EVENTS = {
    "zh": zh.EVENTS,
    "en": {
        "DisputeRegistered": "Registered",
        "ResolvedOnSpot": "Resolved on the spot",
        "DisputeTransferred": "Transferred",
        "TransferSignedFor": "Signed for",
        "DisputeReturned": "Returned (not this unit's)",
        "ProgressRecorded": "Progress",
        "HandlingConcluded": "Concluded",
        "DisputeEscalated": "Escalated to the task force",
        "DeliberationHeld": "Deliberation held",
        "FeedbackGiven": "Feedback given",
        "ObjectionRaised": "Objection raised",
        "RemedyGuidanceGiven": "Remedy guidance",
        "DisputeArchived": "Archived",
        "RiskFlagged": "Risk flagged",
        "SupervisionNoticeIssued": "Supervision notice",
        "SatisfactionRecorded": "Satisfaction recorded",
        "DeadlineMissed": "Deadline missed",
        "DeadlinesRecomputed": "Deadlines recomputed",
    },
}

# Event data fields worth a line of their own in the timeline (the rest are under 详情 / Details).
DATA_FIELDS = {
    "zh": {
        "to_unit": "转交至",
        "unit": "单位",
        "note": "说明",
        "reason": "理由",
        "outcome": "结果类别",
        "result": "处理结果",
        "executing_unit": "执行单位",
        "party": "对象",
        "method": "方式",
        "content": "内容",
        "remedy": "救济途径",
        "kind": "类别",
        "level": "等级",
        "satisfied": "满意",
    },
    "en": {
        "to_unit": "to",
        "unit": "unit",
        "note": "note",
        "reason": "reason",
        "outcome": "outcome",
        "result": "result",
        "executing_unit": "executing unit",
        "party": "party",
        "method": "method",
        "content": "content",
        "remedy": "remedy",
        "kind": "kind",
        "level": "level",
        "satisfied": "satisfied",
    },
}

UNITS_EN = {
    "gov_office": "Municipal Government Office",
    "tax": "Gaoping Tax Bureau",
    "hrss": "Human Resources and Social Security Bureau",
    "petition": "Letters and Visits Bureau",
    "finance": "Finance Bureau",
    "justice": "Justice Bureau",
    "court": "People's Court",
    "police": "Public Security Bureau",
    "medical_insurance": "Medical Insurance Bureau",
    "taskforce": "Task-force office",
}
TASKFORCE_ZH = "工作专班办公室"


TOKEN_PROBLEMS_ZH = {  # interfaces.auth.TokenError messages
    "the token has expired": "令牌已过期",
    "the token is not valid": "令牌格式或签名不正确",
    "the token names no known role": "令牌中的角色无效",
}


def pick_lang(value: str | None) -> str | None:
    return value if value in LANGS else None


class Words:
    """Everything a template needs to say things in one language."""

    def __init__(self, lang: str, units: Mapping[str, str]) -> None:
        self.lang = lang if lang in LANGS else DEFAULT_LANG
        self.html_lang = HTML_LANG[self.lang]
        self._text = TEXT[self.lang]
        self._units = units

    def __call__(self, key: str, **values: object) -> str:
        text = self._text.get(key) or TEXT[DEFAULT_LANG].get(key) or key
        return text.format(**values) if values else text

    def _table(self, table: dict[str, dict[str, str]], code: str | None) -> str:
        if code is None or code == "":
            return self._text["none"]
        return table[self.lang].get(code, code)

    def token_problem(self, message: str) -> str:
        if self.lang != "zh":
            return message
        if message.endswith("token must name a unit"):
            return "该角色的令牌须指定单位"
        return TOKEN_PROBLEMS_ZH.get(message, message)

    def role(self, code: str | None) -> str:
        return self._table(ROLES, code)

    def queue(self, code: str) -> str:
        return self._table(QUEUES, code)

    def status(self, code: str | None) -> str:
        return self._table(STATUSES, (code or "").upper() or None)

    def level(self, code: str | None) -> str:
        return self._table(LEVELS, (code or "").upper() or None)

    def deadline(self, code: str) -> str:
        return self._table(DEADLINES, code.upper())

    def deadline_short(self, code: str) -> str:
        return self._table(DEADLINES_SHORT, code.upper())

    def party(self, code: str | None) -> str:
        return self._table(PARTIES, code)

    def method(self, code: str | None) -> str:
        return self._table(METHODS, code)

    def channel(self, code: str | None) -> str:
        return self._table(CHANNELS, code)

    def category(self, code: str | None) -> str:
        return self._table(CATEGORIES, code)

    def payer_kind(self, code: str | None) -> str:
        return self._table(PAYER_KINDS, code)

    def insurance(self, codes: list[str] | None) -> str:
        if not codes:
            return self._text["none"]
        sep = "、" if self.lang == "zh" else ", "
        return sep.join(INSURANCE[self.lang].get(c, c) for c in codes)

    def outcome(self, code: str | None) -> str:
        return self._table(OUTCOMES, code)

    def remedies(self, codes: list[str] | None) -> str:
        if not codes:
            return self._text["none"]
        sep = "、" if self.lang == "zh" else ", "
        return sep.join(REMEDIES[self.lang].get(c, c) for c in codes)

    def risk(self, code: str | None) -> str:
        return self._table(RISK, code)

    def event(self, code: str) -> str:
        return EVENTS[self.lang].get(code, code)

    def data_field(self, key: str) -> str:
        return DATA_FIELDS[self.lang].get(key, key)

    def township(self, code: str | None) -> str:
        if not code:
            return self._text["none"]
        return TOWNSHIPS.get(code, code)

    def unit(self, code: str | None) -> str:
        if not code:
            return self._text["none"]
        if self.lang == "en" and code in UNITS_EN:
            return UNITS_EN[code]
        if code == "taskforce":
            return TASKFORCE_ZH
        return self._units.get(code, code)

    def yes_no(self, value: bool | None) -> str:
        if value is None:
            return self._text["none"]
        return self._text["yes"] if value else self._text["no"]
