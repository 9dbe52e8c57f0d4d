"""Supervision's figures (督办): per unit, category, channel and township, over a period of intake."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from projections.case_view import CaseView
from projections.cases import COLUMNS, decode, ts
from projections.queries import SHANGHAI


@dataclass
class Stats:
    received: int = 0
    handled: int = 0
    concluded: int = 0
    overdue_now: int = 0
    missed: int = 0
    met_on_time: int = 0
    decided: int = 0
    returned: int = 0  # cases the unit gave back as not its own (a case once, however often)
    designated: int = 0  # cases designated to the unit (指定承办)

    @property
    def on_time_rate(self) -> float | None:
        return None if self.decided == 0 else round(self.met_on_time / self.decided, 4)


@dataclass
class SupervisionReport:
    period_from: date
    period_to: date
    units: dict[str, Stats] = field(default_factory=dict)
    by_category: dict[str, Stats] = field(default_factory=dict)
    by_channel: dict[str, Stats] = field(default_factory=dict)
    by_township: dict[str, Stats] = field(default_factory=dict)
    received: int = 0
    settled: int = 0
    settled_on_spot: int = 0
    settled_without_escalation: int = 0
    settled_in_one_visit: int = 0
    objected: int = 0
    late_units: list[str] = field(default_factory=list)
    misses_by_unit: dict[str, int] = field(default_factory=dict)  # misses never undone, most first


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Whole days in Asia/Shanghai, inclusive."""
    lo = datetime.combine(start, time(0), SHANGHAI).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC) - timedelta(microseconds=1)
    return lo, hi


def supervision(cur: Any, start: date, end: date, now: datetime) -> SupervisionReport:
    """Figures over the cases received in the period (a cohort), deadlines judged as of now."""
    lo, hi = period_bounds(start, end)
    cur.execute(f"SELECT {COLUMNS} FROM rm_cases WHERE received_at >= ? AND received_at <= ?", [ts(lo), ts(hi)])  # noqa: S608
    report = SupervisionReport(period_from=start, period_to=end)
    groups: dict[str, dict[str, Stats]] = {
        "units": defaultdict(Stats),
        "category": defaultdict(Stats),
        "channel": defaultdict(Stats),
        "township": defaultdict(Stats),
    }
    missed_by_unit: Counter[str] = Counter()
    for row in cur.fetchall():
        view = decode(row[-1])
        _count(report, groups, missed_by_unit, view, now)
    report.units = dict(sorted(groups["units"].items()))
    report.by_category = dict(sorted(groups["category"].items()))
    report.by_channel = dict(sorted(groups["channel"].items()))
    report.by_township = dict(sorted(groups["township"].items()))
    ranked = sorted(missed_by_unit.items(), key=lambda item: (-item[1], item[0]))
    report.late_units = [u for u, _ in ranked]
    report.misses_by_unit = dict(ranked)
    return report


def _count(
    report: SupervisionReport,
    groups: dict[str, dict[str, Stats]],
    missed_by_unit: Counter[str],
    view: CaseView,
    now: datetime,
) -> None:
    units = groups["units"]
    dims = [groups["category"][view.category], groups["channel"][view.channel]]
    if view.township:
        dims.append(groups["township"][view.township])
    report.received += 1
    units[view.accepting_unit].received += 1
    settled = view.settled_at is not None
    for stats in dims:
        stats.received += 1
        stats.concluded += int(settled)
    handled_by = {view.handling_unit, view.executing_unit} - {None}
    if view.transfers:
        for unit in handled_by:
            units[str(unit)].handled += 1
    if settled and view.concluded_by:
        units[view.concluded_by].concluded += 1
    for unit in set(view.returned_by):
        units[unit].returned += 1
    for unit in set(view.designated_to):
        units[unit].designated += 1
    _count_deadlines(units, dims, missed_by_unit, view, now)
    if settled:
        report.settled += 1
        report.settled_on_spot += int(view.resolved_on_spot)
        report.settled_without_escalation += int(not view.escalated)
        # "At most one trip": settled with nothing sent back and nothing objected to.
        report.settled_in_one_visit += int(view.returns == 0 and not view.objected and not view.escalated)
    report.objected += int(view.objected)


def _count_deadlines(
    units: dict[str, Stats], dims: list[Stats], missed_by_unit: Counter[str], view: CaseView, now: datetime
) -> None:
    for d in view.deadlines:
        stats = units[d.unit]
        late = d.overdue(now)
        if d.open_and_passed(now):
            stats.overdue_now += 1
            for s in dims:
                s.overdue_now += 1
        if d.missed(now):
            # A miss stays with the unit that held the case (or the escalating unit, item 9).
            answerable = d.answerable()
            units[answerable].missed += 1
            missed_by_unit[answerable] += 1
            for s in dims:
                s.missed += 1
        if d.met_at is not None or late:
            stats.decided += 1
            stats.met_on_time += int(not late)
            for s in dims:
                s.decided += 1
                s.met_on_time += int(not late)

