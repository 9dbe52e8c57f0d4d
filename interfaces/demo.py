"""`fengqiao demo`: load a realistic set of sample cases into an empty store.

Every case goes through the application's use cases (register, transfer, sign for, …) with
back-dated `at` values, exactly as a clerk recording past acts would, so the demo exercises the
same rules, deadlines and events as real use. Nothing is written to the store directly.

What it loads (default 120 cases, intake from January 2024 to the last working days):
- every member unit accepting cases through its channels, every category, every channel,
  townships across Gaoping, employers and individuals, collective cases, other parties;
- every track: settled on the spot (some archived), general cases transferred, handled, fed back
  to both parties and archived, cases returned as "not ours" and transferred again, special cases
  escalated to the task force and deliberated, objections with remedy guidance (reconsideration,
  litigation, and litigation after a reconsideration decision);
- deadlines missed on purpose: a transfer 3 working days late, a handling that took 9 working
  days, a deliberation held on the 13th working day; risk flags (one HIGH), supervision notices,
  satisfaction records; and open cases at every status so the work queues are populated.

The run is deterministic for a given seed and clock: recent cases are placed relative to the
application's clock, and no act is dated after it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import msgspec

from application import commands as cmd
from application.disputes import Fengqiao
from domain.calendar import SHANGHAI, deemed_acceptance
from domain.identifiers import credit_code_check_char, resident_id_check_char
from domain.reference import sequence_id_for
from domain.values import (
    BUILTIN_UNITS,
    DEFAULT_HANDLING_UNIT,
    TOWNSHIPS,
    Actor,
    Category,
    Channel,
    FeedbackMethod,
    InsuranceType,
    Outcome,
    PartyRole,
    PayerKind,
    RemedyKind,
    RiskLevel,
    Role,
)

DEFAULT_SIZE = 120
FIRST_YEAR = 2020  # the refusal check looks for case numbers issued from this year on
HISTORY_START = date(2024, 1, 2)

__all__ = ["DEFAULT_SIZE", "DemoRefused", "load_demo", "minimum_size"]


class DemoRefused(Exception):
    """The demo loads only into an empty store."""


# --- actors ---------------------------------------------------------------------------------


def _clerk(unit: str) -> Actor:
    return Actor(subject=f"demo-clerk-{unit}", role=Role.CLERK, unit=unit)


def _handler(unit: str) -> Actor:
    return Actor(subject=f"demo-handler-{unit}", role=Role.HANDLER, unit=unit)


TASKFORCE = Actor(subject="demo-taskforce-office", role=Role.TASKFORCE)
LEGAL = Actor(subject="demo-legal-justice", role=Role.LEGAL, unit="justice")

# Who sits in a task-force meeting for each unit (names are fictional).
STAFF: dict[str, str] = {
    "tax": "王建军（税务局社会保险费科科长）",
    "hrss": "李红梅（人社局社会保险事业中心主任）",
    "medical_insurance": "秦晓燕（医保局医疗保障中心副主任）",
    "finance": "郭志强（财政局社会保障科科长）",
    "justice": "牛文斌（司法局法治督察科科长）",
    "court": "常海峰（市法院立案庭副庭长）",
    "police": "焦永刚（公安局治安大队副大队长）",
    "petition": "毕春梅（信访局办信科科长）",
    "gov_office": "原志刚（市政府办公室副主任）",
}

# --- people, employers, identifiers -----------------------------------------------------------

SURNAMES = (
    "王李张刘赵郭杨陈秦牛申常崔焦毕原靳程成畅马孙周吴徐朱胡高韩冯田董宋曹袁许邓贾范石"
)
MALE_GIVEN = (
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "鹏", "浩", "建国", "建军", "志刚", "国强",
    "海峰", "晓东", "红军", "宏伟", "永强", "文斌", "俊杰", "宇航", "子豪", "保平", "二虎",
    "天明", "立新", "振华", "学文", "守仁",
)
FEMALE_GIVEN = (
    "娜", "丽", "静", "敏", "燕", "艳", "芳", "霞", "红梅", "秀英", "桂兰", "玉兰", "丽娟",
    "晓燕", "春梅", "海燕", "雪", "婷", "欣怡", "佳琪", "改英", "翠萍", "俊霞", "丽萍", "小红",
)
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "177", "180", "182", "183", "185", "186", "187", "188", "189",
    "199",
)
COMPANY_PLACES = (
    "丹河", "长平", "炎帝", "米山", "神农", "三甲", "马村", "北诗", "寺庄", "原村", "河西", "陈区",
    "建宁", "石末", "野川", "泫水", "高平",
)
COMPANY_WORDS = (
    "宏达", "鑫源", "恒泰", "瑞丰", "金泰", "华晋", "晋辉", "兴隆", "永盛", "福瑞", "鼎盛", "润泽",
    "广汇", "昌盛", "东方", "三和",
)
COMPANY_TRADES = (
    "煤业有限公司", "建筑工程有限公司", "农业开发有限公司", "物流有限公司", "食品有限公司",
    "丝织有限公司", "黄梨醋业有限公司", "机械制造有限公司", "商贸有限公司", "物业服务有限公司",
    "餐饮管理有限公司", "医药连锁有限公司", "新能源科技有限公司", "铸造有限公司", "运输有限公司",
)
URBAN = ("140581001", "140581002", "140581003")

_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_check(body: str) -> str:
    """GB 11714 check character of a 9-character organisation code."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


# --- what the cases are about -----------------------------------------------------------------

P, M, U, W, MAT = (
    InsuranceType.PENSION,
    InsuranceType.MEDICAL,
    InsuranceType.UNEMPLOYMENT,
    InsuranceType.WORK_INJURY,
    InsuranceType.MATERNITY,
)
ALL_FIVE = (P, M, U, W, MAT)
IND, EMP = PayerKind.INDIVIDUAL, PayerKind.EMPLOYER


@dataclass(frozen=True)
class _Topic:
    key: str
    category: Category
    payer: PayerKind
    insurance: tuple[InsuranceType, ...]
    summary: str
    result: str
    outcome: Outcome
    feedback: str
    simple: str | None = None  # the clerk's answer when settled on the spot
    progress: tuple[str, ...] = ()
    other: str | None = None  # "employer", "employee" or "dispatch"
    handling: str | None = None  # overrides the routing table
    note: str | None = None  # transfer note that explains the override
    people: bool = False  # people_involved = {n}
    objection: str | None = None
    amount: tuple[int, int] = (500, 5000)
    small: tuple[int, int] = (50, 500)
    n: tuple[int, int] = (2, 12)
    age: tuple[int, int] = (24, 58)
    intake: tuple[tuple[Channel, str, int], ...] | None = None
    trade: str | None = None  # the company's line of business, when the text needs one

    @property
    def handling_unit(self) -> str:
        return self.handling or DEFAULT_HANDLING_UNIT[self.category]


C = Channel
TAX_INTAKE = (
    (C.HOTLINE_12366, "tax", 6), (C.SERVICE_WINDOW, "tax", 5), (C.DEPARTMENT_PHONE, "tax", 2),
    (C.HOTLINE_12345, "gov_office", 3), (C.TOWNSHIP_POINT, "tax", 2), (C.PETITION_TRANSFER, "petition", 1),
)
HRSS_INTAKE = (
    (C.HOTLINE_12333, "hrss", 6), (C.SERVICE_WINDOW, "hrss", 5), (C.TOWNSHIP_POINT, "hrss", 3),
    (C.HOTLINE_12345, "gov_office", 3), (C.DEPARTMENT_PHONE, "hrss", 1), (C.PETITION_TRANSFER, "petition", 1),
)
MEDICAL_INTAKE = (
    (C.SERVICE_WINDOW, "medical_insurance", 4), (C.DEPARTMENT_PHONE, "medical_insurance", 2),
    (C.HOTLINE_12345, "gov_office", 2), (C.HOTLINE_12333, "hrss", 1),
)

