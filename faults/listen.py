"""4. The projections worker's LISTEN connection terminated again and again during writes.

pg_terminate_backend() on the worker's 'fengqiao-coordination' backend that is not the
leadership one (that one holds the advisory lock). Every command's effect must still show in the
read model within 5 s: a prober sends a command, then polls GraphQL `dispute` (no
X-Consistency-Position) until the answer's version is visible.

Also checked: that the channel the runtime LISTENs on is the one the event store NOTIFYs.
"""

from __future__ import annotations

import random
import re
import statistics
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from faults.harness import (
    Caller,
    Deployment,
    Ledger,
    PiiScanner,
    Report,
    command_body,
    deployment,
    log,
    pg_connect,
    registration,
    run_writers,
    stop_writers,
)

NAME = "LISTEN terminated"
VISIBLE_WITHIN = 5.0
LISTEN_STATEMENT = re.compile(r'^\s*LISTEN\s+(?:"([^"]+)"|(\S+))', re.IGNORECASE)


class Prober(threading.Thread):
    """Command, then poll the read model until it shows the command's version; records the delay."""

    def __init__(self, dep: Deployment, stop: threading.Event, run_id: str, scanner: PiiScanner | None) -> None:
        super().__init__(name="prober", daemon=True)
        self.clerk = dep.caller("clerk", "tax", f"{run_id}-prober-clerk", scanner=scanner)
        self.handler = dep.caller("handler", "hrss", f"{run_id}-prober-handler", scanner=scanner)
        self.reader = dep.caller("auditor", None, f"{run_id}-prober-auditor", scanner=scanner)
        self.stop_event = stop
        self.run_id = run_id
        self.delays: list[float] = []
        self.errors: list[str] = []

    def _visible(self, case_number: str, version: int) -> float:
        started = time.monotonic()
        query = "query($n: String!) { dispute(caseNumber: $n) { version } }"
        while time.monotonic() - started < 30:
            r = self.reader.graphql(query, {"n": case_number})
            node = (r.json().get("data") or {}).get("dispute") if r.status_code == 200 else None
            if node is not None and node["version"] >= version:
                return time.monotonic() - started
            time.sleep(0.01)
        return float("inf")

    def run(self) -> None:
        n = 0
        try:
            while not self.stop_event.is_set():
                ref = f"{self.run_id}-probe{n}"
                n += 1
                r = self.clerk.post("/api/v1/disputes", registration("tax", ref))
                if r.status_code != 201:
                    self.errors.append(f"register {r.status_code} {r.text[:200]}")
                    continue
                answer = r.json()
                self.delays.append(self._visible(answer["case_number"], answer["version"]))
                r = self.clerk.post(f"/api/v1/disputes/{answer['id']}/transfer", command_body("transfer"))
                if r.status_code == 200:
                    self.delays.append(self._visible(answer["case_number"], r.json()["version"]))
                for _ in range(3):
                    if self.stop_event.is_set():
                        break
                    r = self.handler.post(f"/api/v1/disputes/{answer['id']}/progress", command_body("progress"))
                    if r.status_code != 200:
                        self.errors.append(f"progress {r.status_code} {r.text[:200]}")
                        break
                    self.delays.append(self._visible(answer["case_number"], r.json()["version"]))
        except Exception as e:  # noqa: BLE001 - reported
            self.errors.append(f"{type(e).__name__}: {e}")
        finally:
            for c in (self.clerk, self.handler, self.reader):
                c.close()


def listen_backends(dep: Deployment) -> list[dict[str, Any]]:
    return [b for b in dep.coordination_backends() if not b["leader"]]


def runtime_listen_channel(dep: Deployment, timeout: float = 15.0) -> str | None:
    """The channel the projections worker really LISTENs on: its LISTEN connection is terminated once,
    and the replacement's first statement (`LISTEN "…"`) is read from pg_stat_activity."""
    started = time.monotonic()
    current: list[dict[str, Any]] = []
    while not current and time.monotonic() - started < timeout:
        current = listen_backends(dep)
        time.sleep(0.05)
    old = {b["pid"] for b in current}
    if current:
        with pg_connect() as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (current[0]["pid"],))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for b in listen_backends(dep):
            match = LISTEN_STATEMENT.match(b["query"] or "")
            if b["pid"] not in old and match:
                return match.group(1) or match.group(2)
        time.sleep(0.005)
    return None


