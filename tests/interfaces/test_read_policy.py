"""One read policy: every read path of the product asks the read side (application/reads.py).

The paths are enumerated from the running application itself (the GraphQL schema's Query fields,
the console's routes, the REST GET routes), so a new path that nobody listed here fails this test
instead of quietly deciding for itself who sees what. Each path is then taken as a real caller
would, and the read side's gate must have been asked for the expected kind of read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from application.read_gates import ReadGate
from application.reads import ReadSide
from domain.values import Actor, Role
from infrastructure.settings import Settings, StoreConfig
from interfaces.auth import issue_token
from interfaces.graphql.schema import build_schema
from interfaces.runtime import build_runtime
from tests.conftest import FakeClock

CASE = "GP-2026-000001"

# Every Query field, and a query that takes it (the test fails when the schema has one more).
GRAPHQL_READS: dict[str, tuple[str, ReadGate]] = {
    "dispute": (f'{{ dispute(caseNumber: "{CASE}") {{ caseNumber payer {{ name }} }} }}', ReadGate.CASE),
    "disputes": ("{ disputes { totalCount } }", ReadGate.CASES),
    "queue": ('{ queue(unit: "tax", kind: TO_TRANSFER) { edges { node { caseNumber } } } }', ReadGate.QUEUE),
    "timeline": (f'{{ timeline(caseNumber: "{CASE}") {{ events {{ sequence }} }} }}', ReadGate.CASE),
    "supervision": ('{ supervision(from: "2026-01-01", to: "2026-12-31") { received } }', ReadGate.SUPERVISION),
    "verifyCase": (f'{{ verifyCase(caseNumber: "{CASE}") {{ valid }} }}', ReadGate.CASE),
    "accessLog": ("{ accessLog { id } }", ReadGate.ACCESS_LOG),
    "projections": ("{ projections { name } }", ReadGate.PROJECTIONS),
    "changes": ("{ changes { edges { cursor } } }", ReadGate.CHANGES),
    "deliveries": ("{ deliveries { edges { cursor } } }", ReadGate.DELIVERIES),
}

# Every GET route of the console, and the kind of read it is (None: it reads no case data, but
# may still ask the read side what to offer).
CONSOLE_READS: dict[str, tuple[str, ReadGate | None]] = {
    "/console": ("/console/", ReadGate.QUEUE),
    "/console/queues/{unit:str}/{kind:str}": ("/console/queues/tax/TO_TRANSFER", ReadGate.QUEUE),
    "/console/cases/{case_number:str}": (f"/console/cases/{CASE}", ReadGate.CASE),
    "/console/cases/{case_number:str}/dossier": (f"/console/cases/{CASE}/dossier", ReadGate.DOSSIER),
    "/console/search": ("/console/search", None),
    "/console/supervision": ("/console/supervision?from=2026-11-01&to=2026-11-30", ReadGate.SUPERVISION),
    "/console/supervision/csv": ("/console/supervision/csv?from=2026-11-01&to=2026-11-30", ReadGate.SUPERVISION),
    "/console/deliveries": ("/console/deliveries", ReadGate.DELIVERIES),
}
CONSOLE_WITHOUT_CASE_DATA = {"/console/sign-in", "/console/static"}

# REST GET routes that read case data, and those that read none (probes, reference data, docs).
REST_READS: dict[str, tuple[str, ReadGate]] = {
    "/api/v1/disputes/{id:str}/dossier": (f"/api/v1/disputes/{CASE}/dossier", ReadGate.DOSSIER),
}
# A case's number, status and version, read from the event store (the registration's Location).
CASE_STATUS_ROUTE = "/api/v1/disputes/{id:str}"
REST_WITHOUT_CASE_DATA = {
    "/", "/health", "/ready", "/metrics", "/api/v1/units", "/api/v1/subscriptions", "/api/v1/subscriptions/{id:str}",
    "/graphql",
}


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Any]:
    settings = Settings(
        var_dir=tmp_path,
        store=StoreConfig(kind="sqlite", sqlite_path=tmp_path / "events.sqlite"),
        secret=b"read-policy-test-secret-of-32-bytes",
        data_key=b"read-policy-test-data-key-of-32-bytes",
        signing_key=bytes(range(32)),
        checkpoint_dir=tmp_path / "checkpoints",
    )
    rt = build_runtime(settings, clock=FakeClock(datetime(2026, 11, 26, 2, 0, tzinfo=UTC)))
    try:
        yield rt
    finally:
        rt.close()


@pytest.fixture
def client(runtime: Any) -> Iterator[TestClient[Any]]:
    with TestClient(runtime.http, base_url="http://testserver.local") as c:
        token = issue_token(runtime.settings.secret, subject="clerk-tax", role=Role.CLERK, unit="tax")
        body = {
            "channel": "hotline_12366", "received_at": "2026-11-25T02:00:00+00:00", "accepting_unit": "tax",
            "payer": {"kind": "individual", "name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"},
            "category": "late_fee", "summary": "对滞纳金加收有异议",
        }
        r = c.post("/api/v1/disputes", json=body, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 201 and r.json()["case_number"] == CASE, r.text
        runtime.reads.runner.catch_up()
        yield c


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[ReadGate]:
    """The gates the read side is asked about, in order."""
    gates: list[ReadGate] = []
    admit, may = ReadSide.admit, ReadSide.may

    def recording_admit(self: ReadSide, actor: Actor, gate: ReadGate) -> None:
        gates.append(gate)
        admit(self, actor, gate)

    def recording_may(actor: Actor, gate: ReadGate) -> bool:
        gates.append(gate)
        return may(actor, gate)

    monkeypatch.setattr(ReadSide, "admit", recording_admit)
    monkeypatch.setattr(ReadSide, "may", staticmethod(recording_may))
    return gates


def _token(runtime: Any, role: str = "legal", unit: str | None = None) -> str:
    return issue_token(runtime.settings.secret, subject=f"{role}-{unit or 'all'}", role=Role(role), unit=unit)


def test_every_graphql_query_field_asks_the_read_side(runtime: Any, client: TestClient[Any], asked: list[ReadGate]) -> None:
    fields = set(build_schema(production=False)._schema.query_type.fields)  # type: ignore[union-attr]
    assert fields == set(GRAPHQL_READS), "a Query field without a read-policy check here"
    headers = {"Authorization": f"Bearer {_token(runtime)}"}
    for name, (query, gate) in GRAPHQL_READS.items():
        asked.clear()
        answer = client.post("/graphql", json={"query": query}, headers=headers).json()
        assert not answer.get("errors"), (name, answer)
        assert gate in asked, (name, asked)


def test_every_graphql_read_is_refused_by_the_read_side_where_the_role_may_not(
    runtime: Any, client: TestClient[Any], asked: list[ReadGate]
) -> None:
    headers = {"Authorization": f"Bearer {_token(runtime, 'integrator', 'tax')}"}
    for name in ("supervision", "accessLog"):
        asked.clear()
        answer = client.post("/graphql", json={"query": GRAPHQL_READS[name][0]}, headers=headers).json()
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN", (name, answer)
        assert asked == [GRAPHQL_READS[name][1]], (name, asked)


def _routes(runtime: Any, prefix: str) -> set[str]:
    return {
        route.path
        for route in runtime.http.routes
        if route.path.startswith(prefix) and "GET" in getattr(route, "methods", set())
    }


def test_every_console_page_asks_the_read_side(runtime: Any, client: TestClient[Any], asked: list[ReadGate]) -> None:
    pages = {p for p in _routes(runtime, "/console") if not any(p.startswith(s) for s in CONSOLE_WITHOUT_CASE_DATA)}
    assert pages == set(CONSOLE_READS), "a console page without a read-policy check here"
    client.cookies.set("fengqiao_console", _token(runtime), domain="testserver.local", path="/console")
    for route, (path, gate) in CONSOLE_READS.items():
        asked.clear()
        r = client.get(path, follow_redirects=False)
        assert r.status_code in (200, 503), (route, r.status_code, r.text[:300])  # 503: no CJK font for a dossier
        assert asked, (route, "asked nothing")
        if gate is not None:
            assert gate in asked, (route, asked)
    asked.clear()
    r = client.post("/console/search", data={"payer_id_number": "11010519491231002X"}, follow_redirects=False)
    assert r.status_code == 200 and ReadGate.PERSONAL_SEARCH in asked, asked


def test_every_rest_get_route_with_case_data_asks_the_read_side(
    runtime: Any, client: TestClient[Any], asked: list[ReadGate]
) -> None:
    routes = {p for p in _routes(runtime, "/") if not p.startswith(("/console", "/schema", "/static"))}
    assert routes - REST_WITHOUT_CASE_DATA - {CASE_STATUS_ROUTE} == set(REST_READS), "a GET route without a read-policy check here"
    assert CASE_STATUS_ROUTE in routes
    for route, (path, gate) in REST_READS.items():
        asked.clear()
        r = client.get(path, headers={"Authorization": f"Bearer {_token(runtime, 'integrator', 'tax')}"})
        assert r.status_code == 403 and asked == [gate], (route, r.status_code, asked)
        asked.clear()
        r = client.get(path, headers={"Authorization": f"Bearer {_token(runtime)}"})
        assert r.status_code in (200, 503) and gate in asked, (route, r.status_code, asked)


def test_the_ledger_export_asks_the_read_side(runtime: Any, client: TestClient[Any], asked: list[ReadGate], tmp_path: Path) -> None:
    from interfaces.ledger import LedgerError, export_ledger

    legal = Actor("legal-all", Role.LEGAL)
    summary = export_ledger(runtime, start=date(2026, 11, 1), end=date(2026, 11, 30), out=tmp_path / "l.csv",
                            fmt="csv", actor=legal)
    assert summary["rows"] == 1 and ReadGate.LEDGER_EXPORT in asked
    asked.clear()
    with pytest.raises(LedgerError):
        export_ledger(runtime, start=date(2026, 11, 1), end=date(2026, 11, 30), out=tmp_path / "m.csv", fmt="csv",
                      actor=Actor("clerk-tax", Role.CLERK, "tax"))
    assert asked == [ReadGate.LEDGER_EXPORT]


def test_the_case_status_route_asks_the_read_side_and_keeps_to_the_reach(
    runtime: Any, client: TestClient[Any], asked: list[ReadGate]
) -> None:
    path = f"/api/v1/disputes/{CASE}"
    r = client.get(path, headers={"Authorization": f"Bearer {_token(runtime)}"})
    assert r.status_code == 200 and r.json()["case_number"] == CASE and asked == [ReadGate.CASE], (r.text, asked)
    asked.clear()
    r = client.get(path, headers={"Authorization": f"Bearer {_token(runtime, 'integrator', 'tax')}"})
    assert r.status_code == 404 and asked == [ReadGate.CASE], (r.status_code, asked)