TOPICS: tuple[_Topic, ...] = (
    # 1 registration and transfer of insurance relations
    _Topic(
        "RT1", Category.REGISTRATION_TRANSFER, IND, (P,),
        summary="缴费人反映其{year}年从江苏省苏州市返回高平就业，已于{date}申请将养老保险关系从苏州转入高平，"
        "至今{months}个月仍未到账。个人权益记录中{year0}年至{year}年的缴费年限缺失，担心影响今后退休待遇，"
        "要求尽快办结转移接续并核实缴费年限。",
        simple="经当场通过全国社会保险关系转移系统查询，转出地已完成审核，基金正在划转途中，预计15个工作日内到账；"
        "已告知缴费人到账后可通过“民生山西”APP查询缴费年限，逾期未到账可直接联系本窗口。",
        progress=("已通过全国转移接续平台向苏州市社保中心发出协查函，等待对方回复。",
                  "转出地回复参保信息已核对，转移基金将于本周内划转。"),
        result="经与转出地社保经办机构核对，转移申请因缴费人姓名中生僻字编码不一致被系统退回。现已人工核对身份信息并重新发起转移，"
        "转出地已划转统筹基金和个人账户资金，{year0}年至{year}年的缴费年限已全部记入缴费人权益记录。",
        outcome=Outcome.CORRECTED,
        feedback="已电话告知缴费人养老保险关系已转入、缴费年限已补齐，可通过“民生山西”APP或社保窗口查询个人权益记录。",
    ),
    _Topic(
        "RT2", Category.REGISTRATION_TRANSFER, IND, (P, M, U),
        summary="缴费人于{date}与{other}解除劳动合同，单位至今未办理社会保险减员手续，导致其无法在税务端以灵活就业人员身份"
        "申报缴纳养老保险和医疗保险，已断缴{months}个月。缴费人多次联系单位无果，要求协调单位尽快办理停保。",
        progress=("已电话联系{other}人力资源部门，单位称经办人员离职导致减员遗漏，同意三日内办理。",
                  "已核实单位于今日在人社系统提交减员申报。"),
        result="经人社部门督促，{other}已为缴费人办理社会保险减员和关系转移手续，停保信息已传递至税务部门。缴费人已可在税务端以"
        "灵活就业人员身份申报缴费，断缴期间可按规定补缴。已提醒单位今后及时办理人员增减变动。",
        outcome=Outcome.CORRECTED,
        feedback="已电话告知缴费人单位已办理减员，可通过“晋税通”或税务大厅办理灵活就业人员参保缴费，并说明了断缴月份的补缴办法。",
        other="employer",
    ),
    _Topic(
        "RT3", Category.REGISTRATION_TRANSFER, IND, (M,),
        summary="缴费人反映其职工医疗保险关系从晋城市城区转入高平时，转移凭证显示中断{months}个月，转入后门诊慢特病待遇被暂停。"
        "缴费人患有高血压、糖尿病，需长期用药，要求尽快核对转移信息并恢复待遇。",
        simple="经当场在医保信息平台核对，转移手续已办结，中断月份系转出地延迟上传缴费明细所致，现已显示连续参保；已告知缴费人"
        "门诊慢特病待遇次月起自动恢复，期间自付的合规费用可凭票据申请报销。",
        result="经与晋城市医保中心核对，中断{months}个月系转出地未按时上传缴费明细所致，并非缴费人断缴。现已补传明细并合并缴费年限，"
        "缴费人门诊慢特病待遇已于本月恢复，暂停期间发生的合规费用按规定予以补报。",
        outcome=Outcome.CORRECTED,
        feedback="已当面告知缴费人医保关系已连续、慢特病待遇已恢复，并指导其携带发票到医保窗口办理补报。",
        handling="medical_insurance",
        note="医疗保险关系转移接续属医保部门职责，转市医保局办理。",
        age=(45, 68),
        intake=MEDICAL_INTAKE,
    ),
    # 2 transmission of registration information
    _Topic(
        "RI1", Category.REGISTRATION_INFO, IND, (P,),
        summary="缴费人于{date}在市人社局窗口办理城乡居民养老保险参保登记后，到税务大厅缴纳{year}年度保费时系统提示"
        "“无有效参保登记信息”，往返两次仍未缴上，担心错过当年缴费期，要求核实登记信息传递情况。",
        simple="经当场查询，参保登记信息因批量传递尚未同步至税务系统，已协调人社后台即时重推，缴费人当场在税务窗口完成缴费，未再往返。",
        result="经人社、税务两部门核对，系参保登记信息接口传递失败所致。人社局已重新推送登记信息，税务端已正常显示，缴费人已完成"
        "{year}年度缴费；两部门已建立每日比对机制，防止类似问题再次发生。",
        outcome=Outcome.CORRECTED,
        feedback="已电话告知缴费人登记信息已同步、缴费已完成，如有疑问可拨打12366或12333咨询。",
    ),
    _Topic(
        "RI2", Category.REGISTRATION_INFO, EMP, (P, M, U, W),
        summary="{company}反映{ym}新增{n}名职工的参保登记已在人社系统办结，但单位在税务端申报时人员信息未同步，"
        "导致当月社会保险费无法足额申报。单位担心超过申报期产生滞纳金，要求协调处理。",
        progress=("已将{n}名职工名单推送人社局信息科逐人比对。", "人社局反馈部分人员登记信息校验未通过，正在更正。"),
        result="经核查，{n}名职工中有部分人员身份证号码在登记时录入错误，导致信息传递失败。人社局已更正登记信息并重新传递，"
        "税务端已可正常申报；经税务局确认，因信息传递原因逾期的，本期不加收滞纳金。",
        outcome=Outcome.CORRECTED,
        feedback="已电话告知单位经办人人员信息已同步，请于申报期内完成申报，本期不因此加收滞纳金。",
        people=True,
        n=(3, 18),
    ),
    _Topic(
        "RI3", Category.REGISTRATION_INFO, IND, (P, M),
        summary="缴费人反映其参保登记中的出生日期录入有误（比实际晚一年），导致税务端缴费记录与人社端个人权益记录对应不上，"
        "{year}年以来的缴费记录无法归集到个人账户，担心影响退休年龄认定。",
        progress=("已调取缴费人户籍信息和{year0}年原始参保登记表。",),
        result="经调取缴费人户籍档案和原始参保资料核实，出生日期系{year0}年登记时录入错误。人社局已按户籍信息更正，并将更正后的"
        "信息传递至税务部门，缴费记录已全部归集至个人账户。",
        outcome=Outcome.CORRECTED,
        feedback="已电话告知缴费人出生日期已更正、缴费记录已归集，可到人社窗口打印个人权益记录单核对。",
        age=(48, 59),
    ),
    # 3 amount of contributions
    _Topic(
        "CA1", Category.CONTRIBUTION_AMOUNT, IND, (P,),
        summary="缴费人系灵活就业人员，认为{year}年度养老保险缴费基数下限按全省上年度全口径城镇单位就业人员平均工资的60%确定，"
        "月缴费额偏高，本人月收入不足两千元，难以承受，要求说明缴费基数确定依据，并咨询能否选择更低档次。",
        simple="已当场向缴费人解释：灵活就业人员可在全省平均工资的60%至300%之间自主选择缴费基数，60%为最低档；同时介绍了城乡居民"
        "养老保险的参保条件和缴费档次，缴费人表示理解，将考虑按最低档继续缴纳。",
        result="经核实，缴费人{year}年度按全省上年度平均工资的60%申报缴费，基数和费率均符合规定，征收金额无误。已向缴费人说明缴费基数"
        "政策及就业困难人员社会保险补贴申请条件，并推送市人社局就业服务窗口协助申请补贴。",
        outcome=Outcome.EXPLAINED,
        feedback="已电话向缴费人说明缴费基数政策和社保补贴申请渠道，缴费人表示将到人社窗口申请补贴。",
    ),
    _Topic(
        "CA2", Category.CONTRIBUTION_AMOUNT, EMP, ALL_FIVE,
        summary="{company}反映税务机关{ym}核定的单位社会保险费应缴金额较上月增加{amount}元，而单位职工人数和工资总额均无变化，"
        "怀疑缴费基数计算有误，要求核对明细并说明原因。",
        simple="经当场调取申报明细，增加部分系单位{n}名职工年度缴费基数调整后生效所致，已向单位财务人员逐项解释计算过程，单位认可核定金额。",
        progress=("已调取单位近两年逐月申报明细和年度缴费工资申报表。",),
        result="经逐人核对申报明细，单位有{n}名职工在年度缴费工资申报时将年终奖金计入月工资，导致缴费基数偏高。已指导单位更正申报，"
        "多缴部分{amount}元可在下期抵缴或申请退费。",
        outcome=Outcome.CORRECTED,
        feedback="已电话告知单位财务负责人核对结果和更正申报办法，单位选择在下期抵缴。",
        amount=(1200, 18000),
    ),
    _Topic(
        "CA3", Category.CONTRIBUTION_AMOUNT, IND, (M,),
        summary="缴费人通过“晋税通”小程序缴纳{year}年度城乡居民医疗保险费，银行卡被扣款两次，共计{amount}元，但缴费记录仅显示一笔，"
        "要求核实并退还多扣款项。",
        simple="经当场查询第三方支付对账记录，第二笔扣款为银行重复扣款，已在清算日自动冲正，款项将于3个工作日内原路退回；已向缴费人提供查询方式。",
        result="经税务机关与银行对账，第二笔扣款系银行端重复扣款未入库，已由银行原路退回缴费人账户；缴费人{year}年度医保缴费记录完整，"
        "待遇享受不受影响。",
        outcome=Outcome.REFUNDED,
        feedback="已短信告知缴费人重复扣款已原路退回，{year}年度医保缴费记录完整。",
        amount=(700, 800),
    ),
    _Topic(
        "CA4", Category.CONTRIBUTION_AMOUNT, IND, (P, M, U, W, MAT),
        summary="缴费人反映{other}长期按最低缴费基数为其申报社会保险费，与其实际工资（月均{amount}元）不符，导致其个人权益受损，"
        "要求税务机关核查单位申报情况并按实际工资补缴。",
        progress=("已向{other}送达《社会保险费缴费检查通知书》，调取工资发放记录。",
                  "已核对单位{year}年以来工资表和个税申报数据，差额已初步确定。"),
        result="经税务机关开展缴费检查，核实{other}{year}年以来存在按最低基数申报问题。已责令单位按实际工资总额补申报，并对缴费人差额"
        "部分予以补缴；单位已于限期内缴清。",
        outcome=Outcome.CORRECTED,
        feedback="已电话告知缴费人检查结果，单位已按实际工资补缴差额，可在权益记录中查询。",
        other="employer",
        objection="{other}对责令补缴的结果有异议，认为缴费人月工资中包含的绩效奖金和加班费不应计入缴费基数，单位表示将申请行政复议。",
        amount=(4200, 7800),
    ),
    # 4 special amounts assessed by HR or medical insurance
    _Topic(
        "SA1", Category.SPECIAL_ASSESSMENT, IND, (P,),
        summary="缴费人系原{company}职工，{year0}年企业改制时未为其办理养老保险，现申请政策性补缴。缴费人对人社局核定的补缴金额{amount}元"
        "（含利息）有异议，认为利息应从核定之日起计算，而非从应缴之日起计算。",
        progress=("已调取企业改制档案和缴费人工资台账。", "已按应缴年度逐年复算补缴本金和利息。"),
        result="经复核，补缴金额按应缴年度的缴费基数和比例核定，利息按规定从应缴之日起计算，核定金额符合政策规定。已向缴费人出具"
        "逐年核定明细，并说明可分期缴纳的办法。",
        outcome=Outcome.EXPLAINED,
        feedback="已当面向缴费人送达核定明细并逐项解释利息计算依据。",
        objection="缴费人对复核结果不服，坚持认为企业改制时未参保责任在原单位，利息不应由个人承担，表示将提起行政诉讼。",
        amount=(30000, 90000),
        age=(50, 60),
    ),
    _Topic(
        "SA2", Category.SPECIAL_ASSESSMENT, IND, (M,),
        summary="缴费人对市医保局核定的职工医疗保险补缴金额{amount}元有异议，认为{year0}年至{year}年期间已在外地参保缴费，"
        "不应在高平重复补缴，要求重新核定。",
        progress=("已通过国家医保信息平台向参保地发出跨省协查。",),
        result="经医保部门跨省核查，缴费人{year0}年至{year}年期间在外地参保属实，重复期间不再核定补缴。已重新核定补缴金额并传递至税务部门，"
        "原核定通知书作废。",
        outcome=Outcome.CORRECTED,
        feedback="已电话告知缴费人重新核定结果，并提醒其按新通知书金额到税务窗口缴纳。",
        handling="medical_insurance",
        note="医疗保险特殊缴费核定属医保部门职责，转市医保局办理。",
        amount=(5000, 20000),
        intake=MEDICAL_INTAKE,
    ),
    _Topic(
        "SA3", Category.SPECIAL_ASSESSMENT, EMP, (P, U, W),
        summary="{company}对人社局核定的应办未办参保登记职工补缴金额有异议，认为核定名单中有{n}名人员为劳务派遣用工，"
        "应由派遣单位{other}承担缴费责任，不应由本单位补缴。",
        progress=("已调取劳务派遣协议和{year}年工资发放记录。",),
        result="经核查劳务派遣协议和工资发放记录，{n}名人员中有部分人员与派遣单位签订劳动合同并由其发放工资，补缴责任应由派遣单位承担，"
        "已从核定名单中剔除；其余人员补缴金额维持原核定。",
        outcome=Outcome.CORRECTED,
        feedback="已书面告知单位复核结果和调整后的核定金额。",
        other="dispatch",
        people=True,
        n=(3, 12),
    ),
    _Topic(
        "SA4", Category.SPECIAL_ASSESSMENT, IND, (P,),
        summary="缴费人咨询补缴{year0}年以前断缴月份养老保险费时，对核定补缴基数按补缴时上年度平均工资而非断缴当年工资计算有疑问，"
        "认为核定金额过高。",
        simple="已当场解释：按现行政策，补缴历史欠费以补缴时上年度全省平均工资为基数核定，并出示了政策文件；同时说明了补缴对养老金"
        "计发的影响，缴费人表示理解。",
        result="经复核，补缴基数按政策规定以补缴时上年度全省平均工资为基数核定，核定金额无误。已向缴费人出具书面说明。",
        outcome=Outcome.EXPLAINED,
        feedback="已电话告知缴费人复核结果，书面说明已邮寄。",
        age=(45, 59),
    ),
    # 5 late-payment surcharge
    _Topic(
        "LF1", Category.LATE_FEE, EMP, ALL_FIVE,
        summary="{company}因银行账户被法院冻结，未能按期缴纳{ym}社会保险费，税务机关自滞纳之日起按日加收万分之五的滞纳金共计{amount}元。"
        "单位认为逾期系账户冻结所致，非主观拖欠，要求减免滞纳金。",
        simple="已当场向单位说明：根据《社会保险法》第八十六条，用人单位未按时足额缴纳社会保险费的，自欠缴之日起按日加收万分之五的"
        "滞纳金，账户冻结不属于法定免除情形；同时告知单位对加收决定不服可依法申请行政复议。",
        progress=("已调取单位欠费明细和滞纳金计算过程。",),
        result="经核查，单位逾期缴费事实清楚，滞纳金按日万分之五计算无误，不符合减免条件，维持加收决定。已向单位说明法律依据，"
        "并告知行政复议和行政诉讼途径。",
        outcome=Outcome.NOT_SUPPORTED,
        feedback="已向单位送达书面答复，说明维持加收滞纳金的法律依据及救济途径。",
        objection="单位对维持加收滞纳金的结果不服，认为账户被冻结属于不可归责于单位的情形，坚持要求全额减免，表示将申请行政复议。",
        amount=(800, 30000),
    ),
    _Topic(
        "LF2", Category.LATE_FEE, IND, (P,),
        summary="缴费人补缴{year}年灵活就业人员养老保险费时被加收滞纳金{amount}元。缴费人称其于申报期最后一天已通过手机端提交缴费，"
        "因系统故障扣款未成功，不应加收滞纳金，并提供了手机截图。",
        progress=("已向信息中心调取缴费人申报期内的操作日志。",),
        result="经调取系统日志，缴费人于申报期内确已提交缴费申请，因第三方支付通道故障导致扣款失败，不属于缴费人原因。已撤销滞纳金加收，"
        "已缴滞纳金{amount}元予以退还。",
        outcome=Outcome.REFUNDED,
        feedback="已电话告知缴费人滞纳金已撤销并退还，退款将原路返回。",
        amount=(50, 600),
    ),
    _Topic(
        "LF3", Category.LATE_FEE, EMP, (P, U, W),
        summary="{company}补缴统一征收前形成的欠费时，对一并加收的滞纳金计算起点有异议，认为应自人社部门核定欠费之日起计算，"
        "而非自欠费发生之日起计算，涉及滞纳金{amount}元。",
        progress=("已向人社局调取原欠费核定文书。",),
        result="经税务、人社部门共同核对，统模式前欠费的滞纳金应按原核定文书确定的起算日计算。经复核，原计算起点有误，已更正滞纳金计算，"
        "单位应缴滞纳金调减{small}元。",
        outcome=Outcome.CORRECTED,
        feedback="已电话告知单位更正后的滞纳金金额，并送达更正后的缴费通知。",
        amount=(3000, 60000),
        small=(800, 9000),
    ),
    # 6 refund / offset
    _Topic(
        "RO1", Category.REFUND_OFFSET, IND, (P,),
        summary="缴费人反映其已在外地参加城镇职工养老保险，申请退还在高平重复缴纳的{year}年度城乡居民养老保险费{amount}元，"
        "退费申请提交已超过{n}个工作日仍未到账，要求说明办理进度。",
        simple="经当场查询，退费申请已经税务初核、人社复核，目前处于国库退库环节，预计5个工作日内到账；已告知缴费人退费进度查询方式。",
        progress=("已查询退费流转记录，退库环节提示收款账户异常。",),
        result="经核查，退费已完成税务初核和人社复核，因缴费人提供的银行账户已销户导致退库失败。已联系缴费人更新收款账户，"
        "退费{amount}元已重新办理退库并到账。",
        outcome=Outcome.REFUNDED,
        feedback="已电话告知缴费人退费已到账，并提醒其核对银行入账记录。",
        amount=(300, 5000),
        n=(10, 30),
    ),
    _Topic(
        "RO2", Category.REFUND_OFFSET, EMP, (P, M, U, W, MAT),
        summary="{company}因{n}名职工离职后未及时办理减员，多缴了{months}个月的社会保险费共计{amount}元，要求办理退费或抵缴以后月份"
        "应缴费款，对退费流程和所需材料有疑问。",
        simple="已当场说明退（抵）费流程：单位可选择抵缴以后月份费款，或提交退费申请经税务初核、人社复核后退库；已一次性告知所需材料清单，"
        "单位选择抵缴。",
        progress=("已完成退费初核，推送人社局复核。", "人社局复核确认{n}名人员离职时间。"),
        result="经税务初核、人社复核，确认单位多缴费款{amount}元，按单位意愿已办理抵缴，抵缴后续月份应缴费款，无需另行退库。",
        outcome=Outcome.REFUNDED,
        feedback="已电话告知单位经办人抵缴已办结，抵缴明细可在电子税务局查询。",
        amount=(3000, 40000),
        n=(2, 9),
    ),
    _Topic(
        "RO3", Category.REFUND_OFFSET, IND, (P,),
        summary="缴费人反映其父亲已于{date}去世，其父生前一次性缴纳了{year}年度灵活就业人员养老保险费，家属申请退还去世后月份的费款，"
        "对退费金额按月折算的方式有异议。",
        progress=("已调取死亡证明和缴费记录，完成退费初核。",),
        result="经核实，去世次月起的养老保险费应予退还，已按月折算退费{amount}元；个人账户余额{small}元按规定由继承人一次性领取，"
        "相关手续已一并办理。",
        outcome=Outcome.REFUNDED,
        feedback="已当面告知缴费人退费和个人账户余额领取结果，并致以慰问。",
        amount=(1500, 6000),
        small=(3000, 30000),
    ),
    _Topic(
        "RO4", Category.REFUND_OFFSET, IND, (M,),
        summary="缴费人认为退费到账金额较申请金额少{small}元，退费通知书所列金额与实际到账金额不一致，要求说明差额原因并补退。",
        progress=("已与国库、税务对账，调取退库凭证。",),
        result="经财政、税务部门对账，差额系退费时一并抵扣了缴费人欠缴的{year}年度医疗保险费，属于抵扣而非少退。已向缴费人出具抵扣明细。",
        outcome=Outcome.EXPLAINED,
        feedback="已电话向缴费人说明差额原因，抵扣明细已短信发送。",
        handling="finance",
        note="退库资金划拨涉及财政国库环节，转市财政局协助核查。",
        small=(200, 400),
    ),
    # 7 benefits
    _Topic(
        "BE1", Category.BENEFIT, IND, (P,),
        summary="缴费人于{date}办理退休，人社局核定的基本养老金为每月{amount}元。缴费人认为其{year0}年以前在国有企业工作的"
        "视同缴费年限未被完全认定，导致养老金偏低，要求重新核定。",
        progress=("已调取缴费人人事档案，核对招工、调动审批材料。", "已函询原主管部门档案室补充证明材料。"),
        result="经调取缴费人人事档案，其{year0}年以前的工作经历中有{n}年因招工手续不全未被认定。经补充原单位证明材料，人社局已重新认定"
        "视同缴费年限，养老金每月增加{small}元，并补发自退休之月起的差额。",
        outcome=Outcome.CORRECTED,
        feedback="已电话告知缴费人重新核定结果，差额将于次月随养老金一并发放。",
        objection="缴费人对重新核定结果仍不认可，认为另有在社办企业工作的年限应一并认定为视同缴费年限，要求通过法律途径解决。",
        amount=(1800, 4200),
        small=(50, 400),
        n=(1, 4),
        age=(60, 63),
    ),
    _Topic(
        "BE2", Category.BENEFIT, IND, (W,),
        summary="缴费人在{other}工作期间发生工伤，工伤认定和劳动能力鉴定均已完成，但一次性伤残补助金至今未发放。经办机构称单位欠缴"
        "工伤保险费，基金暂不支付，缴费人要求尽快落实待遇。",
        progress=("已核实单位欠缴工伤保险费情况。", "已约谈{other}负责人，单位同意补缴欠费。"),
        result="经核查，单位欠缴期间发生的工伤，按规定由用人单位支付工伤保险待遇。经协调，{other}已补缴欠费并先行支付一次性伤残补助金"
        "{amount}元，此后新发生的费用由工伤保险基金支付。",
        outcome=Outcome.MEDIATED,
        feedback="已电话告知缴费人补助金已由单位支付，后续待遇由基金按月支付。",
        other="employer",
        amount=(20000, 80000),
    ),
    _Topic(
        "BE3", Category.BENEFIT, IND, (U,),
        summary="缴费人领取失业保险金期间被停发，经办机构称其已在新单位参保就业。缴费人称新单位仅为试用，未签订劳动合同且已离职，"
        "对停发决定有异议，要求恢复发放。",
        simple="已当场查询，缴费人在新单位参保记录仅一个月，已向缴费人说明重新就业期间停发失业保险金的规定，以及再次失业后可按规定申领"
        "剩余期限失业保险金，并当场帮其办理了恢复申领。",
        progress=("已核对缴费人新单位参保和减员记录。",),
        result="经核查，缴费人在新单位参保一个月后已办理减员，属再次失业。已按规定恢复发放剩余期限的失业保险金，并补发停发期间应领金额。",
        outcome=Outcome.CORRECTED,
        feedback="已短信告知缴费人失业保险金已恢复发放。",
        age=(22, 50),
    ),
    _Topic(
        "BE4", Category.BENEFIT, IND, (MAT,),
        summary="缴费人反映其生育津贴按{other}上年度职工月平均工资核算，单位申报的缴费基数明显低于实际工资，导致生育津贴比本人工资"
        "每月少{small}元，要求重新核定。",
        progress=("已调取单位上年度职工缴费工资申报数据。",),
        result="经医保部门核查，生育津贴按用人单位上年度职工月平均工资计发，计算无误；对单位申报基数偏低问题已移交税务部门核查。"
        "已告知缴费人生育津贴低于本人工资的差额，由用人单位依法补足。",
        outcome=Outcome.EXPLAINED,
        feedback="已电话告知缴费人核查结果，并说明可要求单位补足差额。",
        other="employer",
        handling="medical_insurance",
        note="生育保险待遇由医保部门核定，转市医保局办理。",
        small=(300, 1500),
        age=(24, 36),
        intake=MEDICAL_INTAKE,
    ),
    # 8 collection, inspection, arrears
    _Topic(
        "CE1", Category.COLLECTION_ENFORCEMENT, IND, (P, M, U, W),
        summary="{other}职工{n}人联名反映，单位自{ym}起拖欠社会保险费，个人缴费部分已按月从工资中代扣却未上缴，部分职工临近退休"
        "无法办理手续，要求税务机关依法追缴。",
        progress=("已向{other}送达《社会保险费缴费检查通知书》。", "已调取单位工资表和银行流水，核实代扣未缴金额。"),
        result="经税务机关开展缴费检查，核实{other}欠缴社会保险费{amount}元。已依法下达《责令限期缴纳通知书》，单位已缴清职工个人代扣部分，"
        "其余欠费签订分期缴纳协议，按月缴纳。",
        outcome=Outcome.CORRECTED,
        feedback="已召集职工代表当面通报追缴结果和单位分期缴纳安排。",
        other="employer",
        people=True,
        amount=(100000, 800000),
        n=(8, 30),
        age=(40, 58),
    ),
    _Topic(
        "CE2", Category.COLLECTION_ENFORCEMENT, EMP, (P, U, W),
        summary="{company}对税务机关开展社会保险费缴费检查后下达的《责令限期缴纳通知书》有异议，认为检查所依据的工资总额中包含了"
        "支付给外包人员的劳务费用，不应计入社会保险费缴费基数。",
        progress=("已调取检查底稿和劳务外包合同。",),
        result="经复核检查底稿和劳务外包合同，单位支付给外包公司的劳务费用不属于本单位工资总额，已从核定基数中扣除，重新下达限期缴纳通知书，"
        "应补缴金额调减{small}元。",
        outcome=Outcome.CORRECTED,
        feedback="已向单位送达重新下达的限期缴纳通知书并说明调减依据。",
        objection="单位对调减后的补缴金额仍有异议，认为部分临时用工人员的报酬亦不应计入缴费基数，表示将申请行政复议。",
        small=(5000, 60000),
    ),
    _Topic(
        "CE3", Category.COLLECTION_ENFORCEMENT, IND, (P,),
        summary="缴费人反映原单位{other}于{year0}年至2018年间欠缴其养老保险费，属统一征收前形成的欠费。单位目前已停产，缴费人即将达到"
        "退休年龄，要求追缴欠费以免影响退休。",
        progress=("已调取缴费人参保缴费记录和单位欠费台账。", "已向{other}清算组送达欠费核定告知书。"),
        result="经人社部门核定，{other}{year0}年至2018年欠缴缴费人养老保险费{amount}元。核定结果已传递至税务部门追缴，单位清算组已缴清；"
        "缴费人缴费年限已连续，可按时办理退休。",
        outcome=Outcome.CORRECTED,
        feedback="已电话告知缴费人欠费已追缴到位，可按时申请办理退休。",
        other="employer",
        handling="hrss",
        note="统模式前（2019年1月1日前）形成的欠费由人社部门核定，转市人社局办理。",
        amount=(8000, 40000),
        age=(55, 59),
    ),
    _Topic(
        "CE4", Category.COLLECTION_ENFORCEMENT, EMP, ALL_FIVE,
        summary="{company}因经营困难申请分期缴纳欠缴的社会保险费{amount}元，对税务机关拟申请人民法院强制执行有异议，要求给予缓缴期限。",
        progress=("已实地核查单位生产经营和资金状况。",),
        result="经核查单位经营和资金状况，税务机关与单位签订欠费分期缴纳协议，单位按月缴纳欠费，期间暂缓申请强制执行；已告知单位"
        "逾期未按协议缴纳的后果。",
        outcome=Outcome.MEDIATED,
        feedback="已当面向单位法定代表人送达分期缴纳协议。",
        amount=(50000, 300000),
    ),
    _Topic(
        "CE5", Category.COLLECTION_ENFORCEMENT, EMP, (P, W),
        summary="{company}对税务机关根据职工{other}举报作出的补缴决定有异议。单位称{other}系达到法定退休年龄后返聘的人员，"
        "双方签订的是劳务协议，不应缴纳社会保险费，要求撤销补缴决定。",
        progress=("已调取{other}的身份信息和基本养老金领取记录。",),
        result="经核查，{other}入职时已达法定退休年龄并按月领取基本养老金，双方之间为劳务关系，单位无需为其缴纳基本养老保险费。"
        "已撤销对该人员的补缴决定，并告知单位可按规定为其单独参加工伤保险。",
        outcome=Outcome.CORRECTED,
        feedback="已书面告知单位撤销补缴决定及单独参加工伤保险的政策。",
        other="employee",
    ),
    # 9 other
    _Topic(
        "OT1", Category.OTHER, IND, (),
        summary="缴费人反映在办理社保缴费业务时，人社窗口和税务窗口互相推诿，往返三次仍未办结，认为存在推诿扯皮，要求明确由哪个部门负责"
        "并尽快办理。",
        simple="已当场联系人社、税务窗口负责人，明确由首次受理窗口负责到底，缴费人当场办结业务；已向缴费人致歉并说明首办负责制。",
        progress=("已调取两个窗口的受理记录和监控。",),
        result="经市政府办公室协调，明确该类业务由首次受理窗口负责到底；缴费人业务已办结，相关窗口人员已受到批评教育，两部门已修订"
        "一次性告知清单。",
        outcome=Outcome.EXPLAINED,
        feedback="已电话告知缴费人处理结果并致歉。",
        intake=((C.HOTLINE_12345, "gov_office", 4), (C.PETITION_TRANSFER, "petition", 2), (C.SERVICE_WINDOW, "gov_office", 2)),
    ),
    _Topic(
        "OT2", Category.OTHER, IND, (P, M, W),
        summary="缴费人与{other}就劳动关系存续期间是否应缴纳社会保险费发生纠纷，单位否认与缴费人存在劳动关系，称双方为承揽关系，"
        "缴费人要求确认劳动关系后补缴社会保险费。",
        progress=("已组织双方进行诉前调解，单位同意提供用工记录。",),
        result="经市法院组织诉前调解，双方确认{year}年至今存在劳动关系，{other}同意为缴费人补办参保登记并补缴社会保险费，调解协议已由法院"
        "司法确认。",
        outcome=Outcome.MEDIATED,
        feedback="已电话告知缴费人调解结果，并提醒其关注单位补缴进度。",
        other="employer",
        handling="court",
        note="涉及劳动关系确认，属劳动争议，转市法院组织调解。",
        intake=((C.HOTLINE_12333, "hrss", 3), (C.SERVICE_WINDOW, "court", 2), (C.HOTLINE_12345, "gov_office", 2)),
    ),
    _Topic(
        "OT3", Category.OTHER, IND, (P,),
        summary="缴费人咨询社会保险费征缴争议中申请行政复议的期限和受理机关，对税务机关作出的加收滞纳金决定的法律依据有疑问，"
        "要求提供法律指导。",
        simple="已当场告知缴费人：对税务机关的行政行为不服的，可自知道之日起60日内向上一级税务机关申请行政复议，也可依法提起行政诉讼；"
        "并提供了公共法律服务热线12348。",
        progress=("已调取加收滞纳金决定书及计算依据进行合法性审查。",),
        result="市司法局已对加收滞纳金决定的法律依据进行审查，认为适用法律正确；已向缴费人书面告知行政复议和行政诉讼的期限、受理机关"
        "及所需材料。",
        outcome=Outcome.EXPLAINED,
        feedback="已邮寄书面告知书并电话确认缴费人收悉。",
        handling="justice",
        note="涉及法律适用审查和救济途径指导，转市司法局。",
        intake=((C.DEPARTMENT_PHONE, "justice", 3), (C.HOTLINE_12366, "tax", 2), (C.TOWNSHIP_POINT, "tax", 1)),
    ),
    _Topic(
        "OT4", Category.OTHER, IND, (M,),
        summary="缴费人反映村委会代收的{year}年度城乡居民医疗保险费未按时代缴，导致其当年住院费用无法报销，要求查明代收款去向并解决报销问题。",
        progress=("已会同{township_gov}核查村委会代收台账。",),
        result="经市政府办公室协调{township_gov}、税务局和医保局核查，村委会代收款因经办人员疏漏未及时缴纳，现已补缴入库；医保局按规定为"
        "缴费人恢复参保并受理住院费用报销。",
        outcome=Outcome.CORRECTED,
        feedback="已电话告知缴费人已恢复参保，可携带住院票据到医保窗口办理报销。",
        intake=((C.TOWNSHIP_POINT, "hrss", 2), (C.HOTLINE_12345, "gov_office", 3), (C.PETITION_TRANSFER, "petition", 2)),
        age=(50, 75),
    ),
)
TOPIC = {t.key: t for t in TOPICS}


