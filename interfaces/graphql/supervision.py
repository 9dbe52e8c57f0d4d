"""Supervision figures for a period of intake: per unit, category, channel and township."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from domain import vocabulary as v
from domain.values import TOWNSHIPS
from interfaces.graphql import threads
from interfaces.graphql.context import Info
from projections import supervision as sv


@strawberry.type
class UnitStats:
    unit: str
    received: int
    handled: int
    concluded: int
    overdue_now: int
    missed_deadlines: int
    on_time_rate: float | None
    returned: int = strawberry.field(description="Cases this unit returned as not its own (退回), each case once")
    designated: int = strawberry.field(description="Cases designated to this unit (指定承办)")


@strawberry.type
class GroupStats:
    key: str = strawberry.field(description="The group: a category or channel code; a township by its name (米山镇)")
    code: str = strawberry.field(description="The group's code (a township's NBS code, 140581101)")
    name: str = strawberry.field(description="What the code names, in Chinese (米山镇 for 140581101)")
    received: int
    settled: int
    overdue_now: int
    missed_deadlines: int
    on_time_rate: float | None


@strawberry.type
class LateUnit:
    unit: str
    name: str
    missed_deadlines: int


@strawberry.type
class Supervision:
    period_from: dt.date
    period_to: dt.date
    units: list[UnitStats]
    by_category: list[GroupStats]
    by_channel: list[GroupStats]
    by_township: list[GroupStats]
    received: int
    settled: int
    settled_on_spot_share: float | None
    settled_without_escalation_share: float | None
    settled_in_one_visit_share: float | None
    objected: int
    units_with_missed_deadlines: list[str] = strawberry.field(description="Most misses first: the basis for a 通报")
    late_units: list[LateUnit] = strawberry.field(
        description="The 通报 list: each unit with misses never undone (a later return or transfer does not "
        "erase one), most first, with its name"
    )




def share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)



def _supervision(report: sv.SupervisionReport, units: dict[str, str]) -> Supervision:
    def group(items: dict[str, sv.Stats], names: v.Codes | dict[str, str], *, by_name: bool = False) -> list[GroupStats]:
        def name(k: str) -> str:
            return names.name(k) if isinstance(names, v.Codes) else names.get(k, k)

        return [
            GroupStats(
                key=name(k) if by_name else k,
                code=k,
                name=name(k),
                received=s.received,
                settled=s.concluded,
                overdue_now=s.overdue_now,
                missed_deadlines=s.missed,
                on_time_rate=s.on_time_rate,
            )
            for k, s in items.items()
        ]

    return Supervision(
        period_from=report.period_from,
        period_to=report.period_to,
        units=[
            UnitStats(
                unit=u,
                received=s.received,
                handled=s.handled,
                concluded=s.concluded,
                overdue_now=s.overdue_now,
                missed_deadlines=s.missed,
                on_time_rate=s.on_time_rate,
                returned=s.returned,
                designated=s.designated,
            )
            for u, s in report.units.items()
        ],
        by_category=group(report.by_category, v.CATEGORY),
        by_channel=group(report.by_channel, v.CHANNEL),
        by_township=group(report.by_township, TOWNSHIPS, by_name=True),
        received=report.received,
        settled=report.settled,
        settled_on_spot_share=share(report.settled_on_spot, report.received),
        settled_without_escalation_share=share(report.settled_without_escalation, report.settled),
        settled_in_one_visit_share=share(report.settled_in_one_visit, report.received),
        objected=report.objected,
        units_with_missed_deadlines=report.late_units,
        late_units=[
            LateUnit(unit=u, name=v.unit_name(u, v.ZH, units), missed_deadlines=n) for u, n in report.misses_by_unit.items()
        ],
    )


async def resolve_supervision(
    info: Info, from_: Annotated[dt.date, strawberry.argument(name="from")], to: dt.date
) -> Supervision:
    ctx = info.context
    report: sv.SupervisionReport = await threads.run_sync(ctx.reads.supervision, ctx.actor, from_, to, ctx.now)
    units: dict[str, str] = await threads.run_sync(ctx.fengqiao.units)
    return _supervision(report, units)


@strawberry.type
class SupervisionQuery:
    supervision: Supervision = strawberry.field(resolver=resolve_supervision)
