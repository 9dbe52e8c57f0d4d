"""B5 and B6: reads through GraphQL (the real app, in-process over ASGI with Litestar's
TestClient, bearer token and all) against a plain Litestar + msgspec endpoint that reads the
same rows from the same read-model store through the same client.

  B5 queue(unit: "hrss", kind: IN_HANDLING)   100 cases, as the hrss handler
     dispute(caseNumber)                      one case, as the hrss handler
  B6 timeline(caseNumber) of a case with 1,000 events, as an auditor (masked personal data)

Baselines: GET /queue and GET /dispute run the same SQL (projections.queries) and answer the
msgspec-encoded CaseView documents; GET /timeline selects the case's timeline rows and encodes
them as JSON with each event's stored JSON embedded as is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Litestar, Response, get
from litestar.testing import TestClient

from application.reads import ReadSide
from bench.common import log, median, percentile
from domain.values import Actor, Role
from interfaces.auth import issue_token
from projections import queries as q

QUEUE_UNIT = "hrss"
QUEUE_SIZE = 100
HANDLER_HRSS = Actor("bench-handler-hrss", Role.HANDLER, "hrss")

DISPUTE_FIELDS = """
    id caseNumber status level channel category acceptingUnit handlingUnit receivedAt acceptedOn
    summary version overdue externalRef township
    deadlines { kind dueAt dueOn metAt overdue provisional derivation unit }
