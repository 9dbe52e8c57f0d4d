"""The demo's scenario material, read from the TOML files in `data/`: what the cases are about
(topics, special cases, returns), the people and companies, the texts of the acts, and which cases
the scenario holds. Texts are `str.format` templates; `Case.text` fills their placeholders."""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Literal

import msgspec

from domain.values import (
    DEFAULT_HANDLING_UNIT,
    Category,
    Channel,
    FeedbackMethod,
    InsuranceType,
    Outcome,
    PartyRole,
    PayerKind,
    RiskLevel,
)


class Intake(msgspec.Struct, frozen=True, array_like=True):
    """A way a case comes in: through which channel, to which accepting unit, how often (weight)."""

    channel: Channel
    unit: str
    weight: int


class Topic(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a case is about, with the texts of its acts."""

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
    other: Literal["employer", "employee", "dispatch"] | None = None
    handling: str | None = None  # overrides the routing table
    note: str | None = None  # transfer note that explains the override
    people: bool = False  # people_involved = {n}
    objection: str | None = None
    amount: tuple[int, int] = (500, 5000)
    small: tuple[int, int] = (50, 500)
    n: tuple[int, int] = (2, 12)
    age: tuple[int, int] = (24, 58)
    intake: tuple[Intake, ...] | None = None
    trade: str | None = None  # the company's line of business, when the text needs one

    @property
    def handling_unit(self) -> str:
        return self.handling or DEFAULT_HANDLING_UNIT[self.category]


class Special(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A case escalated to the task force; its topic's handling unit is the one that escalates."""

    topic: Topic
    reason: str
    minutes: str
    opinion: str
    executing: str
    attendees: tuple[str, ...]
    exec_progress: str


class Return(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A case first transferred to the wrong unit, which returns it."""

    topic: str
    wrong_unit: str
    reason: str


class Risk(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    level: RiskLevel
    kind: str
    note: str
    by: Literal["clerk", "handler"]  # flagged by the accepting clerk at intake, or the handler on signing for


class CoreCase(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One of the cases that make sure every unit, category, channel, path and status is covered."""

    path: str
    key: str  # a topic, special or return
    channel: Channel
    unit: str  # the accepting unit
    weekend: bool = False  # received on a rest day
    objector: PartyRole = PartyRole.PAYER
    risk: Risk | None = None


class People(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    surnames: str
    male_given: tuple[str, ...]
    female_given: tuple[str, ...]
    mobile_prefixes: tuple[str, ...]
    company: str  # template of a company's name: {place}, {word}, {trade}
    company_places: tuple[str, ...]
    company_words: tuple[str, ...]
    company_trades: tuple[str, ...]
    dispatch_trade: str  # a labour-dispatch company's line of business
    urban_townships: tuple[str, ...]
    staff: dict[str, str]  # unit -> who sits in a task-force meeting for it (fictional)


class Guidance(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Legal staff's remedy guidance: the body to apply to, and the three texts."""

    tax_body: str
    other_body: str
    reconsideration: str
    litigation: str
    litigation_after_reconsideration: str


class ExternalRef(msgspec.Struct, frozen=True, array_like=True):
    """How a channel numbers its work orders: a template of {date}, {year} and {n}, n from 1 to up_to."""

    template: str
    up_to: int


class Texts(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    date: str  # {year} {month} {day}
    month: str  # {year} {month}
    street_office: str  # a street office's government: {name}
    township_government: str
    transfer_note: str  # {unit}
    wrong_transfer_note: str  # {unit}
    transfer_after_return: str
    generic_progress: tuple[str, ...]
    satisfied: tuple[str, ...]
    unsatisfied: tuple[str, ...]
    unsatisfied_objected: str
    no_objection_note: str  # what a party said when it confirmed no objection (无异议确认)
    other_feedback: dict[str, str]  # by the other party's kind
    feedback_methods: dict[FeedbackMethod, tuple[str, ...]]  # words in a feedback's opening that say how
    guidance: Guidance
    notice: str  # {ref} {late} {unit}
    late_transfer: str
    late_handling: str
    hurried_progress: str
    hurried_open_progress: str
    external_refs: dict[Channel, ExternalRef]


class Scenario(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    history_start: date
    historical_days: dict[str, int]  # path -> calendar days a historical case needs before the clock
    recent_working_days: dict[str, tuple[int, ...]]  # path -> on which working day before today it came in
    core: tuple[CoreCase, ...]
    fill_paths: dict[str, float]
    fill_specials: tuple[str, ...]
    category_weights: dict[Category, int]
    tax_categories: frozenset[Category]
    intakes: dict[str, tuple[Intake, ...]]


class Material(msgspec.Struct, frozen=True):
    topics: tuple[Topic, ...]
    specials: dict[str, Special]
    returns: dict[str, Return]
    people: People
    texts: Texts
    scenario: Scenario

    def topic(self, key: str) -> Topic:
        found = next((t for t in self.topics if t.key == key), None)
        if found is None:
            raise ValueError(f"data/topics.toml has no topic {key!r}")
        return found

    def default_intake(self, topic: Topic) -> tuple[Intake, ...]:
        intakes = self.scenario.intakes
        return topic.intake or (intakes["tax"] if topic.category in self.scenario.tax_categories else intakes["hrss"])


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8"))


def _topic(raw: dict[str, Any], intakes: dict[str, Any]) -> dict[str, Any]:
    # A topic names a shared intake ("medical") or lists its own.
    if isinstance(raw.get("intake"), str):
        return raw | {"intake": intakes[raw["intake"]]}
    return raw


@cache
def material() -> Material:
    scenario = _read("scenario.toml")
    intakes = scenario["intakes"]
    topics = [_topic(t, intakes) for t in _read("topics.toml")["topic"]]
    cases = _read("specials.toml")
    specials = {k: v | {"topic": _topic(v["topic"], intakes)} for k, v in cases["special"].items()}
    raw = {"topics": topics, "specials": specials, "returns": cases["return"], "people": _read("people.toml"),
           "texts": _read("texts.toml"), "scenario": scenario}
    return msgspec.convert(raw, Material)
