"""A case: its ledger entry, deadlines, timeline (as it stood at a chosen moment), verification,
and the dossier download."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from domain.values import Actor
from interfaces.console import present as p
from interfaces.console.reading import CASE, CURRENT_STATUS, FIRST_RECORD, VERIFY, Reader, ReadError
from interfaces.console.site import Console, actor_of

PASSED_HEADERS = ("content-disposition", "cache-control")
AXES = ("recorded", "acted")  # the picker's axes; recording time first, as in the API


async def _verification(reader: Reader, actor: Actor, number: str) -> tuple[dict[str, Any] | None, str | None]:
    """The chain's verification, or why it could not be read (the page shows either)."""
    try:
        return (await reader.run(actor, VERIFY, {"n": number}))["verifyCase"], None
    except ReadError as e:
        return None, e.message


class CaseController(Controller):
    @get("/cases/{case_number:str}", name="console_case")
    async def case(
        self, request: Request[Any, Any, Any], console: NamedDependency[Console], case_number: FromPath[str]
    ) -> Response[Any]:
        actor = actor_of(request)
        number = case_number.strip().upper()
        as_of: datetime | None = None
        moment_problem = None
        raw = request.query_params.get("asOf") or request.query_params.get("at")
        if raw:
            try:
                as_of = p.parse_local_input(raw)
            except (ValueError, OverflowError):  # not a moment, or one no calendar holds
                moment_problem = console.words_for(request)("bad_moment")
        axis = (request.query_params.get("axis") or "recorded").strip().lower()
        if axis not in AXES:
            axis, moment_problem = "recorded", console.words_for(request)("bad_moment")
        reader = console.reader
        try:
            # No X-Access-Reason from a browser: whole views are logged with the API's default reason.
            data = await reader.run(actor, CASE, {
                "n": number, "asOf": None if as_of is None else as_of.isoformat(), "axis": axis.upper()})
            timeline = data["timeline"]
            if timeline is None:
                return console.not_found(request)
            current = first = None
            if as_of is not None:
                current = (await reader.run(actor, CURRENT_STATUS, {"n": number}))["dispute"]
                if timeline["state"] is None:
                    events = (await reader.run(actor, FIRST_RECORD, {"n": number}))["timeline"]["events"]
                    first = events[0] if events else None
            verification, verify_problem = await _verification(reader, actor, number)
        except ReadError as e:
            return console.read_error(request, e)
        state = timeline["state"]
        now = console.now()
        judged_at = now if as_of is None else min(as_of, now)
        calendar = console.fengqiao.calendar()
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
            axis=axis,
            axes=AXES,
            first=first,
            moment_problem=moment_problem,
            current=current,
            verification=verification,
            verify_problem=verify_problem,
            quote=quote,
        )

    @get("/cases/{case_number:str}/dossier", name="console_dossier")
    async def dossier(
        self, request: Request[Any, Any, Any], console: NamedDependency[Console], case_number: FromPath[str]
    ) -> Response[Any]:
        """Streams GET /api/v1/disputes/{id}/dossier through, with the cookie's token as the bearer."""
        actor_of(request)
        token = request.scope.get("auth")
        path = f"/api/v1/disputes/{quote(case_number.strip().upper(), safe='')}/dossier"
        headers = [(b"authorization", f"Bearer {token}".encode()), (b"accept", b"application/zip")]
        host = request.headers.get("host")
        if host:
            headers.append((b"host", host.encode("latin-1")))
        status, answer_headers, body = await call_in_process(request, path, headers)
        if status == 200:
            keep = {k: v for k, v in answer_headers.items() if k in PASSED_HEADERS}
            media_type = answer_headers.get("content-type", "application/zip")
            return Response(body, status_code=200, headers=keep, media_type=media_type)
        if status == 404:  # the same words as for a case page out of reach
            return console.not_found(request)
        return console.titled_error(request, status, _message(body) or console.words_for(request)("unavailable"))


async def call_in_process(
    request: Request[Any, Any, Any], path: str, headers: list[tuple[bytes, bytes]]
) -> tuple[int, dict[str, str], bytes]:
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
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return str(value.get("message")) if isinstance(value, dict) and value.get("message") else None