@dataclass(frozen=True)
class _Special:
    topic: _Topic  # handling_unit = the unit that escalates
    reason: str
    minutes: str
    opinion: str
    executing: str
    attendees: tuple[str, ...]
    exec_progress: str


SPECIALS: dict[str, _Special] = {
    "SP1": _Special(
        _Topic(
            "SP1", Category.COLLECTION_ENFORCEMENT, IND, (P, M, U, W),
            summary="{other}原职工{n}人联名到市信访局反映，该矿{year0}年停产后一直拖欠职工社会保险费，其中2019年以前的欠费由原人社部门核定，"
            "之后的欠费未申报。部分职工已到退休年龄无法办理退休，情绪激动，扬言集体到市政府上访。",
            progress=("已会同人社局调取该矿欠费台账，初步核实欠费{amount}元。",),
            result="按照工作专班意见，市人社局已完成统模式前欠费核定并传递税务部门，税务局已就查封资产处置款申请优先受偿；已达退休年龄的"
            "职工已先行补缴个人部分并办理退休手续，其余职工缴费年限已接续。",
            outcome=Outcome.MEDIATED,
            feedback="已召集职工代表当面通报处理结果和后续安排，职工代表表示认可。",
            other="employer",
            people=True,
            amount=(1200000, 2600000),
            n=(36, 38),
            age=(48, 59),
            trade="煤业有限公司",
        ),
        reason="该事项涉及统模式前后两个阶段的欠费，欠费主体已停产、资产被法院查封，追缴涉及人社核定、税务征收、法院执行等多个部门，"
        "且涉及职工人数多、稳定风险高，本部门无法单独办结，提请工作专班研判。",
        minutes="工作专班召开集体商议会。税务局通报了欠费核查情况，人社局说明了统模式前欠费核定情况，市法院介绍了该矿资产查封和执行进展，"
        "市公安局通报了职工聚集风险研判情况，信访局通报了职工诉求。会议认为：应区分统模式前后欠费分别核定、分别追缴，优先保障临近退休职工权益。",
        opinion="一、由市人社局牵头于15个工作日内完成统模式前欠费核定，并传递税务部门；二、税务局依法追缴统模式后欠费，就查封资产处置款"
        "申请优先受偿；三、对已达退休年龄的职工，经本人申请可先行补缴个人部分办理退休；四、市公安局做好现场稳控，市信访局做好职工解释疏导。",
        executing="hrss",
        attendees=("tax", "hrss", "petition", "court", "police", "finance", "gov_office"),
        exec_progress="已完成{n}名职工统模式前欠费逐人核定，临近退休职工已先行办理补缴。",
    ),
    "SP2": _Special(
        _Topic(
            "SP2", Category.REFUND_OFFSET, EMP, (W,),
            summary="{company}因{year}年工伤保险费率浮动下调未及时执行，多缴工伤保险费{amount}元，申请退费。税务、人社两部门对退费责任"
            "和退费渠道意见不一，单位已多次往返仍未退款。",
            progress=("已完成多缴金额初核。",),
            result="按照工作专班意见，市财政局已从社会保险基金财政专户划拨退库，{company}多缴的工伤保险费{amount}元已全额退还。",
            outcome=Outcome.REFUNDED,
            feedback="已电话告知单位退费已到账，并致歉往返给单位带来的不便。",
            amount=(20000, 90000),
        ),
        reason="该退费涉及费率核定（人社）、征收退库（税务）和基金财政专户资金划拨（财政）三个环节，部门间对退费渠道意见不一，"
        "本部门无法单独办结，提请工作专班研判。",
        minutes="工作专班召开集体商议会。人社局确认费率浮动下调应自{year}年1月起执行，税务局确认多缴金额{amount}元，财政局说明了基金财政专户"
        "退库流程，司法局对退费依据进行了合法性审查。会议明确了各环节办理时限。",
        opinion="一、人社局于3个工作日内出具费率调整确认书；二、税务局完成退费初核；三、由市财政局牵头于10个工作日内完成基金财政专户资金"
        "划拨退库，并将结果反馈受理单位。",
        executing="finance",
        attendees=("tax", "hrss", "finance", "justice"),
        exec_progress="已收到人社局费率调整确认书和税务局初核意见，正在办理专户资金划拨。",
    ),
    "SP3": _Special(
        _Topic(
            "SP3", Category.SPECIAL_ASSESSMENT, IND, (M,),
            summary="缴费人系原乡镇企业职工，申请补缴{year0}年至{last_year}年职工医疗保险，以达到退休时医保最低缴费年限。人社局与医保局对其补缴"
            "期间的核定部门和核定基数意见不一，缴费人已往返两部门多次。",
            progress=("已整理缴费人划转前参保档案。",),
            result="市医保局已核定缴费人医疗保险补缴金额{amount}元并传递税务部门，缴费人已缴清，医保缴费年限达到退休最低年限要求。",
            outcome=Outcome.CORRECTED,
            feedback="已电话告知缴费人核定结果，缴费人已到税务窗口缴清补缴金额。",
            amount=(12000, 36000),
            age=(55, 59),
        ),
        reason="补缴期间跨越医疗保险职能划转前后，人社、医保两部门对核定主体存在分歧，本部门无法单独办结，提请工作专班研判。",
        minutes="工作专班召开集体商议会。医保局说明了职能划转后医疗保险补缴核定政策，人社局说明了划转前参保档案情况，税务局说明了征收环节要求，"
        "司法局对核定主体的法律依据提出意见。",
        opinion="一、职能划转后医疗保险补缴统一由市医保局核定；二、人社局于3个工作日内移交缴费人划转前参保档案；三、医保局核定后传递税务部门征收。",
        executing="medical_insurance",
        attendees=("hrss", "medical_insurance", "tax", "justice"),
        exec_progress="已接收人社局移交的参保档案，正在核定补缴基数。",
    ),
    "SP4": _Special(
        _Topic(
            "SP4", Category.REGISTRATION_TRANSFER, IND, (P,),
            summary="缴费人{year0}年以前曾在河南、陕西两省参保，转移接续时发现两地在同一期间重复参保，转出地要求先清退重复缴费后才能转移。"
            "缴费人在高平参保的{months}个月权益因此无法确认，临近退休。",
            progress=("已向两地经办机构发出协查函。",),
            result="按照工作专班意见，市人社局已与两地经办机构完成重复缴费清退，保留缴费年限较长一方的关系并转入高平，缴费人缴费年限已合并"
            "确认，可按时办理退休。",
            outcome=Outcome.CORRECTED,
            feedback="已电话告知缴费人转移接续已办结，并预约其到窗口办理退休申报。",
            age=(56, 59),
        ),
        reason="涉及跨省重复参保清退和转移接续，需与两个转出地沟通并协调税务、财政办理清退，本部门无法单独办结，提请工作专班研判。",
        minutes="工作专班召开集体商议会。人社局通报了两地重复参保情况，税务局说明了本地缴费记录，财政局说明了清退资金划拨渠道。",
        opinion="一、由市人社局牵头与转出地协商清退重复缴费；二、保留缴费年限较长一方的养老保险关系转入高平；三、清退资金经财政专户原路退回。",
        executing="hrss",
        attendees=("hrss", "tax", "finance", "gov_office"),
        exec_progress="已与转出地就清退方案达成一致。",
    ),
    "SP5": _Special(
        _Topic(
            "SP5", Category.LATE_FEE, EMP, ALL_FIVE,
            summary="{company}享受阶段性缓缴社会保险费政策，缓缴期满后补缴时被加收滞纳金{amount}元。单位认为缓缴期间不应加收滞纳金，"
            "涉及职工{n}人，单位对此意见较大。",
            progress=("已调取单位缓缴审批和补缴记录。",),
            result="按照工作专班意见，税务局已重新核算滞纳金，缓缴期间不再加收，多加收的{small}元已退还单位。",
            outcome=Outcome.REFUNDED,
            feedback="已向单位送达重新核算结果，退款已到账。",
            people=True,
            amount=(5000, 40000),
            small=(3000, 30000),
            n=(20, 120),
        ),
        reason="涉及阶段性缓缴政策到期后滞纳金加收口径，需结合上级政策文件并与人社部门共同研判，本部门无法单独办结。",
        minutes="工作专班召开集体商议会。税务局汇报了缓缴政策执行和滞纳金加收情况，人社局说明了缓缴审批范围，司法局对加收口径进行了合法性审查。",
        opinion="缓缴期间依法不加收滞纳金，缓缴期满后仍未缴纳的部分自期满次日起加收；由税务局于5个工作日内重新核算并退还多加收部分。",
        executing="tax",
        attendees=("tax", "hrss", "justice"),
        exec_progress="已按专班意见重新核算滞纳金。",
    ),
}