"""
QUEUE_QUERY = ("query Q($unit: String!) { queue(unit: $unit, kind: IN_HANDLING, first: 100) { edges { node { "
               + DISPUTE_FIELDS + " } } } }")
DISPUTE_QUERY = "query D($n: String!) { dispute(caseNumber: $n) { " + DISPUTE_FIELDS + " } }"
TIMELINE_QUERY = """query T($n: String!) { timeline(caseNumber: $n) {
    caseNumber
    events { sequence type at recordedAt actor actorRole actorUnit data hash position backdated }
    state { caseNumber status version }
} }"""


class TimelineOut(msgspec.Struct):
    version: int
    position: int
    topic: str
    type: str
    at: str
    recorded_at: str
    actor: str
    actor_role: str
    actor_unit: str | None
    data: msgspec.Raw
    hash: str


def baseline_app(reads: ReadSide, now: Callable[[], Any]) -> Litestar:
    enc = msgspec.json.Encoder()
    reach = reads.reach(HANDLER_HRSS)

    @get("/queue", sync_to_thread=True)
    def queue(unit: str, kind: str) -> Response[bytes]:
        views = reads.query(q.queue, unit, kind, reach, now())
        return Response(enc.encode(views), media_type="application/json")

    @get("/dispute/{number:str}", sync_to_thread=True)
    def dispute(number: str) -> Response[bytes]:
        view = reads.query(q.find_case, case_number=number, reach=reach)
        return Response(enc.encode(view), media_type="application/json")

    @get("/timeline/{number:str}", sync_to_thread=True)
    def timeline(number: str) -> Response[bytes]:
        def read(cur: Any) -> list[TimelineOut]:
            cur.execute("SELECT id FROM rm_cases WHERE case_number = ?", (number,))
            case_id = cur.fetchone()[0]
            cur.execute(
                "SELECT version, position, topic, type, at, recorded_at, actor, actor_role, actor_unit, state, hash "
                "FROM rm_timeline WHERE case_id = ? ORDER BY version",
                (case_id,),
            )
            return [TimelineOut(*r[:9], msgspec.Raw(r[9]), r[10]) for r in cur.fetchall()]

        rows = reads.query(read)
        return Response(enc.encode(rows), media_type="application/json")

    return Litestar([queue, dispute, timeline], debug=False)


class Reads:
    """Both clients, kept open for the life of a store."""

    def __init__(self, runtime: Any, secret: bytes) -> None:
        assert runtime.http is not None
        self.ours = TestClient(runtime.http)
        self.ours.__enter__()
        self.base = TestClient(baseline_app(runtime.reads, runtime.fengqiao.clock))
        self.base.__enter__()
        self.handler = {"Authorization": "Bearer " + issue_token(secret, subject=HANDLER_HRSS.subject, role=Role.HANDLER, unit="hrss")}
        self.auditor = {"Authorization": "Bearer " + issue_token(secret, subject="bench-auditor", role=Role.AUDITOR, unit=None)}

    def close(self) -> None:
        self.ours.__exit__(None, None, None)
        self.base.__exit__(None, None, None)

    # one request each; they return the elapsed seconds and check the answer

    def gql(self, query: str, variables: dict[str, Any], headers: dict[str, str]) -> tuple[float, Any]:
        t0 = time.perf_counter()
        r = self.ours.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        dt = time.perf_counter() - t0
        body = r.json()
        if r.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"GraphQL error: {r.status_code} {str(body)[:500]}")
        return dt, body["data"]

    def plain(self, path: str, params: dict[str, str] | None = None) -> tuple[float, Any]:
        t0 = time.perf_counter()
        r = self.base.get(path, params=params)
        dt = time.perf_counter() - t0
        if r.status_code != 200:
            raise RuntimeError(f"baseline error: {r.status_code} {r.text[:300]}")
        return dt, r.content

    # single requests, returning seconds (and checking the answer)

    def ours_queue(self) -> float:
        dt, data = self.gql(QUEUE_QUERY, {"unit": QUEUE_UNIT}, self.handler)
        if len(data["queue"]["edges"]) != QUEUE_SIZE:
            raise RuntimeError(f"queue holds {len(data['queue'])} cases, expected {QUEUE_SIZE}")
        return dt

    def base_queue(self) -> float:
        dt, content = self.plain("/queue", {"unit": QUEUE_UNIT, "kind": "IN_HANDLING"})
        if len(msgspec.json.decode(content)) != QUEUE_SIZE:
            raise RuntimeError("baseline queue size differs")
        return dt

    def ours_dispute(self, number: str) -> float:
        dt, data = self.gql(DISPUTE_QUERY, {"n": number}, self.handler)
        if data["dispute"] is None:
            raise RuntimeError(f"dispute {number} not found")
        return dt

    def base_dispute(self, number: str) -> float:
        return self.plain(f"/dispute/{number}")[0]

    def ours_timeline(self, number: str, expected: int) -> float:
        dt, data = self.gql(TIMELINE_QUERY, {"n": number}, self.auditor)
        if len(data["timeline"]["events"]) != expected:
            raise RuntimeError(f"timeline has {len(data['timeline']['events'])} events, expected {expected}")
        return dt

    def base_timeline(self, number: str, expected: int) -> float:
        dt, content = self.plain(f"/timeline/{number}")
        if len(msgspec.json.decode(content)) != expected:
            raise RuntimeError("baseline timeline size differs")
        return dt


def measure(contenders: dict[str, Callable[[], float]], reps: int, per_rep: int, warmup: int = 2) -> dict[str, Any]:
    """Per rep: `per_rep` requests of each contender, taking turns request by request (the first
    one alternating); the p50 of each rep; then the median of those over the reps. Also the
    process CPU time of each request (client, app and SQLite all run in this process; for
    PostgreSQL the server's share is not in it), which a busy machine disturbs far less."""
    names = list(contenders)
    for _ in range(warmup):
        for name in names:
            contenders[name]()
    p50s: dict[str, list[float]] = {n: [] for n in names}
    cpu50s: dict[str, list[float]] = {n: [] for n in names}
    every: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(reps):
        got: dict[str, list[float]] = {n: [] for n in names}
        cpu: dict[str, list[float]] = {n: [] for n in names}
        for i in range(per_rep):
            order = names if i % 2 == 0 else names[::-1]
            for name in order:
                c0 = time.process_time()
                got[name].append(contenders[name]())
                cpu[name].append(time.process_time() - c0)
        for name in names:
            p50s[name].append(percentile(got[name], 50))
            cpu50s[name].append(percentile(cpu[name], 50))
            every[name] += got[name]
    return {
        "p50": {n: median(p50s[n]) for n in names},
        "p99": {n: percentile(every[n], 99) for n in names},
        "cpu_p50": {n: median(cpu50s[n]) for n in names},
        "p50_reps": p50s,
        "reps": reps,
        "per_rep": per_rep,
    }


def print_reads(backend: str, name: str, res: dict[str, Any], a: str = "ours", b: str = "baseline") -> None:
    p50, p99, cpu = res["p50"], res["p99"], res["cpu_p50"]
    log(f"  [{backend}] {name}: {a} p50 {p50[a] * 1000:.2f} ms, {b} p50 {p50[b] * 1000:.2f} ms → {p50[a] / p50[b]:.2f}× "
        f"(p99 {p99[a] * 1000:.1f} / {p99[b] * 1000:.1f} ms; cpu p50 {cpu[a] * 1000:.2f} / {cpu[b] * 1000:.2f} ms "
        f"→ {cpu[a] / cpu[b]:.2f}×; {res['reps']} reps × {res['per_rep']})")


__all__ = ["QUEUE_SIZE", "QUEUE_UNIT", "Reads", "measure", "print_reads"]
