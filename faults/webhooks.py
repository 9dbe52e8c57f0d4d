"""8. Webhook delivery under faults: a `fengqiao deliveries run` worker sending every case change
to a real local receiver while writers write, and

- the receiver down for a while (its port closed), then back;
- the receiver answering 500 now and then, answering too slowly (past the timeout) and slowly
  (within it);
- the delivery worker killed (kill -9) at random points and started again;
- every connection of the sending worker to PostgreSQL terminated (what a restart does to it);
- (the long suite only) PostgreSQL restarted during delivery.

Afterwards every event of the store (after the subscription) must have reached the receiver
with a 2xx answer; each case's events first arrived in version order; a message received more
than once always came with the same `webhook-id` and the same bytes; every signature verifies
with the `standardwebhooks` package.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import msgspec

from faults.harness import (
    FENGQIAO,
    Deployment,
    Ledger,
    PiiScanner,
    Proc,
    Report,
    deployment,
    ensure_pg_running,
    free_port,
    log,
    pg_client_ports,
    pg_cluster,
    pg_connect,
    pg_wait_up,
    run_writers,
    stop_writers,
)

NAME = "webhooks"
TIMEOUT = 1.0  # the worker's FENGQIAO_WEBHOOK_TIMEOUT in this scenario
SCHEDULE = "0.2s,0.5s,1s,2s,3s,3s,3s,3s,3s,3s,3s,3s,3s,3s,3s,3s"  # ~45 s of retries: longer than any outage here
ENV = {
    "FENGQIAO_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
    "FENGQIAO_WEBHOOK_RETRY_SCHEDULE": SCHEDULE,
    "FENGQIAO_WEBHOOK_TIMEOUT": str(TIMEOUT),
}


class Receiver:
    """A stdlib HTTP server on a fixed port that can be taken down and brought back, and that
    answers 500, too slowly or slowly for a share of requests."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/hooks"
        self.lock = threading.Lock()
        self.received: list[tuple[dict[str, str], bytes, int]] = []  # headers, body, status answered
        self.fail_share = 0.0
        self.too_slow_share = 0.0
        self.slow_share = 0.0
        self._server: ThreadingHTTPServer | None = None

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                roll = random.random()  # noqa: S311 - a fault, not a secret
                if roll < receiver.too_slow_share:
                    time.sleep(TIMEOUT * 1.5)  # the worker gives up first: it must retry
                    status = 200
                elif roll < receiver.too_slow_share + receiver.slow_share:
                    time.sleep(TIMEOUT * 0.5)
                    status = 200
                elif roll < receiver.too_slow_share + receiver.slow_share + receiver.fail_share:
                    status = 500
                else:
                    status = 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    status = 0  # the worker had hung up: not an answer it saw
                with receiver.lock:
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body, status))

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
                return

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, name="receiver", daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def delivered(self) -> list[tuple[dict[str, str], bytes, int]]:
        with self.lock:
            return [r for r in self.received if 200 <= r[2] < 300]


LEAD = "this process now sends them"


