"""What every console page shares: the templates, the language, error pages and a few reads.

One `Console` is made when the routes are built and handed to the controllers as the Litestar
dependency `console`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect

from application.disputes import Fengqiao
from domain.values import Actor
from interfaces.console import present as p
from interfaces.console.auth import COOKIE_PATH, LANG_COOKIE, PREFIX, SIGN_IN
from interfaces.console.i18n import DEFAULT_LANG, pick_lang
from interfaces.console.reading import Reader, ReadError
from interfaces.console.words import Words

log = logging.getLogger("fengqiao.console")

TEMPLATES = Path(__file__).parent / "templates"
DATA_KEYS = ("to_unit", "unit", "executing_unit", "outcome", "result", "reason", "note", "party", "method", "content",
             "remedy", "kind", "level", "satisfied", "designation")
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
READ_ERROR_STATUS = {"NOT_FOUND": 404, "FORBIDDEN": 403, "BAD_USER_INPUT": 400, "RATE_LIMITED": 429, "UNAVAILABLE": 503}


def actor_of(request: Request[Any, Any, Any]) -> Actor:
    """The signed-in person; ConsoleAuthentication put them in the scope."""
    actor = request.scope.get("user")
    if not isinstance(actor, Actor):
        raise NotAuthorizedException("sign in first")
    return actor


def _value_text(t: Words, event_type: str, key: str, value: Any) -> str:
    if key in UNIT_KEYS:
        return t.unit(str(value))
    named = {"outcome": t.outcome, "party": t.party, "method": t.method}
    if key in named:
        return named[key](str(value))
    if key == "remedy":
        return t.remedies([str(value)])
    if key == "kind" and event_type == "DeadlineMissed":
        return t.deadline(str(value))
    if key == "level" and event_type == "RiskFlagged":
        return t.risk(str(value))
    if key == "kind" and event_type == "RiskFlagged":
        return t.risk_kind(str(value))
    if isinstance(value, bool):
        return t.yes_no(value)
    return str(value)


def event_lines(t: Words, event_type: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    """The few fields of an event worth a line in the timeline."""
    lines = []
    for key in DATA_KEYS:
        value = data.get(key)
        if value is None or isinstance(value, (dict, list)) or (key == "designation" and not value):
            continue
        lines.append((t.data_field(key), _value_text(t, event_type, key, value)))
    return lines


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["event_lines"] = event_lines
    return env


@dataclass
class Console:
    fengqiao: Fengqiao
    reader: Reader
    env: Environment
    secret: bytes  # signs the tokens a person pastes to sign in
    production: bool  # cookies are Secure even behind a proxy that speaks plain HTTP to us

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

    def words_for(self, request: Request[Any, Any, Any]) -> Words:
        return self.words(self.lang_of(request)[0])

    def secure_cookies(self, request: Request[Any, Any, Any]) -> bool:
        return request.url.scheme == "https" or self.production

    def render(self, request: Request[Any, Any, Any], template: str, *, status: int = 200, **context: Any) -> Response[str]:
        lang, remember = self.lang_of(request)
        actor = request.scope.get("user")
        other = "en" if lang == "zh" else "zh"
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        switch_url = request.url.path + "?" + urlencode([*params, ("lang", other)])
        html = self.env.get_template(template).render(
            t=self.words(lang),
            lang=lang,
            actor=actor if isinstance(actor, Actor) else None,
            reads_all=isinstance(actor, Actor) and self.reader.reads.reads_everything(actor),
            switch_url=switch_url,
            prefix=PREFIX,
            p=p,
            **context,
        )
        response = Response(html, media_type=MediaType.HTML, status_code=status, headers=SECURITY_HEADERS)
        if remember:
            response.set_cookie(
                LANG_COOKIE, lang, max_age=365 * 86400, path=COOKIE_PATH, httponly=True, samesite="strict",
                secure=self.secure_cookies(request),
            )
        return response

    # --- error pages -----------------------------------------------------------------------

    def error(self, request: Request[Any, Any, Any], status: int, title: str, message: str) -> Response[str]:
        return self.render(request, "error.html", status=status, title=title, message=message)

    def not_found(self, request: Request[Any, Any, Any]) -> Response[str]:
        """The same page for a case that does not exist and one out of reach."""
        t = self.words_for(request)
        return self.error(request, 404, t("not_found_title"), t("not_found"))

    def titled_error(self, request: Request[Any, Any, Any], status: int, message: str) -> Response[str]:
        t = self.words_for(request)
        titles = {401: t("forbidden_title"), 403: t("forbidden_title"), 404: t("not_found_title")}
        return self.error(request, status, titles.get(status, t("error_title")), message)

    def read_error(self, request: Request[Any, Any, Any], e: ReadError) -> Response[str]:
        t = self.words_for(request)
        status = READ_ERROR_STATUS.get(e.code)
        if status == 404:
            return self.not_found(request)
        if status in (403, 400, 429):
            return self.titled_error(request, status, e.message)
        if status is None:
            log.error("console read failed: %s %s", e.code, e.message)
        return self.error(request, status or 500, t("error_title"), t("unavailable"))

    def http_error(self, request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
        """The router's handler for HTTP errors: a page, or the sign-in page for one who has not."""
        if isinstance(exc, NotAuthorizedException):
            return Redirect(f"{SIGN_IN}?next={quote(request.url.path, safe='')}", status_code=303)
        return self.titled_error(request, exc.status_code, str(exc.detail))

    def internal_error(self, request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        log.exception("console page failed", exc_info=exc)
        t = self.words_for(request)
        return self.error(request, 500, t("error_title"), t("unavailable"))

    # --- shared reads --------------------------------------------------------------------

    def now(self) -> datetime:
        return self.fengqiao.clock()

    def units(self) -> list[str]:
        return list(self.fengqiao.units())

    def queue_units(self, actor: Actor) -> list[str]:
        """The units whose queues the overview shows: all of them to those who read everything."""
        return self.reader.reads.queue_units(actor, [*self.fengqiao.units(), "taskforce"])

    def list_rows(self, cases: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
        calendar = self.fengqiao.calendar()
        rows = []
        for case in cases:
            deadline, state = p.most_urgent(case["deadlines"], now, calendar)
            rows.append({"case": case, "deadline": deadline, "state": state})
        return rows
