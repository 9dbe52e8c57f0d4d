"""B9: webhook delivery to a local receiver.

- Rate: a burst of queued events (registrations and transfers, so cases carry two events in
  order) delivered by the worker (scan + sign + POST + bookkeeping) until the receiver has all,
  against a plain loop POSTing the same signed messages to the same receiver, one connection
  per request as ours; interleaved repetitions. Target: ours ≥ 0.5× the loop's rate.
- Latency: the worker running in its thread while cases are registered at 100 events/s; from
  the command's return (its commit) to the receiver's receipt, p50 and p99. Target: p99 ≤ 1 s.
"""

from __future__ import annotations

import dataclasses
import http.client
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

from bench.common import Store, log


class _Receiver:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrived: dict[str, float] = {}  # webhook-id -> first receipt (perf_counter)
        self.count = 0

    def seen(self, key: str) -> None:
        now = time.perf_counter()
        with self.lock:
            self.arrived.setdefault(key, now)
            self.count += 1

    def reset(self) -> None:
        with self.lock:
            self.arrived.clear()
            self.count = 0


@contextmanager
def _receiver() -> Iterator[tuple[_Receiver, str]]:
    rec = _Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            rec.seen(self.headers.get("webhook-id", ""))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield rec, f"http://127.0.0.1:{server.server_address[1]}/hooks"
    finally:
        server.shutdown()
        server.server_close()


def _wait(rec: _Receiver, ids: set[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with rec.lock:
            if ids <= rec.arrived.keys():
                return
        time.sleep(0.002)
    raise TimeoutError(f"the receiver got {len(ids & rec.arrived.keys())} of {len(ids)} webhooks")


def _register(rt: Any, ref: str) -> Any:
    import msgspec

    from application import commands as cmd
    from domain.identifiers import resident_id_check_char
    from domain.values import Actor, Role

    first17 = "14058119800101" + f"{len(ref) % 1000:03d}"
    body = {
        "channel": "hotline_12366",
        "received_at": "2026-11-25T02:00:00+00:00",
        "accepting_unit": "tax",
        "payer": {"kind": "individual", "name": "张三", "id_number": first17 + resident_id_check_char(first17),
                  "phone": "13812345678"},
        "category": "late_fee",
        "summary": "对滞纳金加收有异议",
        "external_ref": ref,
    }
    return rt.fengqiao.register(msgspec.convert(body, cmd.RegisterDispute), Actor("bench-clerk", Role.CLERK, "tax"), None)


def _make_events(rt: Any, n_cases: int, tag: str) -> set[str]:
    import msgspec

    from application import commands as cmd
    from application.webhooks import event_id
    from domain.values import Actor, Role

    clerk = Actor("bench-clerk", Role.CLERK, "tax")
    ids: set[str] = set()
    for i in range(n_cases):
        made = _register(rt, f"{tag}-{i}")
        moved = rt.fengqiao.transfer(made.case_number, msgspec.convert({"to_unit": "tax"}, cmd.Transfer), clerk)
        ids |= {event_id(UUID(made.id), 1), event_id(UUID(moved.id), moved.version)}
    return ids


def _loop_post(url: str, messages: list[tuple[str, bytes]], secret: str) -> None:
    from application.webhooks import signature_headers

    host, _, port = url.split("/")[2].partition(":")
    for key, body in messages:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("POST", "/hooks", body=body, headers={**signature_headers(secret, key, int(time.time()), body),
                                                          "Content-Type": "application/cloudevents+json"})
        conn.getresponse().read()
        conn.close()


def run_webhooks(store: Store, reps: int, burst_cases: int, latency_seconds: float) -> dict[str, Any]:
    from domain.values import Actor, Role
    from interfaces.runtime import build_runtime

    settings = dataclasses.replace(store.settings, webhook_allow_hosts=("127.0.0.1",))
    rt = build_runtime(settings, with_http=False)
    try:
        with _receiver() as (rec, url):
            made = rt.subscriptions.create(Actor("bench-taskforce", Role.TASKFORCE), url=url, event_types=None, description=None)
            worker = rt.deliveries
            ours: list[float] = []
            base: list[float] = []
            for rep in range(reps):
                ids = _make_events(rt, burst_cases, f"b9-{rep}")
                worker.catch_up()  # queue them, then measure the sending (the bodies are the worker's own)
                with rt.reads.store.transaction(readonly=True) as cur:
                    cur.execute("SELECT event_id, body FROM wh_deliveries WHERE status = 'pending' ORDER BY position")
                    messages = [(str(k), bytes(b)) for k, b in cur.fetchall()]
                rec.reset()
                started = time.perf_counter()
                _loop_post(url, messages, made.secret)
                base.append(len(messages) / (time.perf_counter() - started))
                rec.reset()
                started = time.perf_counter()
                while worker.run_once() or worker.in_flight:
                    pass
                _wait(rec, ids, 60)
                ours.append(len(ids) / (time.perf_counter() - started))
                log(f"  [{store.backend}] B9 rep {rep + 1}: ours {ours[-1]:,.0f} ev/s, loop {base[-1]:,.0f} ev/s")
            latencies = _latency(rt, rec, latency_seconds)
    finally:
        rt.close()
    rate_ours, rate_base = statistics.median(ours), statistics.median(base)
    latencies.sort()
    return {
        "rate": {"ours": rate_ours, "base": rate_base, "ratio": rate_ours / rate_base},
        "latency": {"p50": latencies[len(latencies) // 2], "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
                    "n": len(latencies)},
    }


def _latency(rt: Any, rec: _Receiver, seconds: float) -> list[float]:
    """Register a case every 10 ms (100 events/s) with the worker in its thread; commit → receipt."""
    from application.webhooks import event_id

    rt.start_background(projections=False, scheduler=False, deliveries=True)
    committed: dict[str, float] = {}
    rec.reset()
    started = time.perf_counter()
    i = 0
    while time.perf_counter() - started < seconds:
        made = _register(rt, f"b9-lat-{i}")
        committed[event_id(UUID(made.id), 1)] = time.perf_counter()
        i += 1
        time.sleep(max(0.0, started + i * 0.01 - time.perf_counter()))
    _wait(rec, set(committed), 30)
    return [rec.arrived[k] - t for k, t in committed.items()]


def print_webhooks(backend: str, r: dict[str, Any]) -> None:
    rate, lat = r["rate"], r["latency"]
    log(f"  [{backend}] B9 delivery rate {rate['ours']:,.0f} ev/s vs loop {rate['base']:,.0f} ev/s = {rate['ratio']:.2f}×; "
        f"latency at 100 ev/s p50 {lat['p50'] * 1000:.1f} ms, p99 {lat['p99'] * 1000:.1f} ms ({lat['n']} events)")