# (topic, the unit it was wrongly transferred to first, the return reason)
RETURNS: dict[str, tuple[str, str, str]] = {
    "R1": ("CE3", "tax", "经核查，该欠费形成于2019年1月1日统一征收之前，应由人社部门核定欠费金额，不属于本局职责，退回受理单位重新转交市人社局。"),
    "R2": ("SA2", "hrss", "该事项为职工医疗保险补缴核定，属市医保局职责范围，退回受理单位重新转交。"),
    "R3": ("RO1", "hrss", "退费受理初核由税务部门负责，人社局仅负责复核，请先转税务局办理初核，退回受理单位。"),
    "R4": ("BE4", "hrss", "生育保险待遇核定属医保部门职责，不属于本局办理范围，退回受理单位重新转交。"),
}

GENERIC_PROGRESS = (
    "已调取缴费人参保登记、缴费明细和权益记录，正在逐项核对。",
    "已电话联系缴费人，请其补充提供劳动合同、工资发放记录等材料，缴费人已提交。",
    "已与对口业务科室会商，形成初步处理意见，报分管领导审核。",
    "已向上级业务主管部门请示政策口径，已收到答复。",
)
SATISFIED = (
    "回访时缴费人表示对处理结果满意，称“跑一次就解决了”。",
    "缴费人对办理效率和工作人员态度表示满意。",
    "回访电话接通，缴费人表示问题已解决，无其他诉求。",
    "经办人表示满意，建议进一步简化办理材料。",
)
UNSATISFIED = (
    "缴费人认为办理时间过长，对处理效率不满意。",
    "缴费人认为多次往返、部门之间衔接不畅，对办理过程不满意。",
)
UNSATISFIED_OBJECTED = "缴费人对处理结果不认可，已再次告知救济途径。"
OTHER_FEEDBACK = {
    "employer": "已电话告知{other}负责人办理结果，并提醒单位依法按时足额申报缴纳社会保险费。",
    "employee": "已电话告知职工{other}办理结果及后续办理事项。",
    "dispatch": "已书面告知{other}应承担的缴费责任及办理时限。",
}
CATEGORY_WEIGHTS = {
    Category.CONTRIBUTION_AMOUNT: 16,
    Category.LATE_FEE: 12,
    Category.REGISTRATION_TRANSFER: 12,
    Category.REGISTRATION_INFO: 9,
    Category.SPECIAL_ASSESSMENT: 9,
    Category.REFUND_OFFSET: 12,
    Category.BENEFIT: 12,
    Category.COLLECTION_ENFORCEMENT: 10,
    Category.OTHER: 8,
}
TAX_CATEGORIES = {Category.CONTRIBUTION_AMOUNT, Category.LATE_FEE, Category.REFUND_OFFSET, Category.COLLECTION_ENFORCEMENT}

