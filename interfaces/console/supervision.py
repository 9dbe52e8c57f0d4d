"""Supervision (督办统计): per-unit figures and the weekly trend of a period, as a page and as CSV."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency

from domain.values import Actor
from interfaces.console import present as p
from interfaces.console.reading import SUPERVISION, ReadError
from interfaces.console.site import Console, actor_of
from interfaces.console.words import Words

MAX_PERIOD_DAYS = 3660
RECEIVED, SETTLED, MISSED = "#1d4ed8", "#15803d", "#b91c1c"  # the charts' colours


def period(request: Request[Any, Any, Any], today: date) -> tuple[date, date] | None:
    """?from= and ?to= (by default this year up to today); None when they make no period."""
    start = p.form_day(request.query_params.get("from")) if request.query_params.get("from") else date(today.year, 1, 1)
    end = p.form_day(request.query_params.get("to")) if request.query_params.get("to") else today
    if start is None or end is None or end < start or (end - start).days > MAX_PERIOD_DAYS:
        return None
    return start, end


async def figures(console: Console, actor: Actor, start: date, end: date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The period's report (units in the registry's order) and its weeks."""
    report = (await console.reader.run(actor, SUPERVISION, {"from": start.isoformat(), "to": end.isoformat()}))["supervision"]
    order = {u: i for i, u in enumerate([*console.fengqiao.units(), "taskforce"])}
    report["units"].sort(key=lambda u: (order.get(u["unit"], len(order)), u["unit"]))
    weeks = p.weeks_of(start, end)
    per_week = await console.reader.weekly(actor, [(lo.isoformat(), hi.isoformat()) for lo, hi in weeks])
    trend = [
        {
            "from": lo.isoformat(),
            "to": hi.isoformat(),
            "received": w["received"],
            "settled": w["settled"],
            "missed": sum(u["missedDeadlines"] for u in w["units"]),
            "overdue": sum(u["overdueNow"] for u in w["units"]),
        }
        for (lo, hi), w in zip(weeks, per_week, strict=True)
    ]
    return report, trend


def charts(t: Words, report: dict[str, Any], trend: list[dict[str, Any]]) -> dict[str, Any]:
    units = report["units"]
    return {
        "units": {
            "labels": [t.unit(u["unit"]) for u in units],
            "series": [
                {"label": t("received"), "data": [u["received"] for u in units], "color": RECEIVED},
                {"label": t("concluded"), "data": [u["concluded"] for u in units], "color": SETTLED},
                {"label": t("overdue_now"), "data": [u["overdueNow"] for u in units], "color": MISSED},
            ],
        },
        "trend": {
            "labels": [w["from"] for w in trend],
            "series": [
                {"label": t("received"), "data": [w["received"] for w in trend], "color": RECEIVED},
                {"label": t("settled"), "data": [w["settled"] for w in trend], "color": SETTLED},
                {"label": t("missed_deadlines"), "data": [w["missed"] for w in trend], "color": MISSED},
            ],
        },
    }


def weekly_table(t: Words, span: str, trend: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    header = [t("csv_period"), t("week_of"), t("period_to"), t("received"), t("settled"), t("missed_deadlines"),
              t("overdue_now")]
    return header, [[span, w["from"], w["to"], w["received"], w["settled"], w["missed"], w["overdue"]] for w in trend]


def units_table(t: Words, span: str, report: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    late = report["unitsWithMissedDeadlines"]
    header = [t("csv_period"), t("csv_unit_code"), t("csv_unit_name"), t("received"), t("handled"), t("concluded"),
              t("overdue_now"), t("missed_deadlines"), t("on_time_rate"), t("notice_basis"), t("rank"),
              t.data_field("returned"), t.data_field("designation")]
    rows = [
        [span, u["unit"], t.unit(u["unit"]), u["received"], u["handled"], u["concluded"], u["overdueNow"],
         u["missedDeadlines"], p.percent(u["onTimeRate"]), t.yes_no(u["unit"] in late),
         late.index(u["unit"]) + 1 if u["unit"] in late else "", u["returned"], u["designated"]]
        for u in report["units"]
    ]
    return header, rows


async def period_figures(
    request: Request[Any, Any, Any], console: Console, *, csv: bool
) -> tuple[date, date, dict[str, Any], list[dict[str, Any]]] | Response[Any]:
    """The asked period and its figures, or the page that says why there are none."""
    actor = actor_of(request)
    t = console.words_for(request)
    chosen = period(request, console.now().astimezone(p.SHANGHAI).date())
    if chosen is None:
        if csv:
            return console.error(request, 400, t("error_title"), t("bad_period"))
        return console.render(request, "supervision.html", status=400, problem=t("bad_period"), report=None,
                              trend=[], start=request.query_params.get("from", ""),
                              end=request.query_params.get("to", ""), chart={}, missed={})
    start, end = chosen
    try:
        report, trend = await figures(console, actor, start, end)
    except ReadError as e:
        if e.code == "FORBIDDEN":
            return console.error(request, 403, t("forbidden_title"), t("supervision_denied"))
        return console.read_error(request, e)
    return start, end, report, trend


class SupervisionController(Controller):
    path = "/supervision"

    @get("/", name="console_supervision")
    async def page(self, request: Request[Any, Any, Any], console: NamedDependency[Console]) -> Response[Any]:
        found = await period_figures(request, console, csv=False)
        if isinstance(found, Response):
            return found
        start, end, report, trend = found
        missed = {u["unit"]: u["missedDeadlines"] for u in report["units"]}
        return console.render(request, "supervision.html", problem=None, report=report, trend=trend,
                              start=start.isoformat(), end=end.isoformat(),
                              chart=charts(console.words_for(request), report, trend), missed=missed)

    @get("/csv", name="console_supervision_csv")
    async def csv(self, request: Request[Any, Any, Any], console: NamedDependency[Console]) -> Response[Any]:
        found = await period_figures(request, console, csv=True)
        if isinstance(found, Response):
            return found
        start, end, report, trend = found
        t = console.words_for(request)
        span = f"{start.isoformat()}~{end.isoformat()}"
        weekly = request.query_params.get("table") == "weekly"
        header, rows = weekly_table(t, span, trend) if weekly else units_table(t, span, report)
        name = f"supervision-{'weekly' if weekly else 'units'}-{start.isoformat()}-{end.isoformat()}.csv"
        return Response(
            p.csv_bytes(header, rows),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
                     "X-Content-Type-Options": "nosniff"},
        )