def _wait_lead(log_path: Path, times: int, timeout: float = 20.0) -> None:
    """Until the worker's log says `times` starts took the lead: a kill then hits a sender."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log_path.exists() and log_path.read_text(errors="replace").count(LEAD) >= times:
            return
        time.sleep(0.1)


def _expected(dep: Deployment, after: int) -> dict[str, tuple[str, int]]:
    """Event id -> (case id, version) of every case event recorded after `after`."""
    from application.webhooks import event_id
    from domain.subscription import EVENT_TYPES

    return {
        event_id(uuid.UUID(e["id"]), e["version"]): (e["id"], e["version"])
        for e in dep.events()
        if e["position"] > after and e["type"] in EVENT_TYPES
    }


def _wait_all(receiver: Receiver, expected: dict[str, tuple[str, int]], timeout: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        got = {h.get("webhook-id") for h, _, _ in receiver.delivered()}
        if set(expected) <= got:
            return time.monotonic() - started
        time.sleep(0.5)
    return None


def check(receiver: Receiver, expected: dict[str, tuple[str, int]], secret: str) -> dict[str, Any]:
    from standardwebhooks import Webhook, WebhookVerificationError

    verifier = Webhook(secret)
    bodies: dict[str, set[bytes]] = defaultdict(set)
    first_order: dict[str, list[int]] = defaultdict(list)
    seen: set[str] = set()
    bad_signatures = 0
    ids_per_event: dict[tuple[str, int], set[str]] = defaultdict(set)
    for headers, body, _ in receiver.delivered():
        wid = headers.get("webhook-id", "")
        try:
            verifier.verify(body, headers)
        except WebhookVerificationError:
            bad_signatures += 1
        bodies[wid].add(body)
        message = msgspec.json.decode(body)
        key = (message["subject"], int(message["data"]["version"]))
        ids_per_event[key].add(wid)
        if wid not in seen:
            seen.add(wid)
            first_order[message["subject"]].append(key[1])
    missing = sorted(set(expected) - seen)
    out_of_order = sorted(case for case, versions in first_order.items() if versions != sorted(versions))
    return {
        "expected": len(expected),
        "delivered": len(set(expected) & seen),
        "missing": len(missing),
        "out_of_order_cases": len(out_of_order),
        "duplicates": sum(1 for h, _, _ in receiver.delivered()) - len(seen),
        "duplicates_with_other_bytes": sum(1 for v in bodies.values() if len(v) > 1),
        "events_with_two_ids": sum(1 for v in ids_per_event.values() if len(v) > 1),
        "bad_signatures": bad_signatures,
        "missing_sample": missing[:5],
        "out_of_order_sample": out_of_order[:5],
    }


def _restart_postgres(report: Report, restarts: int) -> None:
    """PostgreSQL restarted under the worker (fast, then immediate): it must go on by itself."""
    for n in range(restarts):
        mode = "fast" if n % 2 == 0 else "immediate"
        done = pg_cluster("restart", mode)
        if done.returncode != 0:
            report.add(NAME, f"PostgreSQL restart ({mode})", done.stderr.strip()[-200:], "restarted", False)
            ensure_pg_running()
            continue
        waited = pg_wait_up()
        log(f"{NAME}: PostgreSQL restarted ({mode}), up after {waited:.1f} s")
        time.sleep(random.uniform(1.0, 2.0))  # noqa: S311 - load between restarts


def _cut_connections(worker: Proc, times: int) -> int:
    """pg_terminate_backend on every connection the worker holds, `times` times; how many were cut."""
    cut = 0
    for _ in range(times):
        ports = sorted(pg_client_ports(worker.pids()))
        if ports:
            with pg_connect() as conn:
                rows = conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE client_port = ANY(%s)", (ports,)
                ).fetchall()
            cut += sum(1 for r in rows if r[0])
        time.sleep(random.uniform(1.0, 2.0))  # noqa: S311 - delivery goes on between the cuts
    return cut


def run(report: Report, workdir: Path, *, kills: int = 20, writers: int = 8, outage: float = 4.0,
        terminations: int = 3, pg_restarts: int = 0, scanner: PiiScanner | None = None) -> dict[str, Any]:
    run_id = f"wh{uuid.uuid4().hex[:6]}"
    ledger = Ledger()
    receiver = Receiver(free_port())
    receiver.up()
    with deployment(workdir, extra_env=ENV) as dep:
        worker = Proc("deliveries", [FENGQIAO, "deliveries", "run"], workdir, dep.env, workdir / "deliveries.log")
        worker.start()
        try:
            made = dep.caller("taskforce").post("/api/v1/subscriptions", {"url": receiver.url})
            assert made.status_code == 201, made.text
            secret = made.json()["secret"]
            after = dep.head()
            threads, stop = run_writers(writers, dep, ledger, run_id, scanner=scanner,
                                        pii=scanner.index if scanner else None)
            try:
                time.sleep(1.0)
                receiver.down()  # 1. the receiver is away ...
                time.sleep(outage)
                receiver.up()  # ... and back
                receiver.fail_share, receiver.too_slow_share, receiver.slow_share = 0.1, 0.03, 0.05  # 2.
                for n in range(kills):  # 3. the worker killed at random points while it sends
                    _wait_lead(workdir / "deliveries.log", n + 1)
                    time.sleep(random.uniform(0.2, 1.0))  # noqa: S311 - a random point
                    worker.kill9()
                    time.sleep(random.uniform(0.0, 0.3))  # noqa: S311
                    worker.start()
                    if (n + 1) % 10 == 0:
                        log(f"{NAME}: {n + 1}/{kills} kills of the delivery worker")
                _wait_lead(workdir / "deliveries.log", kills + 1)
                cut = _cut_connections(worker, terminations)  # 4.
                _restart_postgres(report, pg_restarts)  # 5.
            finally:
                problems = stop_writers(threads, stop)
            receiver.fail_share = receiver.too_slow_share = receiver.slow_share = 0.0
            expected = _expected(dep, after)
            waited = _wait_all(receiver, expected, timeout=180)
            figures = check(receiver, expected, secret)
            figures["connections_cut"] = cut
        finally:
            worker.stop()
            receiver.down()
    figures["writer_problems"] = len(problems)
    log_text = (workdir / "deliveries.log").read_text(errors="replace") if (workdir / "deliveries.log").exists() else ""
    figures["took_the_lead"] = log_text.count(LEAD)
    report.add(NAME, "case events after the subscription", figures["expected"], "> 0", figures["expected"] > 0)
    report.check(NAME, "events never delivered", figures["missing"], 0)
    report.check(NAME, "cases whose events first arrived out of order", figures["out_of_order_cases"], 0)
    report.check(NAME, "an event sent under two webhook-ids", figures["events_with_two_ids"], 0)
    report.check(NAME, "a webhook-id sent with other bytes", figures["duplicates_with_other_bytes"], 0)
    report.check(NAME, "signatures standardwebhooks refused", figures["bad_signatures"], 0)
    report.add(NAME, "starts of the delivery worker that took the lead", figures["took_the_lead"], f">= {kills + 1}",
               figures["took_the_lead"] >= kills + 1)  # every kill hit the worker that was sending
    if terminations:
        report.add(NAME, "connections of the sending worker terminated", cut, "> 0", cut > 0)
    report.add(NAME, "duplicates (same webhook-id and bytes)", figures["duplicates"])
    report.add(NAME, "seconds to deliver the rest after the load", None if waited is None else round(waited, 1))
    report.detail(NAME, [f"missing: {m}" for m in figures["missing_sample"]]
                  + [f"out of order: {c}" for c in figures["out_of_order_sample"]] + problems)
    return {"figures": figures}