# --- the plan -------------------------------------------------------------------------------


@dataclass
class _Plan:
    path: str
    topic: _Topic
    channel: Channel
    unit: str  # accepting unit
    rng: random.Random
    received_at: datetime = datetime.min.replace(tzinfo=UTC)
    special: _Special | None = None
    wrong_unit: str | None = None
    return_reason: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)


# path -> calendar days a historical case needs before the clock (None: placed among recent days)
HISTORICAL_PATHS: dict[str, int] = {
    "simple": 16,
    "simple_archived": 25,
    "general_archived": 45,
    "general_feedback": 30,
    "returned": 50,
    "special_archived": 80,
    "late_transfer": 55,
    "late_handling": 55,
    "late_deliberation": 85,
    "objection_reconsideration": 60,
    "objection_litigation": 60,
    "objection_reconsideration_litigation": 140,
}
# recent paths -> on which working day before today the case came in
RECENT_PATHS: dict[str, tuple[int, ...]] = {
    "accepted_fresh": (1,),
    "accepted_overdue": (4,),
    "returned_pending": (3,),
    "transferred_fresh": (2, 3),
    "transferred_overdue": (9,),
    "escalated_open": (6,),
    "deliberated_open": (10,),
    "concluded_open": (5,),
    "feedback_open": (8,),
    "objected_open": (14,),
    "objected_guided": (20,),
}

# The cases that make sure everything is covered: (path, topic/special/return key, channel, accepting unit, extras)
CORE: tuple[tuple[str, str, Channel, str, dict[str, Any]], ...] = (
    ("simple", "CA1", C.HOTLINE_12366, "tax", {}),
    ("simple_archived", "RI1", C.HOTLINE_12333, "hrss", {}),
    ("simple_archived", "LF1", C.SERVICE_WINDOW, "tax", {}),
    ("simple", "BE3", C.TOWNSHIP_POINT, "hrss", {}),
    ("simple_archived", "OT1", C.HOTLINE_12345, "gov_office", {"weekend": True}),
    ("simple_archived", "RT3", C.DEPARTMENT_PHONE, "medical_insurance", {}),
    ("simple", "RO1", C.DEPARTMENT_PHONE, "finance", {}),
    ("simple_archived", "OT3", C.DEPARTMENT_PHONE, "justice", {}),
    ("general_archived", "CA4", C.SERVICE_WINDOW, "court", {}),
    ("general_archived", "CE1", C.DEPARTMENT_PHONE, "police", {"risk": (
        RiskLevel.MEDIUM, "当事人情绪激动", "部分职工在单位门口聚集，与单位负责人发生推搡，公安机关已出警处置，需防范矛盾升级。", "clerk")}),
    ("general_archived", "RT2", C.PETITION_TRANSFER, "petition", {"risk": (
        RiskLevel.LOW, "重复信访风险", "缴费人已三次到信访局反映，情绪焦虑，需按时反馈办理进度。", "handler")}),
    ("general_archived", "SA2", C.SERVICE_WINDOW, "medical_insurance", {}),
    ("general_archived", "RO4", C.HOTLINE_12366, "tax", {}),
    ("general_archived", "OT2", C.HOTLINE_12333, "hrss", {}),
    ("general_archived", "OT3", C.TOWNSHIP_POINT, "tax", {}),
    ("general_archived", "OT4", C.TOWNSHIP_POINT, "hrss", {}),
    ("general_archived", "CE5", C.HOTLINE_12366, "tax", {}),
    ("general_feedback", "LF3", C.HOTLINE_12345, "gov_office", {}),
    ("returned", "R1", C.HOTLINE_12345, "gov_office", {}),
    ("returned", "R2", C.SERVICE_WINDOW, "tax", {}),
    ("special_archived", "SP1", C.PETITION_TRANSFER, "petition", {"risk": (
        RiskLevel.HIGH, "群体性事件风险", "{n}名职工扬言集体到市政府上访，部分职工情绪激烈，已通报市公安局做好稳控。", "clerk")}),
    ("special_archived", "SP2", C.HOTLINE_12366, "tax", {}),
    ("late_deliberation", "SP3", C.SERVICE_WINDOW, "hrss", {}),
    ("objection_reconsideration", "LF1", C.SERVICE_WINDOW, "tax", {}),
    ("objection_litigation", "SA1", C.HOTLINE_12333, "hrss", {}),
    ("objection_reconsideration_litigation", "BE1", C.PETITION_TRANSFER, "petition", {}),
    ("late_transfer", "CA2", C.TOWNSHIP_POINT, "hrss", {}),
    ("late_handling", "RI2", C.HOTLINE_12345, "gov_office", {}),
    ("accepted_fresh", "BE2", C.HOTLINE_12345, "gov_office", {}),
    ("accepted_fresh", "LF2", C.HOTLINE_12366, "tax", {}),
    ("accepted_overdue", "RI3", C.TOWNSHIP_POINT, "hrss", {}),
    ("transferred_fresh", "RT1", C.HOTLINE_12333, "hrss", {}),
    ("transferred_fresh", "CE2", C.SERVICE_WINDOW, "tax", {}),
    ("transferred_overdue", "RO2", C.TOWNSHIP_POINT, "tax", {}),
    ("returned_pending", "R3", C.HOTLINE_12345, "gov_office", {}),
    ("escalated_open", "SP4", C.HOTLINE_12333, "hrss", {}),
    ("deliberated_open", "SP5", C.HOTLINE_12366, "tax", {}),
    ("concluded_open", "CA3", C.HOTLINE_12366, "tax", {}),
    ("feedback_open", "BE4", C.SERVICE_WINDOW, "medical_insurance", {}),
    ("objected_open", "CE2", C.DEPARTMENT_PHONE, "tax", {}),
    ("objected_guided", "CA4", C.HOTLINE_12345, "gov_office", {"objector": PartyRole.OTHER_PARTY}),
)