def channel_check(dep: Deployment) -> dict[str, Any]:
    """Which channel the runtime LISTENs on, and how many notifications each channel gets after one write."""
    runtime_channel = runtime_listen_channel(dep)
    store_channel = dep.tables["events"]
    clerk: Caller = dep.caller("clerk", "tax", "fq-channel-check")
    received = dict.fromkeys({store_channel, runtime_channel or "stored_events"}, 0)
    with pg_connect() as conn:
        for channel in received:
            conn.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(channel)))
        r = clerk.post("/api/v1/disputes", registration("tax", f"channel-{uuid.uuid4().hex[:8]}"))
        assert r.status_code == 201, r.text
        for note in conn.notifies(timeout=2.0):
            if note.channel in received:
                received[note.channel] += 1
    clerk.close()
    return {"runtime": runtime_channel, "store": store_channel, "received": received,
            "runtime notified": received.get(runtime_channel or "", 0)}


def run(report: Report, workdir: Path, *, terminations: int = 20, writers: int = 4,
        scanner: PiiScanner | None = None, name: str = NAME, dep: Deployment | None = None) -> dict[str, Any]:
    if dep is not None:
        return _run(report, dep, terminations, writers, scanner, name)
    with deployment(workdir) as fresh:
        return _run(report, fresh, terminations, writers, scanner, name)


def _run(report: Report, dep: Deployment, terminations: int, writers: int, scanner: PiiScanner | None,
         name: str) -> dict[str, Any]:
    run_id = f"ls{uuid.uuid4().hex[:6]}"
    ledger = Ledger()
    terminated: list[int] = []
    waits: list[float] = []
    leading = dep.wait_projections_leading(60)
    channels = channel_check(dep)
    threads, stop = run_writers(writers, dep, ledger, run_id, scanner=scanner,
                                pii=scanner.index if scanner else None)
    prober = Prober(dep, stop, run_id, scanner)
    prober.start()
    try:
        for n in range(terminations):
            time.sleep(random.uniform(0.3, 1.2))  # noqa: S311
            started = time.monotonic()
            backends: list[dict[str, Any]] = []
            while time.monotonic() - started < 15:
                backends = [b for b in listen_backends(dep) if b["pid"] not in terminated]
                if backends:
                    break
                time.sleep(0.05)
            waits.append(time.monotonic() - started)
            if not backends:
                log(f"{name}: no LISTEN backend came back within 15 s (termination {n + 1})")
                continue
            with pg_connect() as conn:
                ok = conn.execute("SELECT pg_terminate_backend(%s)", (backends[0]["pid"],)).fetchone()
            if ok and ok[0]:
                terminated.append(backends[0]["pid"])
        time.sleep(2.0)
    finally:
        problems = stop_writers(threads, stop)
        prober.join(60)
    reconnected = bool(listen_backends(dep))
    exits = list(dep.unexpected_exits)

    delays = [d for d in prober.delays if d != float("inf")]
    late = [d for d in prober.delays if d > VISIBLE_WITHIN]
    report.check(name, "our projections worker held the leadership", leading, True)
    report.check(name, "processes that exited on their own", len(exits), 0)
    report.add(name, "LISTEN backends terminated", len(terminated), f"{terminations}", len(terminated) == terminations)
    report.add(name, "LISTEN reconnected after a termination, max s", f"{max(waits[1:], default=0):.1f}")
    report.check(name, "LISTEN connection present at the end", reconnected, True)
    report.add(name, "commands probed (answer → visible in GraphQL)", len(prober.delays))
    if delays:
        report.add(name, "visible after, median / p95 / max s",
                   f"{statistics.median(delays):.3f} / {sorted(delays)[int(len(delays) * 0.95) - 1]:.3f} / "
                   f"{max(delays):.3f}")
    report.check(name, f"commands not visible within {VISIBLE_WITHIN:.0f} s", len(late), 0)
    report.check(name, "prober and writer problems", len(prober.errors) + len(problems) + len(ledger.server_errors), 0)
    report.add(name, "channel the worker LISTENs on (seen in pg_stat_activity) / the store NOTIFYs on",
               f"{channels['runtime']} / {channels['store']}")
    report.add(name, "notifications on the worker's channel after one write", channels["runtime notified"], ">= 1",
               channels["runtime notified"] >= 1)
    report.detail(name, exits + prober.errors + problems + ledger.server_errors)
    return {"terminated": terminated, "delays": prober.delays, "channels": channels, "leading": leading,
            "problems": prober.errors + problems + ledger.server_errors + exits}
