"""One vocabulary: every code the system stores or shows, with its one Chinese and one English label.

The console, the dossier and the ledger say a thing by the label found here, so a fact has one
name everywhere. Chinese labels follow the intake ledger (台账) and the console where they agreed,
and the notice's own words (高政办发〔2024〕20号) where it names the thing. Codes match in any
letter case: events store `transferred`, the API spells it `TRANSFERRED`.

Stored deadline derivations are said in Chinese by `domain.derivations`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple

from domain.values import BUILTIN_UNITS, CATEGORY_NAMES_ZH, TOWNSHIPS

ZH, EN = "zh", "en"
LANGS = (ZH, EN)
TASKFORCE_OFFICE = "taskforce"  # answers for the deliberation deadline; not a registered unit


class Label(NamedTuple):
    zh: str
    en: str

    def say(self, lang: str) -> str:
        return self.en if lang == EN else self.zh


class Codes:
    """The labels of one kind of code (statuses, channels, …)."""

    def __init__(self, labels: Mapping[str, Label]) -> None:
        self._codes = tuple(labels)
        self._labels = {code.lower(): label for code, label in labels.items()}

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code.lower() in self._labels

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes)

    def get(self, code: str) -> Label | None:
        return self._labels.get(code.lower())

    def name(self, code: str, lang: str = ZH) -> str:
        """The label in `lang`; an unknown code is shown as it is."""
        label = self.get(code)
        return code if label is None else label.say(lang)

    def code_of(self, text: str) -> str | None:
        """The code whose label (in either language) is `text`."""
        for code, label in self._labels.items():
            if text in label:
                return code
        return None


def _codes(**labels: tuple[str, str]) -> Codes:
    return Codes({code: Label(*pair) for code, pair in labels.items()})


STATUS = _codes(
    accepted=("已受理", "Accepted"),
    transferred=("已转交", "Transferred"),
    escalated=("已提请专班研判", "Escalated"),
    deliberated=("已集体商议", "Deliberated"),
    concluded=("已办结", "Concluded"),
    feedback_given=("已反馈", "Feedback given"),
    objected=("有异议", "Objected"),
    archived=("已归档", "Archived"),
)
EVENT = _codes(
    DisputeRegistered=("受理登记", "Registered"),
    ResolvedOnSpot=("当场办结（简易事项）", "Resolved on the spot"),
    DisputeTransferred=("转交办理", "Transferred"),
    TransferSignedFor=("签收", "Signed for"),
    DisputeReturned=("退回（非本单位职责）", "Returned (not this unit's)"),
    ProgressRecorded=("办理进展", "Progress"),
    HandlingConcluded=("办结", "Concluded"),
    DisputeEscalated=("提请工作专班研判", "Escalated to the task force"),
    DeliberationHeld=("集体商议", "Deliberation held"),
    FeedbackGiven=("反馈结果", "Feedback given"),
    ObjectionRaised=("提出异议", "Objection raised"),
    NoObjectionConfirmed=("无异议确认", "No objection confirmed"),
    RemedyGuidanceGiven=("救济途径指导", "Remedy guidance"),
    DisputeArchived=("案卷归档", "Archived"),
    RiskFlagged=("风险标记", "Risk flagged"),
    SupervisionNoticeIssued=("督办", "Supervision notice"),
    SatisfactionRecorded=("回访", "Satisfaction recorded"),
    DeadlineMissed=("期限届满未完成", "Deadline missed"),
    DeadlinesRecomputed=("期限重新计算", "Deadlines recomputed"),
    PersonalDataShredded=("个人信息销毁（密钥销毁）", "Personal data destroyed (key destroyed)"),
    DisputeSnapshot=("案卷状态快照", "State snapshot"),
    CaseNumberIssued=("案号分配", "Case number issued"),
    UnitAdded=("增加成员单位", "Member unit added"),
    YearScheduleLoaded=("载入年度放假安排", "Holiday notice loaded"),
)
OUTCOME = _codes(
    explained=("政策解释", "Explained"),
    corrected=("更正处理", "Corrected"),
    refunded=("退费", "Refunded"),
    mediated=("调解", "Mediated"),
    not_supported=("不予支持", "Not supported"),
    referred=("转介其他途径", "Referred"),
)
PARTY = _codes(payer=("缴费人", "payer"), other_party=("争议对方", "other party"))
REMEDY = _codes(
    reconsideration=("行政复议", "administrative reconsideration"),
    litigation=("行政诉讼", "administrative litigation"),
)
CHANNEL = _codes(
    hotline_12345=("12345热线", "Hotline 12345"),
    hotline_12333=("12333热线", "Hotline 12333"),
    hotline_12366=("12366热线", "Hotline 12366"),
    department_phone=("部门公开电话", "Department phone"),
    service_window=("服务大厅窗口", "Service hall window"),
    petition_transfer=("信访转办", "Letters-and-visits referral"),
    township_point=("乡镇(街道)受理点", "Township intake point"),
)
_CATEGORY_EN = {
    "registration_transfer": "Registration and transfer of insurance relations",
    "registration_info": "Registration information exchange",
    "contribution_amount": "Contribution amount",
    "special_assessment": "Special assessments by HRSS or medical insurance",
    "late_fee": "Late fee",
    "refund_offset": "Refund or offset",
    "benefit": "Benefit assessment and payment",
    "collection_enforcement": "Collection, inspection and arrears",
    "other": "Other",
}
CATEGORY = Codes({c.value: Label(name, _CATEGORY_EN[c.value]) for c, name in CATEGORY_NAMES_ZH.items()})
INSURANCE = _codes(
    pension=("养老", "pension"),
    medical=("医疗", "medical"),
    unemployment=("失业", "unemployment"),
    work_injury=("工伤", "work injury"),
    maternity=("生育", "maternity"),
)
PAYER_KIND = _codes(individual=("个人", "Individual"), employer=("用人单位", "Employer"))
ID_DOCUMENT = _codes(  # what identifies a payer of each kind
    individual=("居民身份证号码", "Resident ID number"),
    employer=("统一社会信用代码", "Unified social credit code"),
)
OTHER_PARTY_KIND = _codes(  # free text in the ledger; the usual words get a label
    employer=("用人单位", "employer"),
    employee=("职工", "employee"),
    individual=("个人", "individual"),
    agency=("行政机关", "agency"),
)
FEEDBACK_METHOD = _codes(
    in_person=("当面告知", "in person"), phone=("电话", "phone"), sms=("短信", "SMS"), letter=("书面", "letter")
)
LEVEL = _codes(simple=("简易事项", "Simple"), general=("一般事项", "General"), special=("特殊事项", "Special"))
DEADLINE_KIND = _codes(
    transfer=("转交期限", "Transfer deadline"),
    handling=("办理期限", "Handling deadline"),
    deliberation=("集体商议期限", "Deliberation deadline"),
)
DEADLINE_RULE = _codes(  # the notice's words, 四(二)2 and 3
    transfer=("受理后1个工作日内", "1 working day after acceptance"),
    handling=("转交后5个工作日内", "5 working days after the transfer"),
    deliberation=("受理之日起10个工作日内", "10 working days from acceptance"),
)
RISK_LEVEL = _codes(low=("低", "low"), medium=("中", "medium"), high=("高", "high"))
RISK_KIND = _codes(group=("群体性风险", "group risk"))
QUEUE = _codes(
    TO_TRANSFER=("待转交", "To transfer"),
    IN_HANDLING=("办理中", "In handling"),
    TO_DELIBERATE=("待专班研判", "To deliberate"),
    TO_FEEDBACK=("待反馈", "To give feedback"),
    OBJECTED=("有异议", "Objected"),
    OVERDUE=("已超期", "Overdue"),
    TO_DESIGNATE=("待指定承办", "To designate"),
    RISK=("风险案件", "At risk"),
)
ROLE = _codes(
    clerk=("受理人员", "Clerk"),
    handler=("承办人员", "Handler"),
    taskforce=("工作专班", "Task force"),
    legal=("法制审核人员", "Legal staff"),
    auditor=("审计人员", "Auditor"),
    integrator=("对接平台", "Integrator"),
    system=("系统", "System"),
)
ARCHIVE_BASIS = _codes(  # why a told party counts as settled when the case is archived (四(三))
    confirmed=("无异议确认", "No objection confirmed"),
    quiet_period=("异议期届满", "Quiet period passed"),
    guided=("已业务指导", "Remedy guidance given"),
)
ANSWERS = _codes(  # how the case stands with its parties (四(三)), as the console and the dossier say it
    feedback_pending=("待反馈当事人", "Still to be told"),
    no_objection=("无异议确认", "No objection confirmed"),
    objections=("提出异议", "Objected"),
    archive_basis=("归档依据", "Archived because"),
    remedy_windows=("救济期限", "Remedy windows"),
    quiet_until=("异议期至", "quiet period to"),
    provisional=("（暂定）", " (provisional)"),
    window=("{party}申请{kind}：{starts}起至{last}，向{body}", "{party}: {kind} from {starts} to {last}, to {body}"),
)
TIMELINE_AXIS = _codes(  # which time a moment of time travel is (the API's TimelineAxis)
    recorded=("按记录时间", "By recording time"),
    acted=("按办理时间", "By act time"),
)
AS_OF = _codes(  # what a time-travel view shows, per axis; and why it can show no case
    recorded=("按记录时间：您正在查看截至 {at}（北京时间）已记入系统的记录，以及这些记录反映的案卷状态。",
              "By recording time: you are viewing what had been recorded by {at} (Asia/Shanghai), and the case as "
              "that record showed it."),
    acted=("按办理时间：您正在查看案件在 {at}（北京时间）时的办理状态，事后补录的办理事项按其办理时间计入。",
           "By act time: you are viewing the case as it stood at {at} (Asia/Shanghai); acts recorded later count "
           "at the time they happened."),
    recorded_empty=("截至该时刻系统中尚无本案记录。本案首次记录于 {first}，其受理登记时间为 {acted}：可改为按办理时间查看。",
                    "Nothing of this case had been recorded by then. It was first recorded at {first}, registered "
                    "as of {acted}: view it by act time."),
    acted_empty=("该时刻本案尚未受理登记；受理登记时间为 {acted}。",
                 "The case had not been registered at that moment; it was registered as of {acted}."),
)
STEP = _codes(  # acts named in the console and the dossier that are not an event type of their own
    returned=("退回", "Returned"),
    designation=("指定承办", "Designation"),
    no_objection=("无异议确认", "No-objection confirmation"),
    reopened=("重新开启", "Reopened"),
)
DAY_KIND = _codes(
    working_day=("工作日", "working day"),
    weekend=("周末", "weekend"),
    make_up_working_day=("调休上班日", "make-up working day"),
    holiday=("假期", "holiday"),
    statutory_holiday_provisional=("法定节假日（暂定）", "statutory holiday (provisional)"),
    day_off_in_lieu=("补假", "day off in lieu"),
)
# Holidays are named in Chinese in the notices; a schedule loaded with English names reads back.
HOLIDAY = Codes({name: Label(name, en) for name, en in {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "清明节": "Qingming Festival",
    "劳动节": "Labour Day",
    "端午节": "Dragon Boat Festival",
    "中秋节": "Mid-Autumn Festival",
    "国庆节": "National Day",
    "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日": "70th anniversary of the victory of the War of Resistance",
}.items()})
_UNITS_EN = {
    "gov_office": "Municipal Government Office",
    "tax": "Gaoping Tax Bureau",
    "hrss": "Human Resources and Social Security Bureau",
    "petition": "Letters and Visits Bureau",
    "finance": "Finance Bureau",
    "justice": "Justice Bureau",
    "court": "People's Court",
    "police": "Public Security Bureau",
    "medical_insurance": "Medical Insurance Bureau",
}
UNIT = Codes({
    **{code: Label(name, _UNITS_EN[code]) for code, name in BUILTIN_UNITS.items()},
    TASKFORCE_OFFICE: Label("工作专班办公室", "Task-force office"),
})
_TOWNSHIPS_EN = {
    "140581001": "Beicheng Subdistrict", "140581002": "Dongcheng Subdistrict", "140581003": "Nancheng Subdistrict",
    "140581101": "Mishan Town", "140581102": "Sanjia Town", "140581103": "Shennong Town", "140581104": "Chenqu Town",
    "140581105": "Beishi Town", "140581106": "Hexi Town", "140581107": "Macun Town", "140581108": "Yechuan Town",
    "140581109": "Sizhuang Town", "140581201": "Jianning Township", "140581202": "Shimo Township",
    "140581203": "Yuancun Township",
}  # fmt: skip
TOWNSHIP = Codes({code: Label(name, _TOWNSHIPS_EN[code]) for code, name in TOWNSHIPS.items()})


def unit_name(code: str, lang: str, registered: Mapping[str, str]) -> str:
    """A built-in unit by its label; a unit the task force added keeps the name it was registered
    with (in both languages); an unknown code is shown as it is."""
    label = UNIT.get(code)
    if label is not None:
        return label.say(lang)
    return registered.get(code, code)


def holiday_name(name: str, lang: str = ZH) -> str:
    code = name if name in HOLIDAY else HOLIDAY.code_of(name)
    return name if code is None else HOLIDAY.name(code, lang)