FILL_PATHS: tuple[tuple[str, float], ...] = (
    ("simple", 12), ("simple_archived", 26), ("general_archived", 40), ("general_feedback", 4),
    ("returned", 4), ("special_archived", 3), ("objection_reconsideration", 1.5), ("objection_litigation", 1),
    ("accepted_fresh", 2), ("transferred_fresh", 3), ("concluded_open", 1.5), ("feedback_open", 2),
)


def minimum_size() -> int:
    """The smallest demo that still covers every unit, category, channel, path and status."""
    return len(CORE)


# --- entry point ----------------------------------------------------------------------------


def load_demo(app: Fengqiao, *, seed: int = 20241011, size: int = DEFAULT_SIZE) -> dict[str, Any]:
    """Load about `size` realistic cases through the use cases; refuse if the store holds any case."""
    if size < minimum_size():
        raise ValueError(f"size must be at least {minimum_size()} to cover every unit, category, channel and path")
    now = app.clock()
    current_year = now.astimezone(SHANGHAI).year
    for year in range(FIRST_YEAR, current_year + 1):
        if app.recorder.select_events(sequence_id_for(year), limit=1):
            raise DemoRefused(
                f"the store already holds cases (case numbers were issued for {year}); "
                "the demo loads only into an empty store — point FENGQIAO_DATABASE_URL at a new one"
            )
    return _Demo(app, seed, size).run()


class _Demo:
    def __init__(self, app: Fengqiao, seed: int, size: int) -> None:
        self.app = app
        self.size = size
        self.rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not a secret
        self.now = app.clock().astimezone(UTC)
        self.today = self.now.astimezone(SHANGHAI).date()
        self.cal = app.calendar()
        self.used: set[str] = set()
        self.cases: list[_Case] = []

    # --- calendar helpers ---

    def wd_after(self, d: date, n: int) -> date:
        for _ in range(n):
            d = self.cal.next_working_day(d)
        return d

    def prev_wd(self, k: int) -> date:
        d, counted = self.today, 0
        while counted < k:
            d -= timedelta(days=1)
            if self.cal.is_working_day(d):
                counted += 1
        return d

    def working_on_or_after(self, d: date) -> date:
        return d if self.cal.is_working_day(d) else self.cal.next_working_day(d)

    # --- planning ---

    def run(self) -> dict[str, Any]:
        plans = [self._plan_core(*item) for item in CORE]
        for _ in range(self.size - len(plans)):
            plans.append(self._plan_fill())
        order = sorted(range(len(plans)), key=lambda i: (plans[i].received_at, i))
        for i in order:
            case = _Case(self, plans[i])
            case.play()
            self.cases.append(case)
        return self._summary()

    def _plan_core(self, path: str, key: str, channel: Channel, unit: str, extras: dict[str, Any]) -> _Plan:
        rng = random.Random(self.rng.getrandbits(64))  # noqa: S311 - one stream per case, same reason
        special = SPECIALS.get(key)
        wrong = reason = None
        if key in RETURNS:
            topic_key, wrong, reason = RETURNS[key]
            topic = TOPIC[topic_key]
        else:
            topic = special.topic if special is not None else TOPIC[key]
        plan = _Plan(path, topic, channel, unit, rng, special=special, wrong_unit=wrong, return_reason=reason,
                     extras=dict(extras))
        plan.received_at = self._received(plan)
        return plan

    def _plan_fill(self) -> _Plan:
        rng = random.Random(self.rng.getrandbits(64))  # noqa: S311 - one stream per case, same reason
        path = _weighted(rng, FILL_PATHS)
        special = None
        wrong = reason = None
        if path == "special_archived":
            special = SPECIALS[rng.choice(("SP2", "SP3", "SP4", "SP5"))]
            topic = special.topic
        elif path in ("returned", "returned_pending"):
            topic_key, wrong, reason = RETURNS[rng.choice(sorted(RETURNS))]
            topic = TOPIC[topic_key]
        else:
            while True:
                category = _weighted(rng, tuple(CATEGORY_WEIGHTS.items()))
                choices = [t for t in TOPICS if t.category == category]
                if path.startswith("simple"):
                    choices = [t for t in choices if t.simple]
                if path.startswith("objection"):
                    choices = [t for t in choices if t.objection and t.other != "employer"]
                if choices:
                    topic = rng.choice(choices)
                    break
        intake = topic.intake or (TAX_INTAKE if topic.category in TAX_CATEGORIES else HRSS_INTAKE)
        channel, unit = _weighted(rng, tuple(((c, u), w) for c, u, w in intake))
        plan = _Plan(path, topic, channel, unit, rng, special=special, wrong_unit=wrong, return_reason=reason)
        plan.received_at = self._received(plan)
        return plan

    def _received(self, plan: _Plan) -> datetime:
        rng = plan.rng
        hotline = plan.channel in (C.HOTLINE_12345, C.HOTLINE_12333, C.HOTLINE_12366)
        if plan.path in RECENT_PATHS:
            day = self.prev_wd(rng.choice(RECENT_PATHS[plan.path]))
            return _local(day, rng.randint(8 * 60 + 35, 15 * 60 + 30))
        need = HISTORICAL_PATHS[plan.path]
        start = min(HISTORY_START, self.today - timedelta(days=400))
        last = self.today - timedelta(days=need)
        day = start + timedelta(days=rng.randint(0, (last - start).days))
        rest_day = hotline and (plan.extras.get("weekend") or rng.random() < 0.15)
        if rest_day:
            while self.cal.is_working_day(day) and day > start:
                day -= timedelta(days=1)
            if not self.cal.is_working_day(day):
                return _local(day, rng.randint(8 * 60, 21 * 60))
        day = self.working_on_or_after(day)
        if hotline and rng.random() < 0.12:
            return _local(day, rng.randint(18 * 60, 21 * 60 + 30))  # an evening call
        return _local(day, rng.randint(8 * 60 + 35, 16 * 60 + 40))

    def new_person(self, rng: random.Random, age: tuple[int, int], on: date) -> tuple[str, str, str]:
        while True:
            female = rng.random() < 0.45
            given = rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
            name = rng.choice(SURNAMES) + given
            if name not in self.used:
                break
        self.used.add(name)
        years = rng.randint(*age)
        birth = on - timedelta(days=years * 365 + rng.randint(0, 364))
        while True:
            sequence = rng.randrange(0, 100) * 10 + rng.choice((0, 2, 4, 6, 8) if female else (1, 3, 5, 7, 9))
            first17 = f"140581{birth:%Y%m%d}{sequence:03d}"
            id_number = first17 + resident_id_check_char(first17)
            if id_number not in self.used:
                break
        self.used.add(id_number)
        return name, id_number, self.new_mobile(rng)

    def new_mobile(self, rng: random.Random) -> str:
        while True:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if phone not in self.used:
                self.used.add(phone)
                return phone

    def new_company(self, rng: random.Random, trade: str | None = None) -> tuple[str, str]:
        while True:
            name = f"高平市{rng.choice(COMPANY_PLACES)}{rng.choice(COMPANY_WORDS)}{trade or rng.choice(COMPANY_TRADES)}"
            if name not in self.used:
                break
        self.used.add(name)
        if rng.random() < 0.6:
            body = "MA0" + "".join(rng.choice(_CREDIT_ALPHABET) for _ in range(5))
        else:
            body = "".join(rng.choice("0123456789") for _ in range(8))
        first17 = "91140581" + body + _org_check(body)
        return name, first17 + credit_code_check_char(first17)

    # --- summary ---

    def _summary(self) -> dict[str, Any]:
        numbers = sorted(c.ref for c in self.cases if c.ref)
        by_status = Counter(c.status for c in self.cases)
        examples: dict[str, str] = {}
        for case in sorted(self.cases, key=lambda c: c.ref or ""):
            examples.setdefault(case.status, case.ref or "")
        years = Counter(int(n[3:7]) for n in numbers)
        return {
            "cases": len(numbers),
            "by_status": dict(sorted(by_status.items())),
            "years": sorted(years),
            "by_year": {str(y): years[y] for y in sorted(years)},
            "first": numbers[0] if numbers else None,
            "last": numbers[-1] if numbers else None,
            "examples": dict(sorted(examples.items())),
        }


# --- one case -------------------------------------------------------------------------------

_C = TypeVar("_C", bound=cmd.Command)


