"""5. 50 clients racing on one case: 50 concurrent `progress` commands on one TRANSFERRED case.

Per version exactly one success; every loser 409 (a concurrent change won), nothing of it
recorded; the store holds exactly one ProgressRecorded per success, versions contiguous.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from faults.harness import Deployment, Report, command_body, deployment, registration

NAME = "50-client race"


def race(dep: Deployment, clients: int = 50, rounds: int = 2) -> dict[str, Any]:
    clerk = dep.caller("clerk", "tax", "race-clerk")
    handler = dep.caller("handler", "hrss", "race-handler")
    r = clerk.post("/api/v1/disputes", registration("tax", f"race-{uuid.uuid4().hex[:8]}"))
    assert r.status_code == 201, r.text
    case = r.json()
    r = clerk.post(f"/api/v1/disputes/{case['id']}/transfer", command_body("transfer"))
    assert r.status_code == 200 and r.json()["status"] == "TRANSFERRED", r.text
    start_version = r.json()["version"]
    clerk.close()

    outcomes: list[tuple[int, dict[str, Any]]] = []
    for round_no in range(rounds):
        barrier = threading.Barrier(clients)

        def one(i: int, rnd: int = round_no, b: threading.Barrier = barrier) -> tuple[int, dict[str, Any]]:
            headers = handler.headers(f"race-{rnd}-{i}-{uuid.uuid4().hex[:6]}" if rnd % 2 else None)
            with httpx.Client(base_url=dep.url, timeout=60) as client:
                client.get("/health")  # connect first, so the race starts at the barrier
                b.wait()
                try:
                    resp = client.post(f"/api/v1/disputes/{case['id']}/progress",
                                       json={"note": f"第{rnd}轮 客户端{i}"}, headers=headers)
                except httpx.TransportError as e:
                    return 0, {"transport": f"{type(e).__name__}: {e}"}
            return resp.status_code, resp.json()

        with ThreadPoolExecutor(max_workers=clients) as pool:
            outcomes += list(pool.map(one, range(clients)))
    handler.close()

    codes = Counter(code for code, _ in outcomes)
    wins = [body["version"] for code, body in outcomes if code == 200]
    per_version = Counter(wins)
    losers_ok = all(body.get("error") == "conflict" for code, body in outcomes if code == 409)
    events = [e for e in dep.events() if e["id"] == case["id"]]
    progress_events = [e for e in events if e["type"] == "ProgressRecorded"]
    versions = sorted(e["version"] for e in events)
    return {
        "requests": len(outcomes),
        "codes": dict(codes),
        "successes": len(wins),
        "versions with more than one success": [v for v, c in per_version.items() if c > 1],
        "losers not 409 conflict": [(c, b) for c, b in outcomes if c not in (200, 409)][:5] + (
            [] if losers_ok else ["a 409 that is not error=conflict"]),
        "stored progress events": len(progress_events),
        "versions contiguous": versions == list(range(1, len(versions) + 1)),
        "wins contiguous": sorted(wins) == list(range(start_version + 1, start_version + 1 + len(wins))),
    }


def run(report: Report, workdir: Path, *, clients: int = 50, rounds: int = 2, dep: Deployment | None = None,
        name: str = NAME) -> dict[str, Any]:
    if dep is None:
        with deployment(workdir, projections=False) as fresh:
            result = race(fresh, clients, rounds)
    else:
        result = race(dep, clients, rounds)
    report.add(name, "rounds × clients", f"{rounds} × {clients} (odd rounds with distinct Idempotency-Keys)")
    report.add(name, "answers by code", result["codes"])
    report.add(name, "successes (distinct versions)", result["successes"])
    report.check(name, "versions with more than one success", len(result["versions with more than one success"]), 0)
    report.check(name, "answers other than 200 or 409 conflict", len(result["losers not 409 conflict"]), 0)
    report.check(name, "ProgressRecorded events stored = successes", result["stored progress events"],
                 result["successes"])
    report.check(name, "case versions contiguous, successes' versions contiguous",
                 result["versions contiguous"] and result["wins contiguous"], True)
    report.detail(name, [str(x) for x in result["losers not 409 conflict"]])
    return result
