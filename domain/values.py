"""The vocabulary of the notice: units, categories, channels, levels, statuses and the like.

Enum values are the code names of the public contract; they are stored in events, so they
never change once released.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec


class Channel(StrEnum):
    HOTLINE_12345 = "hotline_12345"
    HOTLINE_12333 = "hotline_12333"
    HOTLINE_12366 = "hotline_12366"
    DEPARTMENT_PHONE = "department_phone"
    SERVICE_WINDOW = "service_window"
    PETITION_TRANSFER = "petition_transfer"
    TOWNSHIP_POINT = "township_point"


class Category(StrEnum):
    REGISTRATION_TRANSFER = "registration_transfer"
    REGISTRATION_INFO = "registration_info"
    CONTRIBUTION_AMOUNT = "contribution_amount"
    SPECIAL_ASSESSMENT = "special_assessment"
    LATE_FEE = "late_fee"
    REFUND_OFFSET = "refund_offset"
    BENEFIT = "benefit"
    COLLECTION_ENFORCEMENT = "collection_enforcement"
    OTHER = "other"


class PayerKind(StrEnum):
    INDIVIDUAL = "individual"
    EMPLOYER = "employer"


class PartyRole(StrEnum):
    PAYER = "payer"
    OTHER_PARTY = "other_party"


class Level(StrEnum):
    SIMPLE = "simple"
    GENERAL = "general"
    SPECIAL = "special"


class Status(StrEnum):
    ACCEPTED = "accepted"
    TRANSFERRED = "transferred"
    ESCALATED = "escalated"
    DELIBERATED = "deliberated"
    CONCLUDED = "concluded"
    FEEDBACK_GIVEN = "feedback_given"
    OBJECTED = "objected"
    ARCHIVED = "archived"


class Outcome(StrEnum):
    EXPLAINED = "explained"
    CORRECTED = "corrected"
    REFUNDED = "refunded"
    MEDIATED = "mediated"
    NOT_SUPPORTED = "not_supported"
    REFERRED = "referred"


class FeedbackMethod(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    SMS = "sms"
    LETTER = "letter"


class InsuranceType(StrEnum):
    PENSION = "pension"
    MEDICAL = "medical"
    UNEMPLOYMENT = "unemployment"
    WORK_INJURY = "work_injury"
    MATERNITY = "maternity"


class RemedyKind(StrEnum):
    RECONSIDERATION = "reconsideration"
    LITIGATION = "litigation"


class NoObjectionBasis(StrEnum):
    """Why a told party counts as having no objection when the case is archived (domain.md)."""

    CONFIRMED = "confirmed"  # 无异议确认: the party said so, on the record
    QUIET_PERIOD = "quiet_period"  # the quiet period after its feedback passed without an objection
    GUIDED = "guided"  # it objected and was guided towards its remedies


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class DeadlineKind(StrEnum):
    TRANSFER = "transfer"
    HANDLING = "handling"
    DELIBERATION = "deliberation"


class Role(StrEnum):
    CLERK = "clerk"
    HANDLER = "handler"
    TASKFORCE = "taskforce"
    LEGAL = "legal"
    AUDITOR = "auditor"
    INTEGRATOR = "integrator"
    SYSTEM = "system"


# Member units of item 三(一), plus medical insurance (category 4 names its assessments).
# The task force may add more; those live in the UnitRegistry aggregate.
BUILTIN_UNITS: dict[str, str] = {
    "gov_office": "市政府办公室",
    "tax": "国家税务总局高平市税务局",
    "hrss": "市人社局",
    "petition": "市信访局",
    "finance": "市财政局",
    "justice": "市司法局",
    "court": "市法院",
    "police": "市公安局",
    "medical_insurance": "市医保局",
}

# 不推诿: after a case's second return the accepting unit no longer transfers it; the government
# office (which the notice charges with 及时转交承办单位) or the task force designates its unit.
DESIGNATING_UNIT = "gov_office"
RETURNS_BEFORE_DESIGNATION = 2

# Our routing rule for item 三(三): a suggestion the accepting clerk may override.
DEFAULT_HANDLING_UNIT: dict[Category, str] = {
    Category.REGISTRATION_TRANSFER: "hrss",
    Category.REGISTRATION_INFO: "hrss",
    Category.CONTRIBUTION_AMOUNT: "tax",
    Category.SPECIAL_ASSESSMENT: "hrss",
    Category.LATE_FEE: "tax",
    Category.REFUND_OFFSET: "tax",
    Category.BENEFIT: "hrss",
    Category.COLLECTION_ENFORCEMENT: "tax",
    Category.OTHER: "gov_office",
}

# Why a unit was suggested (the rule's code, stored with the registration).
ROUTING_BY_CATEGORY = "category"  # the category's default handling unit
ROUTING_MEDICAL_ONLY = "special_assessment_medical_only"  # category 4 with medical insurance alone


def suggest_handling_unit(category: Category, insurance_types: tuple[InsuranceType, ...]) -> tuple[str, str]:
    """The routing rule of item 三(三): (the suggested unit, the rule that suggested it). Special
    amounts assessed for medical insurance alone are the medical-insurance bureau's."""
    if category == Category.SPECIAL_ASSESSMENT and insurance_types and set(insurance_types) == {InsuranceType.MEDICAL}:
        return "medical_insurance", ROUTING_MEDICAL_ONLY
    return DEFAULT_HANDLING_UNIT[category], ROUTING_BY_CATEGORY