class _Case:
    def __init__(self, demo: _Demo, plan: _Plan) -> None:
        self.demo = demo
        self.app = demo.app
        self.plan = plan
        self.rng = plan.rng
        self.topic = plan.topic
        self.t = plan.received_at
        self.ref: str | None = None
        self.status = ""
        self.handling: str | None = None
        self.facts = self._facts()

    # --- time ---

    def moment(self, day: date, lo: int = 8 * 60 + 40, hi: int = 17 * 60 + 20) -> datetime:
        """A time on `day` in office hours, later than the case's previous act."""
        candidate = _local(day, self.rng.randint(lo, hi))
        earliest = self.t + timedelta(minutes=self.rng.randint(6, 40))
        return self._advance(max(candidate, earliest))

    def soon(self, lo: int = 5, hi: int = 60) -> datetime:
        return self._advance(self.t + timedelta(minutes=self.rng.randint(lo, hi)))

    def _advance(self, at: datetime) -> datetime:
        if at > self.demo.now:
            raise AssertionError(f"demo planning error: an act of {self.ref} would be dated after the clock")
        self.t = at
        return at

    @property
    def day(self) -> date:
        return self.t.astimezone(SHANGHAI).date()

    def wd(self, d: date, n: int) -> date:
        return self.demo.wd_after(d, n)

    # --- facts for the texts ---

    def _facts(self) -> dict[str, Any]:
        rng, topic, demo = self.rng, self.topic, self.demo
        received = self.plan.received_at.astimezone(SHANGHAI)
        on = received.date()
        company, company_code = demo.new_company(rng, topic.trade)
        facts: dict[str, Any] = {
            "company": company,
            "year": received.year - rng.randint(0, 1),
            "year0": min(received.year - rng.randint(6, 14), 2016),
            "last_year": received.year - 1,
            "months": rng.randint(2, 8),
            "n": rng.randint(*topic.n),
            "amount": f"{rng.uniform(*topic.amount):.2f}",
            "small": f"{rng.uniform(*topic.small):.2f}",
        }
        earlier = on - timedelta(days=rng.randint(20, 180))
        facts["date"] = f"{earlier.year}年{earlier.month}月{earlier.day}日"
        ref_month = (on.replace(day=1) - timedelta(days=rng.randint(1, 200))).replace(day=1)
        facts["ym"] = f"{ref_month.year}年{ref_month.month}月"
        township = rng.choice(URBAN) if rng.random() < 0.35 else rng.choice(sorted(TOWNSHIPS))
        facts["township_code"] = township
        name = TOWNSHIPS[township]
        facts["township_gov"] = name + ("办事处" if name.endswith("街道") else "人民政府")
        other_name = None
        other_contact = None
        if topic.other == "employer":
            other_name = company
            other_contact = f"0356-5{rng.randrange(10**6):06d}"
        elif topic.other == "dispatch":
            other_name, _ = demo.new_company(rng, "劳务派遣有限公司")
            other_contact = f"0356-5{rng.randrange(10**6):06d}"
        elif topic.other == "employee":
            other_name = demo.new_person(rng, (60, 66), on)[0]
        facts["other"] = other_name or ""
        self.other = (
            # A labour-dispatch company is in law the employer (用人单位) of the workers it dispatches.
            cmd.OtherPartyInput(name=other_name, kind="employer" if topic.other == "dispatch" else topic.other,
                                contact=other_contact)
            if other_name
            else None
        )
        if topic.payer == EMP:
            # An employer's own complaint: the company is the payer, reached through its finance officer.
            self.payer = cmd.PayerInput(
                kind=EMP,
                name=company,
                id_number=company_code,
                phone=demo.new_mobile(rng) if rng.random() < 0.8 else f"0356-5{rng.randrange(10**6):06d}",
            )
            if topic.other == "employer":
                raise AssertionError(f"topic {topic.key}: an employer payer cannot have its own company as other party")
        else:
            name, id_number, phone = demo.new_person(rng, topic.age, on)
            self.payer = cmd.PayerInput(kind=IND, name=name, id_number=id_number, phone=phone)
        return facts

    def text(self, template: str) -> str:
        return template.format_map(self.facts)

    # --- acts ---

    def _do(self, use_case: Callable[[str, _C, Actor], cmd.CommandResult], command: _C, actor: Actor) -> None:
        # Round-trip through the wire types, so the demo only records what the API would accept.
        command = msgspec.convert(msgspec.to_builtins(command), type(command))
        assert self.ref is not None
        result = use_case(self.ref, command, actor)
        self.status = result.status

    def register(self) -> None:
        plan, topic, rng = self.plan, self.topic, self.rng
        received = plan.received_at
        at = self.soon(3, 25) if plan.channel in (C.SERVICE_WINDOW, C.TOWNSHIP_POINT) else self.soon(2, 40)
        township = self.facts["township_code"] if plan.channel == C.TOWNSHIP_POINT or rng.random() < 0.8 else None
        command = cmd.RegisterDispute(
            channel=plan.channel,
            received_at=received,
            accepting_unit=plan.unit,
            payer=self.payer,
            category=topic.category,
            summary=self.text(topic.summary),
            other_party=self.other,
            external_ref=_external_ref(plan.channel, received, rng),
            insurance_types=list(topic.insurance),
            people_involved=int(self.facts["n"]) if topic.people else 1,
            township=township,
            at=at,
        )
        command = msgspec.convert(msgspec.to_builtins(command), cmd.RegisterDispute)
        result = self.app.register(command, _clerk(plan.unit))
        self.ref = result.case_number
        self.status = result.status
        risk = plan.extras.get("risk")
        if risk is not None and risk[3] == "clerk":
            self.flag_risk(self.soon(10, 50), _clerk(plan.unit))

    def flag_risk(self, at: datetime, actor: Actor) -> None:
        level, kind, note, _ = self.plan.extras["risk"]
        people = int(self.facts["n"]) if self.topic.people else 1
        self._do(self.app.flag_risk, cmd.FlagRisk(kind=kind, level=level, people_involved=people,
                                                  note=self.text(note), at=at), actor)

    def resolve(self) -> None:
        method = {
            C.SERVICE_WINDOW: FeedbackMethod.IN_PERSON,
            C.TOWNSHIP_POINT: FeedbackMethod.IN_PERSON,
        }.get(self.plan.channel, FeedbackMethod.PHONE)
        assert self.topic.simple is not None
        self._do(self.app.resolve_on_spot, cmd.ResolveOnSpot(
            result=self.text(self.topic.simple), feedback_method=method, at=self.soon(8, 35)), _clerk(self.plan.unit))

    def transfer(self, day: date, to_unit: str, *, note: str | None = None) -> None:
        if note is None:
            if to_unit != DEFAULT_HANDLING_UNIT[self.topic.category] and self.topic.note and to_unit == self.topic.handling:
                note = self.topic.note
            elif self.rng.random() < 0.7:
                note = f"经初步核实，该事项属{BUILTIN_UNITS[to_unit]}职责范围，请按规定时限办理并反馈受理单位。"
        self._do(self.app.transfer, cmd.Transfer(to_unit=to_unit, note=note, at=self.moment(day)), _clerk(self.plan.unit))
        self.handling = to_unit

    def transfer_day(self) -> date:
        """On time: the day of acceptance, or the next working day."""
        received = self.plan.received_at.astimezone(SHANGHAI)
        accepted = deemed_acceptance(received, self.demo.cal).accepted_on
        if accepted == received.date() and received.hour < 15 and self.rng.random() < 0.55:
            return accepted
        return self.wd(accepted, 1)

    @property
    def accepted_on(self) -> date:
        return deemed_acceptance(self.plan.received_at, self.demo.cal).accepted_on

    def sign(self) -> None:
        assert self.handling is not None
        if self.t.astimezone(SHANGHAI).hour >= 16 and self.wd(self.day, 1) < self.demo.today:
            at = self.moment(self.wd(self.day, 1), 8 * 60 + 30, 10 * 60)
        else:
            at = self.soon(15, 90)
        self._do(self.app.sign_for, cmd.SignFor(at=at), _handler(self.handling))
        risk = self.plan.extras.get("risk")
        if risk is not None and risk[3] == "handler":
            self.flag_risk(self.soon(20, 90), _handler(self.handling))

    def progress(self, day: date, note: str | None = None, unit: str | None = None) -> None:
        unit = unit or self.handling
        assert unit is not None
        if note is None:
            notes = self.topic.progress or GENERIC_PROGRESS
            note = self.rng.choice(notes)
        self._do(self.app.record_progress, cmd.RecordProgress(note=self.text(note), at=self.moment(day)), _handler(unit))

    def conclude(self, day: date) -> None:
        assert self.handling is not None
        self._do(self.app.conclude, cmd.Conclude(
            outcome=self.topic.outcome, result=self.text(self.topic.result), at=self.moment(day)), _handler(self.handling))

    def handle(self, transferred: date, days: int) -> None:
        """Sign for, record progress, conclude on the `days`-th working day after the transfer."""
        self.sign()
        concluded = self.wd(transferred, days)
        if days > 1:
            self.progress(self.wd(transferred, self.rng.randint(1, days - 1)))
        self.conclude(concluded)

    def feedback(self, day: date | None = None) -> date:
        """Tell the payer (and the other party) the result; returns the day the payer knew."""
        if day is None:
            day = self.day if self.t.astimezone(SHANGHAI).hour < 16 and self.rng.random() < 0.5 else self.wd(self.day, 1)
        clerk = _clerk(self.plan.unit)
        content = self.text(self.topic.feedback)
        self._do(self.app.give_feedback, cmd.GiveFeedback(
            party=PartyRole.PAYER, method=_method_of(content), content=content, at=self.moment(day)), clerk)
        known = self.day
        if self.other is not None:
            content = self.text(OTHER_FEEDBACK[self.topic.other or "employer"])
            self._do(self.app.give_feedback, cmd.GiveFeedback(
                party=PartyRole.OTHER_PARTY, method=_method_of(content), content=content, at=self.soon(10, 120)), clerk)
        return known

    def satisfaction(self, satisfied: bool | None = None, within: int = 5, note: str | None = None) -> None:
        if satisfied is None:
            satisfied = self.rng.random() < 0.88
        note = note or self.rng.choice(SATISFIED if satisfied else UNSATISFIED)
        day = self.wd(self.day, self.rng.randint(1, within))
        self._do(self.app.record_satisfaction, cmd.RecordSatisfaction(
            party=PartyRole.PAYER, satisfied=satisfied, note=note, at=self.moment(day)), _clerk(self.plan.unit))

    def archive(self, within: tuple[int, int] = (1, 8)) -> None:
        day = self.wd(self.day, self.rng.randint(*within))
        self._do(self.app.archive, cmd.Archive(at=self.moment(day)), _clerk(self.plan.unit))

    def escalate(self, day: date) -> None:
        assert self.handling is not None
        self._do(self.app.escalate, cmd.Escalate(reason=self.text(self.special.reason), at=self.moment(day)),
                 _handler(self.handling))

    @property
    def special(self) -> _Special:
        assert self.plan.special is not None
        return self.plan.special

    def deliberate(self, day: date) -> None:
        sp = self.special
        held = self.moment(day, 9 * 60, 10 * 60 + 30)
        attendees = [cmd.AttendeeInput(unit=u, name=STAFF[u]) for u in sp.attendees]
        self._do(self.app.hold_deliberation, cmd.HoldDeliberation(
            held_at=held.astimezone(SHANGHAI).isoformat(timespec="minutes"),
            attendees=attendees,
            minutes=self.text(sp.minutes),
            written_opinion=self.text(sp.opinion),
            executing_unit=sp.executing,
            at=self.soon(90, 300),
        ), TASKFORCE)
        self.handling = sp.executing

    def object(self, day: date, party: PartyRole = PartyRole.PAYER) -> None:
        assert self.topic.objection is not None
        self._do(self.app.raise_objection, cmd.RaiseObjection(
            party=party, content=self.text(self.topic.objection), at=self.moment(day)), _clerk(self.plan.unit))

    def guide(self, day: date, remedy: RemedyKind, known: date, decided: date | None = None) -> None:
        body = "国家税务总局晋城市税务局（上一级税务机关）" if self.handling == "tax" else "高平市人民政府（行政复议机构：高平市司法局）"
        if remedy == RemedyKind.RECONSIDERATION:
            content = (f"市司法局法律顾问审阅了案卷材料，告知当事人：可自{known.month}月{known.day}日知道该行政行为之日起60日内向"
                       f"{body}申请行政复议，并一次性告知了申请书格式、证据材料和递交方式；复议期间原行政行为不停止执行。")
        elif decided is None:
            content = (f"市司法局法律顾问审阅了案卷材料，告知当事人：可自{known.month}月{known.day}日知道该行政行为之日起6个月内向"
                       "高平市人民法院提起行政诉讼，并说明了起诉状、证据材料要求和诉讼费用缓减免的申请途径。")
        else:
            content = (f"当事人已于{decided.month}月{decided.day}日收到行政复议决定书（维持原行政行为）。市司法局告知其可自收到复议决定书"
                       "之日起15日内向高平市人民法院提起行政诉讼，并指导其准备起诉状和证据材料。")
        self._do(self.app.give_remedy_guidance, cmd.GiveRemedyGuidance(
            remedy=remedy, content=content, act_known_on=known, reconsideration_decided_on=decided,
            at=self.moment(day)), LEGAL)

    def notice(self, day: date, unit: str, late: str) -> None:
        content = (f"工作专班办公室督办：{self.ref}{late}，请{BUILTIN_UNITS[unit]}立即办理，并于一个工作日内报送情况说明；"
                   "逾期情况将在本月工作通报中列明。")
        self._do(self.app.issue_supervision_notice, cmd.IssueSupervisionNotice(
            unit=unit, content=content, at=self.moment(day, 9 * 60, 11 * 60)), TASKFORCE)

    def sweep(self) -> None:
        """What the deadline scheduler records once a deadline has passed unmet."""
        assert self.ref is not None
        if self.app.record_missed_deadlines(self.ref):
            self.t = max(self.t, self.app.get_dispute(self.ref, TASKFORCE).last_at)

    # --- the paths ---

    def play(self) -> None:
        getattr(self, "_" + self.plan.path)()
        if self.status != "ARCHIVED":
            self.sweep()  # open cases: put passed deadlines on the record, as the scheduler would

    def _simple(self) -> None:
        self.register()
        self.resolve()
        if self.rng.random() < 0.4:
            self.satisfaction(within=3)

    def _simple_archived(self) -> None:
        self._simple()
        self.archive((0, 6))

    def _general(self, *, handling_days: int | None = None) -> date:
        self.register()
        transferred = self.transfer_day()
        self.transfer(transferred, self.topic.handling_unit)
        self.handle(transferred, handling_days or _weighted(self.rng, ((1, 1), (2, 3), (3, 4), (4, 3), (5, 2))))
        return self.feedback()

    def _general_archived(self) -> None:
        self._general()
        if self.rng.random() < 0.6:
            self.satisfaction()
        self.archive()

    def _general_feedback(self) -> None:
        self._general()

    def _returned(self) -> None:
        plan = self.plan
        self.register()
        first = self.transfer_day()
        assert plan.wrong_unit is not None and plan.return_reason is not None
        self.transfer(first, plan.wrong_unit, note=f"按事项分类转{BUILTIN_UNITS[plan.wrong_unit]}办理。")
        returned_on = self.wd(first, self.rng.randint(0, 1))
        self._do(self.app.return_case, cmd.Return(reason=plan.return_reason, at=self.moment(returned_on)),
                 _handler(plan.wrong_unit))
        self.handling = None
        again = self.day if self.t.astimezone(SHANGHAI).hour < 16 else self.wd(self.day, 1)
        self.transfer(again, self.topic.handling_unit, note=self.topic.note or "经退回后重新核实职责，转交承办单位办理。")
        self.handle(again, self.rng.randint(2, 5))
        self.feedback()
        self.satisfaction()
        self.archive()

    def _special_path(self, *, late: bool = False) -> None:
        self.register()
        accepted = self.accepted_on
        transferred = self.transfer_day()
        self.transfer(transferred, self.topic.handling_unit)
        self.sign()
        escalated = self.wd(transferred, self.rng.randint(2, 4))
        self.progress(self.wd(transferred, 1))
        self.escalate(escalated)
        if late:
            self.sweep()
            meeting = self.wd(accepted, 13)
        else:
            options = [self.wd(accepted, j) for j in range(6, 11) if self.wd(accepted, j) > escalated]
            meeting = self.rng.choice(options)
        self.deliberate(meeting)
        self.progress(self.wd(meeting, self.rng.randint(1, 3)), self.special.exec_progress)
        self.conclude(self.wd(self.day, self.rng.randint(2, 7)))
        self.feedback()
        self.satisfaction()
        self.archive()

    def _special_archived(self) -> None:
        self._special_path()

    def _late_deliberation(self) -> None:
        self._special_path(late=True)

    def _late_transfer(self) -> None:
        self.register()
        accepted = self.accepted_on
        self.sweep()
        self.notice(self.wd(accepted, 3), self.plan.unit, "受理后超过1个工作日仍未转交承办单位")
        transferred = self.wd(accepted, 4)
        self.transfer(transferred, self.topic.handling_unit)
        self.handle(transferred, 3)
        self.feedback()
        self.satisfaction(satisfied=False, note=UNSATISFIED[0])
        self.archive()

    def _late_handling(self) -> None:
        self.register()
        transferred = self.transfer_day()
        handling = self.topic.handling_unit
        self.transfer(transferred, handling)
        self.sign()
        self.progress(self.wd(transferred, 2))
        self.sweep()
        self.notice(self.wd(transferred, 7), handling, "转交后超过5个工作日仍未办结")
        self.progress(self.wd(transferred, 8), "已按督办要求加快办理，问题原因已查明，正在更正。")
        self.conclude(self.wd(transferred, 9))
        self.feedback()
        self.satisfaction()
        self.archive()

    def _objection(self, remedy: RemedyKind, *, then_litigation: bool = False, archive: bool = True,
                   guided: bool = True) -> None:
        known = self._general()
        party = self.plan.extras.get("objector", PartyRole.PAYER)
        self.object(self.wd(self.day, self.rng.randint(1, 4)), party)
        if not guided:
            return
        self.guide(self.wd(self.day, self.rng.randint(1, 3)), remedy, known)
        if then_litigation:
            decided = self.demo.working_on_or_after(self.day + timedelta(days=self.rng.randint(45, 58)))
            self.guide(self.wd(decided, self.rng.randint(1, 4)), RemedyKind.LITIGATION, known, decided)
        if archive:
            self.satisfaction(satisfied=False, note=UNSATISFIED_OBJECTED)
            self.archive((1, 5))

    def _objection_reconsideration(self) -> None:
        self._objection(RemedyKind.RECONSIDERATION)

    def _objection_litigation(self) -> None:
        self._objection(RemedyKind.LITIGATION)

    def _objection_reconsideration_litigation(self) -> None:
        self._objection(RemedyKind.RECONSIDERATION, then_litigation=True)

    # recent, still open

    def _accepted_fresh(self) -> None:
        self.register()

    def _accepted_overdue(self) -> None:
        self.register()

    def _returned_pending(self) -> None:
        plan = self.plan
        assert plan.wrong_unit is not None and plan.return_reason is not None
        self.register()
        self.transfer(self.day, plan.wrong_unit, note=f"按事项分类转{BUILTIN_UNITS[plan.wrong_unit]}办理。")
        self._do(self.app.return_case, cmd.Return(reason=plan.return_reason, at=self.moment(self.demo.prev_wd(1))),
                 _handler(plan.wrong_unit))

    def _transferred_fresh(self) -> None:
        self.register()
        last = self.demo.prev_wd(1)
        transferred = self.day if self.rng.random() < 0.5 or self.day == last else self.wd(self.day, 1)
        self.transfer(transferred, self.topic.handling_unit)
        if self.rng.random() < 0.7:
            self.sign()
            if self.day < last:
                self.progress(last)

    def _transferred_overdue(self) -> None:
        demo = self.demo
        self.register()
        self.transfer(demo.prev_wd(8), self.topic.handling_unit)
        self.sign()
        self.progress(demo.prev_wd(6))
        self.sweep()
        self.notice(demo.prev_wd(2), self.topic.handling_unit, "转交后超过5个工作日仍未办结")
        self.progress(demo.prev_wd(1), "已按督办要求约谈单位，正在补充核实离职人员名单。")

    def _escalated_open(self) -> None:
        demo = self.demo
        self.register()
        self.transfer(demo.prev_wd(5), self.topic.handling_unit)
        self.sign()
        self.progress(demo.prev_wd(4))
        self.escalate(demo.prev_wd(3))

    def _deliberated_open(self) -> None:
        demo = self.demo
        self.register()
        self.transfer(demo.prev_wd(9), self.topic.handling_unit)
        self.sign()
        self.progress(demo.prev_wd(8))
        self.escalate(demo.prev_wd(7))
        self.deliberate(demo.prev_wd(2))
        self.progress(demo.prev_wd(1), self.special.exec_progress)

    def _concluded_open(self) -> None:
        demo = self.demo
        self.register()
        self.transfer(self.day, self.topic.handling_unit)
        self.sign()
        self.progress(demo.prev_wd(3))
        self.conclude(demo.prev_wd(1))

    def _feedback_open(self) -> None:
        demo = self.demo
        self.register()
        self.transfer(demo.prev_wd(7), self.topic.handling_unit)
        self.sign()
        self.progress(demo.prev_wd(6))
        self.conclude(demo.prev_wd(4))
        self.feedback(demo.prev_wd(3))

    def _objected_open(self) -> None:
        demo = self.demo
        self.register()
        self.transfer(demo.prev_wd(13), self.topic.handling_unit)
        self.handle(demo.prev_wd(13), 4)
        self.feedback(demo.prev_wd(8))
        self.object(demo.prev_wd(2))

    def _objected_guided(self) -> None:
        demo = self.demo
        self.register()
        self.transfer(demo.prev_wd(19), self.topic.handling_unit)
        self.handle(demo.prev_wd(19), 4)
        known = self.feedback(demo.prev_wd(12))
        self.object(demo.prev_wd(8), self.plan.extras.get("objector", PartyRole.PAYER))
        self.guide(demo.prev_wd(5), RemedyKind.RECONSIDERATION, known)


