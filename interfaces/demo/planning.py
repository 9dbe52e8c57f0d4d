"""Planning a demo run: which cases (path, topic, channel, accepting unit) and when each came in.

Recent cases are placed relative to the application's clock; historical ones on a day drawn far
enough before it for their path to finish. Every case draws from its own random stream, seeded
from the run's, so the run is deterministic for a given seed and clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from application.disputes import Fengqiao
from domain.calendar import SHANGHAI
from domain.values import Channel, PartyRole
from interfaces.demo.identities import Identities
from interfaces.demo.material import CoreCase, Material, Return, Risk, Special, Topic, material

HOTLINES = (Channel.HOTLINE_12345, Channel.HOTLINE_12333, Channel.HOTLINE_12366)
_T = TypeVar("_T")


@dataclass
class Plan:
    path: str
    topic: Topic
    channel: Channel
    unit: str  # accepting unit
    rng: random.Random
    received_at: datetime = datetime.min.replace(tzinfo=UTC)
    special: Special | None = None
    wrong: Return | None = None  # the first, wrong transfer of a returned case
    weekend: bool = False
    objector: PartyRole = PartyRole.PAYER
    risk: Risk | None = None


def weighted(rng: random.Random, options: tuple[tuple[_T, float], ...]) -> _T:
    total = sum(w for _, w in options)
    pick = rng.uniform(0, total)
    for value, weight in options:
        pick -= weight
        if pick <= 0:
            return value
    return options[-1][0]


def local(day: date, minute_of_day: int) -> datetime:
    return datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60), SHANGHAI)


class Demo:
    """One run: the application, its clock and calendar, the material and the identities used."""

    def __init__(self, app: Fengqiao, seed: int) -> None:
        self.app = app
        self.material: Material = material()
        self.rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not a secret
        self.now = app.clock().astimezone(UTC)
        self.today = self.now.astimezone(SHANGHAI).date()
        self.cal = app.calendar()
        self.quiet_days = app.objection_quiet_days  # after which no objection is presumed
        self.identities = Identities(self.material.people)

    # --- the calendar ---

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

    # --- the plans ---

    def plans(self, size: int) -> list[Plan]:
        """The core cases, then as many drawn ones as make `size`, in the order they came in."""
        plans = [self._plan_core(core) for core in self.material.scenario.core]
        for _ in range(size - len(plans)):
            plans.append(self._plan_fill())
        order = sorted(range(len(plans)), key=lambda i: (plans[i].received_at, i))
        return [plans[i] for i in order]

    def _plan_core(self, core: CoreCase) -> Plan:
        rng = random.Random(self.rng.getrandbits(64))  # noqa: S311 - one stream per case, same reason
        m = self.material
        special = m.specials.get(core.key)
        wrong = m.returns.get(core.key)
        if wrong is not None:
            topic = m.topic(wrong.topic)
        else:
            topic = special.topic if special is not None else m.topic(core.key)
        plan = Plan(core.path, topic, core.channel, core.unit, rng, special=special, wrong=wrong, weekend=core.weekend,
                    objector=core.objector, risk=core.risk)
        plan.received_at = self._received(plan)
        return plan

    def _plan_fill(self) -> Plan:
        rng = random.Random(self.rng.getrandbits(64))  # noqa: S311 - one stream per case, same reason
        m = self.material
        path = weighted(rng, tuple(m.scenario.fill_paths.items()))
        special = wrong = None
        if path == "special_archived":
            special = m.specials[rng.choice(m.scenario.fill_specials)]
            topic = special.topic
        elif path in ("returned", "returned_pending"):
            wrong = m.returns[rng.choice(sorted(m.returns))]
            topic = m.topic(wrong.topic)
        else:
            topic = self._fill_topic(rng, path)
        intake = m.default_intake(topic)
        channel, unit = weighted(rng, tuple(((i.channel, i.unit), i.weight) for i in intake))
        plan = Plan(path, topic, channel, unit, rng, special=special, wrong=wrong)
        plan.received_at = self._received(plan)
        return plan

    def _fill_topic(self, rng: random.Random, path: str) -> Topic:
        m = self.material
        while True:
            category = weighted(rng, tuple(m.scenario.category_weights.items()))
            choices = [t for t in m.topics if t.category == category]
            if path.startswith("simple"):
                choices = [t for t in choices if t.simple]
            if path.startswith("objection"):
                choices = [t for t in choices if t.objection and t.other != "employer"]
            if choices:
                return rng.choice(choices)

    def _received(self, plan: Plan) -> datetime:
        rng = plan.rng
        scenario = self.material.scenario
        hotline = plan.channel in HOTLINES
        if plan.path in scenario.recent_working_days:
            day = self.prev_wd(rng.choice(scenario.recent_working_days[plan.path]))
            return local(day, rng.randint(8 * 60 + 35, 15 * 60 + 30))
        need = scenario.historical_days[plan.path]
        start = min(scenario.history_start, self.today - timedelta(days=400))
        last = self.today - timedelta(days=need)
        day = start + timedelta(days=rng.randint(0, (last - start).days))
        rest_day = hotline and (plan.weekend or rng.random() < 0.15)
        if rest_day:
            while self.cal.is_working_day(day) and day > start:
                day -= timedelta(days=1)
            if not self.cal.is_working_day(day):
                return local(day, rng.randint(8 * 60, 21 * 60))
        day = self.working_on_or_after(day)
        if hotline and rng.random() < 0.12:
            return local(day, rng.randint(18 * 60, 21 * 60 + 30))  # an evening call
        return local(day, rng.randint(8 * 60 + 35, 16 * 60 + 40))