CATEGORY_NAMES_ZH: dict[Category, str] = {
    Category.REGISTRATION_TRANSFER: "社会保险登记和关系转移",
    Category.REGISTRATION_INFO: "社会保险登记信息传递",
    Category.CONTRIBUTION_AMOUNT: "社会保险费缴费金额",
    Category.SPECIAL_ASSESSMENT: "人社、医保部门核定的特殊缴费应征金额",
    Category.LATE_FEE: "社会保险费滞纳金加收",
    Category.REFUND_OFFSET: "社会保险费退（抵）费模式、流程、金额",
    Category.BENEFIT: "社会保险待遇核定和支付",
    Category.COLLECTION_ENFORCEMENT: "征缴、缴费检查、欠费追缴",
    Category.OTHER: "其他征缴争议",
}

# Gaoping (140581) township-level units, NBS 9-digit codes.
TOWNSHIPS: dict[str, str] = {
    "140581001": "北城街道",
    "140581002": "东城街道",
    "140581003": "南城街道",
    "140581101": "米山镇",
    "140581102": "三甲镇",
    "140581103": "神农镇",
    "140581104": "陈区镇",
    "140581105": "北诗镇",
    "140581106": "河西镇",
    "140581107": "马村镇",
    "140581108": "野川镇",
    "140581109": "寺庄镇",
    "140581201": "建宁乡",
    "140581202": "石末乡",
    "140581203": "原村乡",
}
_TOWNSHIP_BY_NAME = {name: code for code, name in TOWNSHIPS.items()}
# 永禄乡 was merged into 北城街道 in 2021; old ledgers still name it.
_TOWNSHIP_BY_NAME["永禄乡"] = "140581001"


def parse_township(value: str) -> str:
    """A township by NBS code or by name; returns the code."""
    text = value.strip()
    if text in TOWNSHIPS:
        return text
    if text in _TOWNSHIP_BY_NAME:
        return _TOWNSHIP_BY_NAME[text]
    raise ValueError(f"unknown township {text!r}: give a Gaoping NBS code (140581001…) or its name")


class Actor(msgspec.Struct, frozen=True):
    """Who did something: the token's subject, role and unit."""

    subject: str
    role: Role
    unit: str | None = None


class Payer(msgspec.Struct, frozen=True):
    """The payer as stored. name, id_number and phone are sealed under the case's key (see
    application.privacy; a name stored before that is in clear); the masked forms are kept beside
    them so that most readers never decrypt."""

    kind: PayerKind
    name: str
    id_number: str
    phone: str
    id_number_masked: str
    phone_masked: str
    name_masked: str
    id_number_digest: str = ""  # keyed hash: exact-match search without decrypting
    name_digest: str = ""  # keyed hash of the name, likewise (empty before names were sealed)


class OtherParty(msgspec.Struct, frozen=True):
    """The other side of the dispute (an employer, an employee, an agency). The contact may be a
    private person's phone or address: it is sealed like the payer's, with a masked form beside
    it. An individual's name is sealed too (then `name_masked` is set)."""

    name: str
    kind: str | None = None
    contact: str | None = None
    contact_masked: str | None = None
    name_masked: str | None = None


INDIVIDUAL_KINDS = frozenset({"individual", "employee", "个人", "职工"})


def is_individual(kind: str | None) -> bool:
    """Whether an other party of this (free-text) kind is a private person."""
    return kind is not None and kind.strip().lower() in INDIVIDUAL_KINDS


class Attendee(msgspec.Struct, frozen=True):
    unit: str
    name: str
