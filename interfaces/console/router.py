"""The console's pages: work queues, a case, search, supervision; server-rendered with Jinja2."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Request, Response, Router, get, post
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.middleware.base import DefineMiddleware
from litestar.params import FromPath
from litestar.response import Redirect

from application.disputes import Fengqiao
from domain.values import Actor
from infrastructure.settings import Settings
from interfaces.auth import TokenError, verify_token
from interfaces.console import present as p
from interfaces.console.auth import (
    COOKIE,
    COOKIE_PATH,
    LANG_COOKIE,
    PREFIX,
    PUBLIC_OPT,
    SIGN_IN,
    ConsoleAuthentication,
    clean_token,
    safe_next,
    same_site_only,
    seconds_left,
    signed_in,
)
from interfaces.console.i18n import DEFAULT_LANG, Words, pick_lang
from interfaces.console.reading import (
    CASE,
    CURRENT_STATUS,
    QUEUE,
    QUEUE_COUNTS,
    SEARCH,
    SUPERVISION,
    VERIFY,
    Reader,
    ReadError,
)
from interfaces.graphql.schema import PERSONAL_DATA_ROLES
from projections.queries import QUEUE_KINDS

log = logging.getLogger("fengqiao.console")

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATUSES = ("ACCEPTED", "TRANSFERRED", "ESCALATED", "DELIBERATED", "CONCLUDED", "FEEDBACK_GIVEN", "OBJECTED", "ARCHIVED")
PAGE_SIZE = 50
QUEUE_LIMIT = 500  # projections.queries.queue answers at most this many
MAX_PERIOD_DAYS = 3660
DATA_KEYS = ("to_unit", "unit", "executing_unit", "outcome", "result", "reason", "note", "party", "method", "content",
             "remedy", "kind", "level", "satisfied")
UNIT_KEYS = frozenset({"to_unit", "unit", "executing_unit"})
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass
class Console:
    settings: Settings
    fengqiao: Fengqiao
    reader: Reader
    env: Environment

    # --- language and rendering ----------------------------------------------------------

    @staticmethod
    def lang_of(request: Request[Any, Any, Any]) -> tuple[str, bool]:
        """?lang= first (and remembered in a cookie), then the cookie, then Chinese."""
        asked = pick_lang(request.query_params.get("lang"))
        if asked is not None:
            return asked, True
        return pick_lang(request.cookies.get(LANG_COOKIE)) or DEFAULT_LANG, False

    def words(self, lang: str) -> Words:
        return Words(lang, self.fengqiao.units())

    def secure_cookies(self, request: Request[Any, Any, Any]) -> bool:
        return request.url.scheme == "https" or self.settings.production

    def render(self, request: Request[Any, Any, Any], template: str, *, status: int = 200, **context: Any) -> Response[str]:
        lang, remember = self.lang_of(request)
        t = self.words(lang)
        actor = request.scope.get("user")
        other = "en" if lang == "zh" else "zh"
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        switch_url = request.url.path + "?" + urlencode([*params, ("lang", other)])
        html = self.env.get_template(template).render(
            t=t,
            lang=lang,
            actor=actor if isinstance(actor, Actor) else None,
            reads_all=isinstance(actor, Actor) and self.reader.reads.reach(actor).everything,
            switch_url=switch_url,
            prefix=PREFIX,
            p=p,
            **context,
        )
        response = Response(html, media_type=MediaType.HTML, status_code=status, headers=SECURITY_HEADERS)
        if remember:
            self._lang_cookie(response, lang, request)
        return response

    def _lang_cookie(self, response: Response[Any], lang: str, request: Request[Any, Any, Any]) -> None:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=365 * 86400, path=COOKIE_PATH, httponly=True, samesite="strict",
            secure=self.secure_cookies(request),
        )

    def error(self, request: Request[Any, Any, Any], status: int, title: str, message: str) -> Response[str]:
        return self.render(request, "error.html", status=status, title=title, message=message)

    def read_error(self, request: Request[Any, Any, Any], e: ReadError) -> Response[str]:
        t = self.words(self.lang_of(request)[0])
        if e.code == "NOT_FOUND":
            return self.error(request, 404, t("not_found_title"), t("not_found"))
        if e.code == "FORBIDDEN":
            return self.error(request, 403, t("forbidden_title"), e.message)
        if e.code == "BAD_INPUT":
            return self.error(request, 400, t("error_title"), e.message)
        if e.code == "UNAVAILABLE":
            return self.error(request, 503, t("error_title"), t("unavailable"))
        log.error("console read failed: %s %s", e.code, e.message)
        return self.error(request, 500, t("error_title"), t("unavailable"))

    # --- shared pieces -------------------------------------------------------------------

    def now(self) -> datetime:
        return self.fengqiao.clock()

    def queue_units(self, actor: Actor) -> list[str]:
        """The units whose queues the overview shows: all of them to those who read everything."""
        if self.reader.reads.reach(actor).everything:
            return [*self.fengqiao.units(), "taskforce"]
        return [actor.unit] if actor.unit else []

    def list_rows(self, cases: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
        calendar = self.fengqiao.calendar()
        rows = []
        for case in cases:
            deadline, state = p.most_urgent(case["deadlines"], now, calendar)
            rows.append({"case": case, "deadline": deadline, "state": state})
        return rows


def _actor(request: Request[Any, Any, Any]) -> Actor:
    actor = request.scope.get("user")
    if not isinstance(actor, Actor):
        raise NotAuthorizedException("sign in first")
    return actor


def _day_bounds(start: date | None, end: date | None) -> tuple[str | None, str | None]:
    lo = None if start is None else datetime.combine(start, time(0), p.SHANGHAI).astimezone(UTC).isoformat()
    hi = None
    if end is not None:
        hi = (datetime.combine(end + timedelta(days=1), time(0), p.SHANGHAI) - timedelta(microseconds=1)).astimezone(UTC).isoformat()
    return lo, hi


def _form_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def event_lines(t: Words, event_type: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    """The few fields of an event worth a line in the timeline."""
    lines = []
    for key in DATA_KEYS:
        value = data.get(key)
        if value is None or isinstance(value, (dict, list)):
            continue
        if key in UNIT_KEYS:
            text = t.unit(str(value))
        elif key == "outcome":
            text = t.outcome(str(value))
        elif key == "party":
            text = t.party(str(value))
        elif key == "method":
            text = t.method(str(value))
        elif key == "remedy":
            text = t.remedies([str(value)])
        elif key == "kind" and event_type in ("DeadlineMissed",):
            text = t.deadline(str(value))
        elif key == "level" and event_type == "RiskFlagged":
            text = t.risk(str(value))
        elif isinstance(value, bool):
            text = t.yes_no(value)
        else:
            text = str(value)
        lines.append((t.data_field(key), text))
    return lines


def build_router(settings: Settings, fengqiao: Fengqiao, reader: Reader) -> list[Any]:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    console = Console(settings, fengqiao, reader, env)
    env.globals["event_lines"] = event_lines

    # --- signing in and out --------------------------------------------------------------

    @get("/sign-in", opt={PUBLIC_OPT: True}, name="console_sign_in")
    async def sign_in_page(request: Request[Any, Any, Any]) -> Response[Any]:
        target = safe_next(request.query_params.get("next"))
        if isinstance(request.scope.get("user"), Actor):
            return Redirect(target, status_code=303)
        lang = console.lang_of(request)[0]
        t = console.words(lang)
        notice = None
        if request.query_params.get("expired"):
            notice = t("token_expired")
        elif request.query_params.get("signed_out"):
            notice = t("signed_out")
        elif request.query_params.get("next"):
            notice = t("need_sign_in")
        return console.render(request, "sign_in.html", next=target, notice=notice, problem=None)

    @post("/sign-in", opt={PUBLIC_OPT: True}, status_code=303, name="console_sign_in_post")
    async def sign_in(request: Request[Any, Any, Any]) -> Response[Any]:
        form = await request.form()
        target = safe_next(str(form.get("next") or ""))
        token = clean_token(str(form.get("token") or ""))
        lang = console.lang_of(request)[0]
        t = console.words(lang)
        try:
            verify_token(settings.secret, token)
        except TokenError as e:
            return console.render(request, "sign_in.html", status=401, next=target, notice=None, problem=t("bad_token") + t.token_problem(str(e)))
        response: Response[Any] = Redirect(target, status_code=303)
        response.set_cookie(
            COOKIE, token, max_age=seconds_left(token), path=COOKIE_PATH, httponly=True, samesite="strict",
            secure=console.secure_cookies(request),
        )
        return response

    @post("/sign-out", opt={PUBLIC_OPT: True}, status_code=303, name="console_sign_out")
    async def sign_out(request: Request[Any, Any, Any]) -> Response[Any]:
        response: Response[Any] = Redirect(f"{SIGN_IN}?signed_out=1", status_code=303)
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
        return response

    # --- work queues ---------------------------------------------------------------------

    async def counts(actor: Actor, unit: str, now: datetime) -> dict[str, dict[str, Any]]:
        data = await reader.run(actor, QUEUE_COUNTS, {"unit": unit})
        calendar = fengqiao.calendar()
        out: dict[str, dict[str, Any]] = {}
        for kind in QUEUE_KINDS:
            cases = data[kind]
            tally = dict.fromkeys(p.URGENCY_ORDER, 0)
            for case in cases:
                _, state = p.most_urgent(case["deadlines"], now, calendar)
                if state in tally:
                    tally[state] += 1
            out[kind] = {"total": len(cases), "full": len(cases) >= QUEUE_LIMIT, **tally}
        return out

    @get("/", name="console_home")
    async def overview(request: Request[Any, Any, Any]) -> Response[Any]:
        actor = _actor(request)
        now = console.now()
        rows = []
        try:
            for unit in console.queue_units(actor):
                rows.append({"unit": unit, "counts": await counts(actor, unit, now)})
        except ReadError as e:
            return console.read_error(request, e)
        return console.render(request, "overview.html", rows=rows, kinds=QUEUE_KINDS, now=now)

    @get("/queues/{unit:str}/{kind:str}", name="console_queue")
    async def queue_page(request: Request[Any, Any, Any], unit: FromPath[str], kind: FromPath[str]) -> Response[Any]:
        actor = _actor(request)
        kind = kind.upper()
        t = console.words(console.lang_of(request)[0])
        if kind not in QUEUE_KINDS:
            return console.error(request, 404, t("not_found_title"), kind)
        now = console.now()
        try:
            tabs = await counts(actor, unit, now)
            data = await reader.run(actor, QUEUE, {"unit": unit, "kind": kind})
        except ReadError as e:
            return console.read_error(request, e)
        rows = console.list_rows(data["queue"], now)
        return console.render(
            request, "queue.html", unit=unit, kind=kind, kinds=QUEUE_KINDS, tabs=tabs, rows=rows, now=now,
            full=len(rows) >= QUEUE_LIMIT, limit=QUEUE_LIMIT,
        )

    # --- a case --------------------------------------------------------------------------

    @get("/cases/{case_number:str}", name="console_case")
    async def case_page(request: Request[Any, Any, Any], case_number: FromPath[str]) -> Response[Any]:
        actor = _actor(request)
        t = console.words(console.lang_of(request)[0])
        number = case_number.strip().upper()
        as_of: datetime | None = None
        moment_problem = None
        raw = request.query_params.get("asOf") or request.query_params.get("at")
        if raw:
            try:
                as_of = p.parse_local_input(raw)
            except ValueError:
                moment_problem = t("bad_moment")
        try:
            # No X-Access-Reason from a browser: whole views are logged with the API's default reason.
            data = await reader.run(actor, CASE, {"n": number, "asOf": None if as_of is None else as_of.isoformat()})
            timeline = data["timeline"]
            if timeline is None:
                return console.error(request, 404, t("not_found_title"), t("not_found"))
            current = None
            if as_of is not None:
                current = (await reader.run(actor, CURRENT_STATUS, {"n": number}))["dispute"]
            try:
                verification: dict[str, Any] | None = (await reader.run(actor, VERIFY, {"n": number}))["verifyCase"]
                verify_problem = None
            except ReadError as e:
                verification, verify_problem = None, e.message
        except ReadError as e:
            return console.read_error(request, e)
        state = timeline["state"]
        now = console.now()
        judged_at = now if as_of is None else min(as_of, now)
        calendar = fengqiao.calendar()
        deadlines = [{**d, "state": p.deadline_state(d, judged_at, calendar)} for d in (state or {}).get("deadlines", [])]
        return console.render(
            request,
            "case.html",
            number=timeline["caseNumber"],
            state=state,
            events=timeline["events"],
            deadlines=deadlines,
            as_of=as_of,
            as_of_input=p.local_input(as_of),
            moment_problem=moment_problem,
            current=current,
            verification=verification,
            verify_problem=verify_problem,
            quote=quote,
        )

    @get("/cases/{case_number:str}/dossier", name="console_dossier")
    async def dossier(request: Request[Any, Any, Any], case_number: FromPath[str]) -> Response[Any]:
        """Streams GET /api/v1/disputes/{id}/dossier through, with the cookie's token as the bearer."""
        _actor(request)
        token = request.scope.get("auth")
        path = f"/api/v1/disputes/{quote(case_number.strip().upper(), safe='')}/dossier"
        headers = [(b"authorization", f"Bearer {token}".encode()), (b"accept", b"application/zip")]
        host = request.headers.get("host")
        if host:
            headers.append((b"host", host.encode("latin-1")))
        status, answer_headers, body = await _call(request, path, headers)
        if status == 200:
            keep = {k: v for k, v in answer_headers.items() if k in ("content-disposition", "cache-control")}
            return Response(body, status_code=200, headers=keep, media_type=answer_headers.get("content-type", "application/zip"))
        t = console.words(console.lang_of(request)[0])
        if status == 404:  # the same words as for a case page out of reach
            return console.error(request, 404, t("not_found_title"), t("not_found"))
        titles = {403: t("forbidden_title"), 401: t("forbidden_title")}
        return console.error(request, status, titles.get(status, t("error_title")), _message(body) or t("unavailable"))

    # --- search ----------------------------------------------------------------------------

    @get("/search", name="console_search")
    async def search_page(request: Request[Any, Any, Any]) -> Response[Any]:
        actor = _actor(request)
        return console.render(request, "search.html", form={}, result=None, problem=None,
                              pii=actor.role in PERSONAL_DATA_ROLES, statuses=STATUSES, units=list(fengqiao.units()))

    @post("/search", name="console_search_post", status_code=200)
    async def search(request: Request[Any, Any, Any]) -> Response[Any]:
        actor = _actor(request)
        t = console.words(console.lang_of(request)[0])
        raw = await request.form()
        form = {k: str(raw.get(k) or "").strip() for k in (
            "case_number", "external_ref", "payer_name", "payer_id_number", "status", "unit", "overdue",
            "received_from", "received_to", "after")}
        pii = actor.role in PERSONAL_DATA_ROLES

        def again(problem: str, status: int = 200, result: Any = None) -> Response[Any]:
            return console.render(request, "search.html", status=status, form=form, result=result, problem=problem,
                                  pii=pii, statuses=STATUSES, units=list(fengqiao.units()))

        try:
            if form["case_number"]:
                found = (await reader.run(actor, CURRENT_STATUS, {"n": form["case_number"].upper()}))["dispute"]
                if found is None:
                    return again(t("not_found"))
                return Redirect(f"{PREFIX}/cases/{quote(found['caseNumber'], safe='')}", status_code=303)
            criteria: dict[str, Any] = {}
            if form["external_ref"]:
                criteria["externalRef"] = form["external_ref"]
            if form["payer_name"]:
                criteria["payerName"] = form["payer_name"]
            if form["payer_id_number"]:
                criteria["payerIdNumber"] = form["payer_id_number"].upper()
            if form["status"] in STATUSES:
                criteria["status"] = form["status"]
            if form["unit"]:
                criteria["unit"] = form["unit"]
            if form["overdue"] in ("true", "false"):
                criteria["overdue"] = form["overdue"] == "true"
            lo, hi = _day_bounds(_form_day(form["received_from"]), _form_day(form["received_to"]))
            if lo:
                criteria["receivedFrom"] = lo
            if hi:
                criteria["receivedTo"] = hi
            if not criteria:
                return again(t("need_criterion"))
            data = await reader.run(actor, SEARCH, {"filter": criteria, "first": PAGE_SIZE, "after": form["after"] or None})
        except ReadError as e:
            if e.code == "FORBIDDEN":
                return again(t("search_pii_denied"), 403)
            if e.code == "BAD_INPUT":
                return again(e.message, 400)
            return console.read_error(request, e)
        page = data["disputes"]
        rows = console.list_rows([edge["node"] for edge in page["edges"]], console.now())
        result = {"rows": rows, "total": page["totalCount"], "next": page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None}
        return again("", result=result)

    # --- supervision ---------------------------------------------------------------------------

    def period(request: Request[Any, Any, Any]) -> tuple[date, date] | None:
        today = console.now().astimezone(p.SHANGHAI).date()
        start = _form_day(request.query_params.get("from")) if request.query_params.get("from") else date(today.year, 1, 1)
        end = _form_day(request.query_params.get("to")) if request.query_params.get("to") else today
        if start is None or end is None or end < start or (end - start).days > MAX_PERIOD_DAYS:
            return None
        return start, end

    async def figures(actor: Actor, start: date, end: date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        report = (await reader.run(actor, SUPERVISION, {"from": start.isoformat(), "to": end.isoformat()}))["supervision"]
        order = {u: i for i, u in enumerate([*fengqiao.units(), "taskforce"])}
        report["units"].sort(key=lambda u: (order.get(u["unit"], len(order)), u["unit"]))
        weeks = p.weeks_of(start, end)
        per_week = await reader.weekly(actor, [(lo.isoformat(), hi.isoformat()) for lo, hi in weeks])
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

    @get("/supervision", name="console_supervision")
    async def supervision_page(request: Request[Any, Any, Any]) -> Response[Any]:
        actor = _actor(request)
        t = console.words(console.lang_of(request)[0])
        chosen = period(request)
        if chosen is None:
            return console.render(request, "supervision.html", status=400, problem=t("bad_period"), report=None,
                                  trend=[], start=request.query_params.get("from", ""), end=request.query_params.get("to", ""),
                                  chart={}, missed={})
        start, end = chosen
        try:
            report, trend = await figures(actor, start, end)
        except ReadError as e:
            if e.code == "FORBIDDEN":
                return console.error(request, 403, t("forbidden_title"), t("supervision_denied"))
            return console.read_error(request, e)
        chart = {
            "units": {
                "labels": [t.unit(u["unit"]) for u in report["units"]],
                "series": [
                    {"label": t("received"), "data": [u["received"] for u in report["units"]], "color": "#1d4ed8"},
                    {"label": t("concluded"), "data": [u["concluded"] for u in report["units"]], "color": "#15803d"},
                    {"label": t("overdue_now"), "data": [u["overdueNow"] for u in report["units"]], "color": "#b91c1c"},
                ],
            },
            "trend": {
                "labels": [w["from"] for w in trend],
                "series": [
                    {"label": t("received"), "data": [w["received"] for w in trend], "color": "#1d4ed8"},
                    {"label": t("settled"), "data": [w["settled"] for w in trend], "color": "#15803d"},
                    {"label": t("missed_deadlines"), "data": [w["missed"] for w in trend], "color": "#b91c1c"},
                ],
            },
        }
        missed = {u["unit"]: u["missedDeadlines"] for u in report["units"]}
        return console.render(request, "supervision.html", problem=None, report=report, trend=trend,
                              start=start.isoformat(), end=end.isoformat(), chart=chart, missed=missed)

    @get("/supervision/csv", name="console_supervision_csv")
    async def supervision_csv(request: Request[Any, Any, Any]) -> Response[Any]:
        actor = _actor(request)
        lang = console.lang_of(request)[0]
        t = console.words(lang)
        chosen = period(request)
        if chosen is None:
            return console.error(request, 400, t("error_title"), t("bad_period"))
        start, end = chosen
        try:
            report, trend = await figures(actor, start, end)
        except ReadError as e:
            if e.code == "FORBIDDEN":
                return console.error(request, 403, t("forbidden_title"), t("supervision_denied"))
            return console.read_error(request, e)
        span = f"{start.isoformat()}~{end.isoformat()}"
        if request.query_params.get("table") == "weekly":
            header = [t("csv_period"), t("week_of"), t("period_to"), t("received"), t("settled"), t("missed_deadlines"), t("overdue_now")]
            rows = [[span, w["from"], w["to"], w["received"], w["settled"], w["missed"], w["overdue"]] for w in trend]
            name = f"supervision-weekly-{start.isoformat()}-{end.isoformat()}.csv"
        else:
            late = report["unitsWithMissedDeadlines"]
            header = [t("csv_period"), t("csv_unit_code"), t("csv_unit_name"), t("received"), t("handled"), t("concluded"),
                      t("overdue_now"), t("missed_deadlines"), t("on_time_rate"), t("notice_basis"), t("rank")]
            rows = [
                [span, u["unit"], t.unit(u["unit"]), u["received"], u["handled"], u["concluded"], u["overdueNow"],
                 u["missedDeadlines"], p.percent(u["onTimeRate"]), t.yes_no(u["unit"] in late),
                 late.index(u["unit"]) + 1 if u["unit"] in late else ""]
                for u in report["units"]
            ]
            name = f"supervision-units-{start.isoformat()}-{end.isoformat()}.csv"
        return Response(
            p.csv_bytes(header, rows),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
                     "X-Content-Type-Options": "nosniff"},
        )

    # --- errors as pages -------------------------------------------------------------------------

    def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
        if isinstance(exc, NotAuthorizedException):
            return Redirect(f"{SIGN_IN}?next={quote(request.url.path, safe='')}", status_code=303)
        t = console.words(console.lang_of(request)[0])
        titles = {403: t("forbidden_title"), 404: t("not_found_title")}
        return console.error(request, exc.status_code, titles.get(exc.status_code, t("error_title")), str(exc.detail))

    def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        log.exception("console page failed", exc_info=exc)
        t = console.words(console.lang_of(request)[0])
        return console.error(request, 500, t("error_title"), t("unavailable"))

    router = Router(
        path=PREFIX,
        route_handlers=[
            sign_in_page, sign_in, sign_out, overview, queue_page, case_page, dossier, search_page, search,
            supervision_page, supervision_csv,
        ],
        middleware=[DefineMiddleware(ConsoleAuthentication, secret=settings.secret)],
        guards=[signed_in, same_site_only],
        # The application's bearer middleware steps aside; ConsoleAuthentication reads the cookie.
        opt={"exclude_from_auth": True},
        include_in_schema=False,
        exception_handlers={HTTPException: http_error, Exception: internal_error},
    )
    return [router]


async def _call(request: Request[Any, Any, Any], path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, dict[str, str], bytes]:
    """One GET through this very application (its middleware, auth and route), answered in memory."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": request.scope.get("scheme", "http"),
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": request.scope.get("client"),
        "server": request.scope.get("server"),
        "state": {},
    }
    status = 500
    answer: dict[str, str] = {}
    chunks: list[bytes] = []
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
            answer.update({k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message.get("headers", [])})
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await request.app(scope, receive, send)  # type: ignore[arg-type]
    return status, answer, b"".join(chunks)


def _message(body: bytes) -> str | None:
    import json

    try:
        value = json.loads(body)
    except ValueError:
        return None
    return str(value.get("message")) if isinstance(value, dict) and value.get("message") else None
