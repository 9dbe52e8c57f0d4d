"""2. PostgreSQL restarted (fast and immediate, alternately) M times under load.

Writers as in the kill -9 scenario, plus a reader (GraphQL and REST GET) and a /ready prober. The
service must answer 503 (never 500) while the database is away and recover by itself: after each
restart, the time until a write is acknowledged again and /ready answers 200 is measured.
PostgreSQL is left running whatever happens.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from faults.harness import (
    Entry,
    GiveUp,
    Ledger,
    PiiScanner,
    Report,
    deployment,
    ensure_pg_running,
    log,
    pg_cluster,
    pg_wait_up,
    registration,
    run_writers,
    send_until_acked,
    stop_writers,
    verify_ledger,
    verify_read_models,
)

NAME = "PostgreSQL restart"
READ_QUERY = "query { disputes(first: 5) { totalCount edges { node { caseNumber status version } } } }"


class Reader(threading.Thread):
    def __init__(self, dep: Any, stop: threading.Event, scanner: PiiScanner | None) -> None:
        super().__init__(name="reader", daemon=True)
        self.caller = dep.caller("auditor", None, "pgr-auditor", scanner=scanner, timeout=20)
        self.stop_event = stop
        self.codes: Counter[str] = Counter()
        self.graphql_errors: Counter[str] = Counter()
        self.samples: list[str] = []

    def run(self) -> None:
        while not self.stop_event.is_set():
            for op in ("graphql", "units"):
                try:
                    if op == "graphql":
                        r = self.caller.graphql(READ_QUERY)
                        if r.status_code == 200:
                            for error in r.json().get("errors") or []:
                                code = (error.get("extensions") or {}).get("code", "?")
                                self.graphql_errors[code] += 1
                                if code == "INTERNAL" and len(self.samples) < 5:
                                    self.samples.append(f"graphql INTERNAL: {error.get('message')}")
                    else:
                        r = self.caller.get("/api/v1/units")
                    self.codes[f"{op} {r.status_code}"] += 1
                    if r.status_code >= 500 and r.status_code != 503 and len(self.samples) < 5:
                        self.samples.append(f"{op} {r.status_code}: {r.text[:200]}")
                except httpx.HTTPError as e:
                    self.codes[f"{op} {type(e).__name__}"] += 1
            time.sleep(0.05)
        self.caller.close()


class ReadyProbe(threading.Thread):
    def __init__(self, url: str, stop: threading.Event) -> None:
        super().__init__(name="ready-probe", daemon=True)
        self.url = url
        self.stop_event = stop
        self.codes: Counter[str] = Counter()

    def run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self.stop_event.is_set():
                try:
                    self.codes[str(client.get(f"{self.url}/ready").status_code)] += 1
                except httpx.HTTPError as e:
                    self.codes[type(e).__name__] += 1
                time.sleep(0.2)


def _recovery(dep: Any, ledger: Ledger, run_id: str, n: int, started: float) -> tuple[float, float | None]:
    """Seconds from the restart command until a write is acknowledged, and until /ready answers 200."""
    caller = dep.caller("clerk", "tax", f"{run_id}-probe")
    ref = f"{run_id}-probe{n}"
    entry = Entry(writer="probe", op="register", path="/api/v1/disputes", key=ref, body=registration("tax", ref),
                  actor=caller.actor.label, case_ref=None, external_ref=ref)
    try:
        send_until_acked(caller, ledger, entry, give_up_at=lambda: started + 120)
        write = time.monotonic() - started
    except GiveUp:
        write = float("inf")
    finally:
        caller.close()
    ready = dep.wait_ready(120)
    return write, None if ready is None else time.monotonic() - started


def run(report: Report, workdir: Path, *, restarts: int = 10, writers: int = 20, load: tuple[float, float] = (3.0, 6.0),
        scanner: PiiScanner | None = None) -> dict[str, Any]:
    run_id = f"pg{uuid.uuid4().hex[:6]}"
    ledger = Ledger()
    downtimes: list[float] = []
    recoveries: list[tuple[str, float, float | None]] = []
    failures: list[str] = []
    try:
        with deployment(workdir) as dep:
            threads, stop = run_writers(writers, dep, ledger, run_id, scanner=scanner,
                                        pii=scanner.index if scanner else None)
            reader, probe = Reader(dep, stop, scanner), ReadyProbe(dep.url, stop)
            reader.start()
            probe.start()
            try:
                for n in range(restarts):
                    time.sleep(random.uniform(*load))  # noqa: S311
                    mode = "fast" if n % 2 == 0 else "immediate"
                    started = time.monotonic()
                    done = pg_cluster("restart", mode)
                    if done.returncode != 0:
                        failures.append(f"restart -m {mode}: {done.stderr.strip()[-300:]}")
                        ensure_pg_running()
                    downtimes.append(time.monotonic() - started)
                    pg_wait_up()
                    write, ready = _recovery(dep, ledger, run_id, n, started)
                    recoveries.append((mode, write, ready))
                    log(f"{NAME}: {n + 1}/{restarts} (-m {mode}): restart took {downtimes[-1]:.1f}s; write acknowledged "
                        f"after {write:.1f}s, /ready 200 after {ready if ready is None else round(ready, 1)}s")
                time.sleep(load[0])
            finally:
                ensure_pg_running()
                problems = stop_writers(threads, stop)
                reader.join(30)
                probe.join(30)
            caught_up = dep.wait_caught_up(180)
            figures = verify_ledger(dep, ledger, run_id)
            reads = verify_read_models(dep) if caught_up is not None else {"problems": ["projections did not catch up"]}
            ready_after = dep.wait_ready(60)
            processes_alive = dep.server.alive and dep.projections.alive
            exits = list(dep.unexpected_exits)
            ledger.write(workdir / "ledger.jsonl")
    finally:
        ensure_pg_running()

    name = NAME
    count_500 = len(ledger.server_errors) + sum(v for k, v in reader.codes.items() if k.endswith(" 500"))
    count_503 = ledger.codes.get("503", 0) + sum(v for k, v in reader.codes.items() if k.endswith(" 503"))
    report.add(name, "restarts (fast / immediate)", f"{restarts} ({(restarts + 1) // 2} / {restarts // 2})")
    report.add(name, "writers", writers)
    report.add(name, "commands acknowledged", figures["acknowledged"])
    report.add(name, "pg_ctlcluster restart took, max s", f"{max(downtimes, default=0):.1f}")
    report.check(name, "restart commands that failed", len(failures), 0)
    report.check(name, "500 answers (REST and GraphQL HTTP)", count_500, 0)
    report.add(name, "503 answers while the database was away", count_503)
    report.add(name, "other transport failures seen by writers", {k: v for k, v in ledger.codes.items()
                                                                  if not k[0].isdigit()})
    report.add(name, "GraphQL error codes seen by the reader", dict(reader.graphql_errors))
    report.check(name, "GraphQL INTERNAL errors (unexpected exceptions)", reader.graphql_errors.get("INTERNAL", 0), 0)
    report.add(name, "reader answers", dict(sorted(reader.codes.items())))
    report.add(name, "/ready answers", dict(sorted(probe.codes.items())))
    worst_write = max((w for _m, w, _r in recoveries), default=0.0)
    worst_ready = max((r if r is not None else float("inf") for _m, _w, r in recoveries), default=0.0)
    report.add(name, "restart to first acknowledged write, max s", f"{worst_write:.1f}",
               "< 60", worst_write < 60)
    report.add(name, "restart to /ready 200, max s", f"{worst_ready:.1f}", "< 60", worst_ready < 60)
    report.check(name, "server and projections processes survived (no restart by hand)", processes_alive, True)
    report.check(name, "processes that exited on their own", len(exits), 0)
    report.check(name, "/ready 200 at the end", ready_after is not None, True)
    report.check(name, "acknowledged commands missing from the store", len(figures["missing"]), 0)
    report.check(name, "duplicate registrations", len(figures["duplicate registrations"]), 0)
    report.check(name, "duplicate events", len(figures["duplicate events"]), 0)
    report.add(name, "commands with unacknowledged attempts", figures["retried"])
    report.check(name, "unacknowledged commands resolved by their retry",
                 f"{figures['retried resolved']}/{figures['retried']}", f"{figures['retried']}/{figures['retried']}")
    report.add(name, "of which an earlier attempt had landed (answered from the key)",
               figures["retried whose earlier attempt had landed"])
    report.check(name, "unexpected answers", len(ledger.unexpected), 0)
    report.check(name, "writer problems", len(problems), 0)
    report.check(name, "read models consistent with the store afterwards", len(reads["problems"]), 0)
    report.detail(name, exits + failures + figures["missing"] + figures["duplicate events"] + ledger.server_errors
                  + ledger.unexpected + reader.samples + problems + reads["problems"]
                  + [f"restart -m {m}: write acknowledged after {w:.1f}s, /ready 200 after "
                     f"{'never' if r is None else f'{r:.1f}s'}" for m, w, r in recoveries])
    return {"ledger": ledger, "figures": figures}
