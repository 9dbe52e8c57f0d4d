"""The work queues: an overview of every queue of the units in reach, and one queue's cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from domain.values import Actor
from interfaces.console import present as p
from interfaces.console.reading import QUEUE, QUEUE_COUNTS, ReadError
from interfaces.console.site import Console, actor_of
from projections.queries import QUEUE_KINDS

QUEUE_LIMIT = 500  # the cases a queue page shows (the API's most); the total is said beside them


async def counts(console: Console, actor: Actor, unit: str, now: datetime) -> dict[str, dict[str, Any]]:
    """Per queue of a unit: how many cases, and how many in each deadline state."""
    data = await console.reader.run(actor, QUEUE_COUNTS, {"unit": unit})
    calendar = console.fengqiao.calendar()
    out: dict[str, dict[str, Any]] = {}
    for kind in QUEUE_KINDS:
        cases = [edge["node"] for edge in data[kind]["edges"]]
        tally = dict.fromkeys(p.URGENCY_ORDER, 0)
        for case in cases:
            _, state = p.most_urgent(case["deadlines"], now, calendar)
            if state in tally:
                tally[state] += 1
        out[kind] = {"total": data[kind]["totalCount"], "full": data[kind]["totalCount"] > len(cases), **tally}
    return out


class QueueController(Controller):
    @get("/", name="console_home")
    async def overview(self, request: Request[Any, Any, Any], console: NamedDependency[Console]) -> Response[Any]:
        actor = actor_of(request)
        now = console.now()
        rows = []
        try:
            for unit in console.queue_units(actor):
                rows.append({"unit": unit, "counts": await counts(console, actor, unit, now)})
        except ReadError as e:
            return console.read_error(request, e)
        return console.render(request, "overview.html", rows=rows, kinds=QUEUE_KINDS, now=now)

    @get("/queues/{unit:str}/{kind:str}", name="console_queue")
    async def queue(
        self, request: Request[Any, Any, Any], console: NamedDependency[Console], unit: FromPath[str],
        kind: FromPath[str],
    ) -> Response[Any]:
        actor = actor_of(request)
        kind = kind.upper()
        if kind not in QUEUE_KINDS:
            return console.error(request, 404, console.words_for(request)("not_found_title"), kind)
        now = console.now()
        try:
            tabs = await counts(console, actor, unit, now)
            data = await console.reader.run(actor, QUEUE, {"unit": unit, "kind": kind})
        except ReadError as e:
            return console.read_error(request, e)
        rows = console.list_rows([edge["node"] for edge in data["queue"]["edges"]], now)
        return console.render(
            request, "queue.html", unit=unit, kind=kind, kinds=QUEUE_KINDS, tabs=tabs, rows=rows, now=now,
            full=data["queue"]["totalCount"] > len(rows), limit=QUEUE_LIMIT,
        )
