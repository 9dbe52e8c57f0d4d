"""Driving the real ASGI app in-process: REST commands in, GraphQL out, tokens per role.

`Api` wraps a Litestar TestClient around `runtime.http` (auth middleware, GraphQL controller and
all), a FakeClock that the tests move instead of sleeping, and the runtime's projection runner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.values import Role
from interfaces.auth import issue_token

ID_NUMBER = "11010519491231002X"
ID_MASKED = "110105********002X"
PHONE = "13812345678"
PHONE_MASKED = "138****5678"
NAME = "张三"
NAME_MASKED = "张*"
INTEGRATOR = "platform-12366"

DISPUTE_FIELDS = """
    id caseNumber status level channel category acceptingUnit handlingUnit receivedAt acceptedOn
    summary version overdue externalRef township
    deadlines { kind dueAt dueOn metAt overdue provisional derivation unit }
"""


def iso(text: str) -> datetime:
    """An ISO instant; without an offset it is read as UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = datetime.fromisoformat(text + "+00:00")
    return value


def body(**overrides: Any) -> dict[str, Any]:
    """A registration body (POST /api/v1/disputes) for the tax bureau."""
    data: dict[str, Any] = {
        "channel": "hotline_12366",
        "received_at": "2026-11-25T02:00:00+00:00",
        "accepting_unit": "tax",
        "payer": {"kind": "individual", "name": NAME, "id_number": ID_NUMBER, "phone": PHONE},
        "category": "late_fee",
        "summary": "对滞纳金加收有异议",
    }
    data.update(overrides)
    return data


class Api:
    def __init__(self, runtime: Any, client: Any, clock: Any) -> None:
        self.runtime = runtime
        self.client = client
        self.clock = clock
        self._tokens: dict[tuple[str, Role, str | None], str] = {}

    # --- callers ------------------------------------------------------------------------

    def token(self, role: Role | str, unit: str | None = None, subject: str | None = None) -> str:
        role = Role(role)
        subject = subject or f"{role.value}-{unit or 'all'}"
        key = (subject, role, unit)
        if key not in self._tokens:
            self._tokens[key] = issue_token(self.runtime.settings.secret, subject=subject, role=role, unit=unit)
        return self._tokens[key]

    def clerk(self, unit: str = "tax") -> str:
        return self.token(Role.CLERK, unit)

    def handler(self, unit: str) -> str:
        return self.token(Role.HANDLER, unit)

    def taskforce(self) -> str:
        return self.token(Role.TASKFORCE)

    def legal(self) -> str:
        return self.token(Role.LEGAL, None, "legal-1")

    def auditor(self) -> str:
        return self.token(Role.AUDITOR, None, "auditor-1")

    def integrator(self, subject: str = INTEGRATOR, unit: str = "tax") -> str:
        return self.token(Role.INTEGRATOR, unit, subject)

    @staticmethod
    def headers(token: str | None, position: int | None = None, reason: str | None = None) -> dict[str, str]:
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if position is not None:
            headers["X-Consistency-Position"] = str(position)
        if reason is not None:
            headers["X-Access-Reason"] = reason
        return headers

    # --- time ---------------------------------------------------------------------------

    def at(self, text: str) -> None:
        self.clock.set(iso(text))

    # --- commands over REST -------------------------------------------------------------

    def post(self, path: str, data: dict[str, Any], token: str, expect: int = 200) -> dict[str, Any]:
        r = self.client.post(f"/api/v1{path}", json=data, headers=self.headers(token))
        assert r.status_code == expect, f"POST {path}: {r.status_code} {r.text}"
        return r.json()  # type: ignore[no-any-return]

    def register(self, token: str | None = None, *, expect: int = 201, **overrides: Any) -> dict[str, Any]:
        return self.post("/disputes", body(**overrides), token or self.clerk("tax"), expect)

    def act(self, case: str, action: str, token: str, data: dict[str, Any] | None = None, expect: int = 200) -> dict[str, Any]:
        return self.post(f"/disputes/{case}/{action}", data or {}, token, expect)

    def transfer(self, case: str, to_unit: str, token: str | None = None, **extra: Any) -> dict[str, Any]:
        """A transfer with a note (an override of the suggested unit needs one) unless `extra` says."""
        return self.act(case, "transfer", token or self.clerk("tax"), {"to_unit": to_unit, "note": "按职责转交", **extra})

    def head(self) -> int:
        return int(self.runtime.fengqiao.recorder.max_notification_id() or 0)

    def sync(self) -> None:
        self.runtime.reads.runner.catch_up()

    # --- queries over GraphQL -----------------------------------------------------------

    def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None,
        position: int | None = None,
        reason: str | None = None,
        status: int = 200,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        r = self.client.post("/graphql", json=payload, headers=self.headers(token, position, reason))
        assert r.status_code == status, f"/graphql: {r.status_code} {r.text}"
        return r.json()  # type: ignore[no-any-return]

    def data(self, query: str, variables: dict[str, Any] | None = None, *, token: str, **kw: Any) -> dict[str, Any]:
        answer = self.gql(query, variables, token=token, **kw)
        assert not answer.get("errors"), answer
        return answer["data"]  # type: ignore[no-any-return]

    def dispute(self, case: str, token: str, fields: str = DISPUTE_FIELDS, **kw: Any) -> dict[str, Any] | None:
        q = f"query($n: String!) {{ dispute(caseNumber: $n) {{ {fields} }} }}"
        return self.data(q, {"n": case}, token=token, **kw)["dispute"]  # type: ignore[no-any-return]

    def access_log(self, case: str | None = None) -> list[dict[str, Any]]:
        q = """query($n: String) { accessLog(caseNumber: $n) { id at subject role unit caseNumber fields reason } }"""
        return self.data(q, {"n": case}, token=self.auditor())["accessLog"]  # type: ignore[no-any-return]

    def errors(self, answer: dict[str, Any]) -> list[str]:
        return [e["message"] for e in answer.get("errors") or []]