# --- small helpers --------------------------------------------------------------------------

_T = TypeVar("_T")


def _weighted(rng: random.Random, options: tuple[tuple[_T, float], ...]) -> _T:
    total = sum(w for _, w in options)
    pick = rng.uniform(0, total)
    for value, weight in options:
        pick -= weight
        if pick <= 0:
            return value
    return options[-1][0]


def _method_of(content: str) -> FeedbackMethod:
    """How the feedback was given, as its opening words say ("已电话告知…", "已当面…", "已书面…")."""
    opening = content[:8]
    if "短信" in opening:
        return FeedbackMethod.SMS
    if "当面" in opening or "召集" in opening:
        return FeedbackMethod.IN_PERSON
    if "书面" in opening or "邮寄" in opening or "送达" in opening:
        return FeedbackMethod.LETTER
    return FeedbackMethod.PHONE


def _local(day: date, minute_of_day: int) -> datetime:
    return datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60), SHANGHAI)


def _external_ref(channel: Channel, received: datetime, rng: random.Random) -> str | None:
    local = received.astimezone(SHANGHAI)
    if channel == C.HOTLINE_12345:
        return f"GP12345-{local:%Y%m%d}-{rng.randint(1, 9999):04d}"
    if channel == C.HOTLINE_12333:
        return f"12333-SX{local:%Y%m%d}{rng.randint(1, 99999):05d}"
    if channel == C.HOTLINE_12366:
        return f"12366-{local:%Y%m%d}-{rng.randint(1, 999999):06d}"
    if channel == C.PETITION_TRANSFER:
        return f"高信转〔{local.year}〕{rng.randint(1, 480)}号"
    return None
