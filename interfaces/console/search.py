"""Finding cases: by case number (straight to the case), external reference, the payer's exact name
or ID number (for the roles that may see personal data), status, unit, overdue and days received."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect

from application.bounds import query_day
from application.errors import InvalidCommand
from application.read_gates import ReadGate
from interfaces.console import present as p
from interfaces.console.auth import PREFIX
from interfaces.console.reading import CURRENT_STATUS, SEARCH, ReadError
from interfaces.console.site import Console, actor_of

STATUSES = ("ACCEPTED", "TRANSFERRED", "ESCALATED", "DELIBERATED", "CONCLUDED", "FEEDBACK_GIVEN", "OBJECTED", "ARCHIVED")
PAGE_SIZE = 50
FORM_FIELDS = ("case_number", "external_ref", "payer_name", "payer_id_number", "status", "unit", "overdue",
               "received_from", "received_to", "after")
TEXT_CRITERIA = {"external_ref": "externalRef", "payer_name": "payerName", "unit": "unit"}


def criteria_of(form: dict[str, str]) -> dict[str, Any]:
    """The API's DisputeFilter from the form's fields (a case number is looked up on its own)."""
    criteria: dict[str, Any] = {name: form[field] for field, name in TEXT_CRITERIA.items() if form[field]}
    if form["payer_id_number"]:
        criteria["payerIdNumber"] = form["payer_id_number"].upper()
    if form["status"] in STATUSES:
        criteria["status"] = form["status"]
    if form["overdue"] in ("true", "false"):
        criteria["overdue"] = form["overdue"] == "true"
    days = {name: p.form_day(form[name]) for name in ("received_from", "received_to")}
    for name, day in days.items():
        if day is not None:
            query_day(day, name)  # a day the calendar and the store can hold, else a 400 naming it
    lo, hi = p.day_bounds(days["received_from"], days["received_to"])
    if lo:
        criteria["receivedFrom"] = lo
    if hi:
        criteria["receivedTo"] = hi
    return criteria


class SearchController(Controller):
    @get("/search", name="console_search")
    async def form(self, request: Request[Any, Any, Any], console: NamedDependency[Console]) -> Response[Any]:
        actor = actor_of(request)
        return console.render(request, "search.html", form={}, result=None, problem=None,
                              pii=console.reader.reads.may(actor, ReadGate.PERSONAL_SEARCH), statuses=STATUSES, units=console.units())

    @post("/search", name="console_search_post", status_code=200)
    async def search(self, request: Request[Any, Any, Any], console: NamedDependency[Console]) -> Response[Any]:
        actor = actor_of(request)
        t = console.words_for(request)
        raw = await request.form()
        form = {k: str(raw.get(k) or "").strip() for k in FORM_FIELDS}

        def again(problem: str, status: int = 200, result: Any = None) -> Response[Any]:
            return console.render(request, "search.html", status=status, form=form, result=result, problem=problem,
                                  pii=console.reader.reads.may(actor, ReadGate.PERSONAL_SEARCH), statuses=STATUSES, units=console.units())

        try:
            criteria = criteria_of(form)
        except InvalidCommand as e:
            return again(str(e), 400)
        try:
            if form["case_number"]:
                found = (await console.reader.run(actor, CURRENT_STATUS, {"n": form["case_number"].upper()}))["dispute"]
                if found is None:
                    return again(t("not_found"))
                return Redirect(f"{PREFIX}/cases/{quote(found['caseNumber'], safe='')}", status_code=303)
            if not criteria:
                return again(t("need_criterion"))
            variables = {"filter": criteria, "first": PAGE_SIZE, "after": form["after"] or None}
            page = (await console.reader.run(actor, SEARCH, variables))["disputes"]
        except ReadError as e:
            if e.code == "FORBIDDEN":
                return again(t("search_pii_denied"), 403)
            if e.code == "BAD_USER_INPUT":
                return again(e.message, 400)
            if e.code == "RATE_LIMITED":
                return again(e.message, 429)
            return console.read_error(request, e)
        rows = console.list_rows([edge["node"] for edge in page["edges"]], console.now())
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
        return again("", result={"rows": rows, "total": page["totalCount"], "next": after})
