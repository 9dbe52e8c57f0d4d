"""Where the time goes, for the benchmarks that miss their targets (cProfile, in this process).

    python -m bench.profile commands  [--backend sqlite|postgres]   B1/B2: one command, ours vs raw vs plain
    python -m bench.profile http [--projections] [--backend ...]    B3: REST requests into the ASGI app in this thread
    python -m bench.profile rebuild   [--backend ...]               B4: ProjectionRunner.rebuild() of 10,000 events
    python -m bench.profile graphql queue|dispute|timeline [--backend ...]   B5/B6, the ASGI app called in this thread
    python -m bench.profile locks                                   B3: what 16 clients wait for in PostgreSQL

Each prints the top functions by own time and by cumulative time (--top N). Stores are made
and dropped as in the suite. Nothing here changes product code.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import json
import pstats
import shutil
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import SECRET, fresh_store, log, pg_conninfo


def _stats(pr: cProfile.Profile, top: int) -> None:
    s = pstats.Stats(pr)
    s.sort_stats("tottime").print_stats(top)
    s.sort_stats("cumtime").print_stats(top * 2)


def _populated(backend: str, events: int) -> Any:
    from bench.b_rebuild import ours_rebuild
    from bench.scenario import populate

    p = populate(backend, "prof", events)
    ours_rebuild(p.app, p.store)
    return p


def _discard(p: Any) -> None:
    p.close()
    p.store.drop()
    shutil.rmtree(p.store.var_dir, ignore_errors=True)


async def asgi_post(app: Any, path: str, body: bytes, headers: list[tuple[str, str]]) -> tuple[int, bytes]:
    """One HTTP request straight into the ASGI app, in this thread (so cProfile sees the app)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"bench"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())] + [(k.encode(), v.encode()) for k, v in headers],
        "client": ("127.0.0.1", 1), "server": ("bench", 80), "state": {},
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    out: dict[str, Any] = {"status": 0, "body": []}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["body"].append(message.get("body", b""))

    await app(scope, receive, send)
    return out["status"], b"".join(out["body"])


def _graphql_request(p: Any, which: str) -> tuple[Any, bytes, list[tuple[str, str]], int]:
    from bench.b_reads import DISPUTE_QUERY, QUEUE_QUERY, TIMELINE_QUERY
    from bench.run import reads_runtime
    from domain.values import Role
    from interfaces.auth import issue_token

    rt = reads_runtime(p.store.settings, p.app)
    handler = [("authorization", "Bearer " + issue_token(SECRET, subject="bench-h", role=Role.HANDLER, unit="hrss"))]
    auditor = [("authorization", "Bearer " + issue_token(SECRET, subject="bench-a", role=Role.AUDITOR, unit=None))]
    if which == "queue":
        return rt, json.dumps({"query": QUEUE_QUERY, "variables": {"unit": "hrss"}}).encode(), handler, 20
    if which == "timeline":
        return rt, json.dumps({"query": TIMELINE_QUERY, "variables": {"n": p.long_case}}).encode(), auditor, 5
    return rt, json.dumps({"query": DISPUTE_QUERY, "variables": {"n": p.queue_cases[5]}}).encode(), handler, 100


def graphql(backend: str, which: str, top: int) -> None:
    p = _populated(backend, 10_000)
    rt, body, headers, n = _graphql_request(p, which)
    try:
        async def run(k: int) -> int:
            size = 0
            for _ in range(k):
                status, out = await asgi_post(rt.http, "/graphql", body, headers)
                if status != 200 or b'"errors"' in out[:40]:
                    raise RuntimeError(out[:300])
                size = len(out)
            return size

        asyncio.run(run(3))
        c0, t0 = time.process_time(), time.perf_counter()
        size = asyncio.run(run(n))
        log(f"{which}: {(time.perf_counter() - t0) / n * 1000:.1f} ms wall, {(time.process_time() - c0) / n * 1000:.1f} ms "
            f"cpu per request unprofiled; response {size:,} bytes")
        pr = cProfile.Profile()
        pr.enable()
        asyncio.run(run(n))
        pr.disable()
        _stats(pr, top)
    finally:
        rt.reads.close()
        _discard(p)


def commands(backend: str, top: int) -> None:
    from bench import b_commands as bc
    from bench.gen import CaseFactory
    from domain.reference import dispute_id_for
    from infrastructure.store import open_application

    st = fresh_store(backend, "prof")
    app = open_application(st.settings, clock=lambda: bc.FIXED_NOW)
    try:
        f = CaseFactory(app)
        n = 60
        received = bc.FIXED_NOW - timedelta(hours=2)
        cases = bc.register_cases(app, f, 2 * n, received)
        states = bc.lifecycle_states(app, f)
        ids = [dispute_id_for(f"prof-raw-{i}") for i in range(n)]
        raw = bc.Raw(st, states, ids, False, "prof")
        plain = bc.Plain(st, [f.build("registered", received).events[0] for _ in range(n)])
        ours = bc.Ours(app, cases, "prof")
        cpu = {"ours": 0.0, "raw": 0.0, "plain": 0.0}
        wall = dict.fromkeys(cpu, 0.0)
        for k in range(6):
            for name, fn in (("ours", lambda k=k: ours.run_step(cases[:n], k)), ("raw", lambda k=k: raw.run_step(ids, k, "p")),
                             ("plain", lambda k=k: plain.run_step(plain.ids, k, "p"))):
                c0 = time.process_time()
                wall[name] += fn()
                cpu[name] += time.process_time() - c0
        for name, spent in cpu.items():
            log(f"{name:6s} per command: wall {wall[name] / (6 * n) * 1e6:6.0f} µs, cpu {spent / (6 * n) * 1e6:6.0f} µs")
        pr = cProfile.Profile()
        pr.enable()
        for k in range(6):
            ours.run_step(cases[n:], k)
        pr.disable()
        log(f"--- ours, {6 * n} commands under cProfile ---")
        _stats(pr, top)
        raw.close()
        plain.close()
    finally:
        app.close()
        st.drop()
        shutil.rmtree(st.var_dir, ignore_errors=True)


def http(backend: str, top: int, with_projections: bool) -> None:
    """B3's requests straight into the ASGI app in this thread (cProfile sees the request path);
    with --projections the projection runner runs in a thread beside it, as in `serve`."""
    from bench import b_commands as bc
    from bench.b_http import STEPS
    from bench.gen import CaseFactory
    from bench.run import reads_runtime
    from infrastructure.projection_runner import ProjectionRunner
    from infrastructure.store import open_application
    from interfaces.auth import issue_token

    st = fresh_store(backend, "prof")
    app = open_application(st.settings)
    rt = reads_runtime(st.settings, app)
    runner = None
    if with_projections:
        runner = ProjectionRunner(app, rt.reads.store)
        app.listeners.append(runner.wake)
        runner.start()
    try:
        f = CaseFactory(app)
        n = 60
        cases = bc.register_cases(app, f, 3 * n, datetime.now(UTC) - timedelta(hours=2))
        tokens = {(role, unit): "Bearer " + issue_token(SECRET, subject=f"bench-{role}-{unit}", role=role, unit=unit)
                  for _, _, role, unit in STEPS}

        async def run(batch: list[str], tag: str) -> None:
            for k, (path, body, role, unit) in enumerate(STEPS):
                raw = json.dumps(body).encode()
                for number in batch:
                    headers = [("authorization", tokens[(role, unit)]), ("idempotency-key", f"{tag}-{number}-{k}")]
                    status, out = await asgi_post(rt.http, f"/api/v1/disputes/{number}/{path}", raw, headers)
                    if status != 200:
                        raise RuntimeError(f"{status} {out[:300]!r}")

        asyncio.run(run(cases[:n], "warm"))
        c0, t0 = time.process_time(), time.perf_counter()
        asyncio.run(run(cases[n:2 * n], "timed"))
        log(f"{(time.perf_counter() - t0) / (6 * n) * 1e6:.0f} µs wall, {(time.process_time() - c0) / (6 * n) * 1e6:.0f} µs "
            f"cpu (whole process) per request unprofiled")
        pr = cProfile.Profile()
        pr.enable()
        asyncio.run(run(cases[2 * n:], "prof"))
        pr.disable()
        _stats(pr, top)
    finally:
        if runner is not None:
            runner.stop()
        rt.reads.close()
        app.close()
        st.drop()
        shutil.rmtree(st.var_dir, ignore_errors=True)


def rebuild(backend: str, top: int) -> None:
    from bench.b_rebuild import ours_rebuild

    p = _populated(backend, 10_000)
    try:
        pr = cProfile.Profile()
        pr.enable()
        t = ours_rebuild(p.app, p.store)
        pr.disable()
        log(f"rebuild of {p.events:,} events: {t:.2f} s under cProfile")
        _stats(pr, top)
    finally:
        _discard(p)


def locks(seconds_per_step: int = 0) -> None:
    """Start `fengqiao serve` on PostgreSQL, drive 16 clients, sample pg_stat_activity every 20 ms."""
    import psycopg

    from bench import b_http as bh
    from bench.b_commands import register_cases
    from bench.gen import CaseFactory
    from infrastructure.store import open_application
    from interfaces.auth import issue_token

    st = fresh_store("postgres", "locks")
    try:
        app = open_application(st.settings)
        refs = register_cases(app, CaseFactory(app), 16 * 4, datetime.now(UTC) - timedelta(hours=2))
        app.close()
        port = bh.free_port()
        srv = bh.Server("serve", [sys.executable.replace("/python", "/fengqiao"), "serve", "--port", str(port),
                                  "--log-level", "warning"], st.env(), port, st.var_dir / "serve.log")
        srv.wait_ready("/health")
        tokens = {(role, unit): issue_token(SECRET, subject=f"b-{role.value}-{unit}", role=role, unit=unit)
                  for _, _, role, unit in bh.STEPS}
        steps = bh._plans([refs[c * 4:(c + 1) * 4] for c in range(16)],
                          lambda role, unit: {"Authorization": f"Bearer {tokens[(role, unit)]}"}, "locks")
        seen: collections.Counter[str] = collections.Counter()
        ticks = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal ticks
            with psycopg.connect(pg_conninfo(), autocommit=True) as c:
                while not stop.is_set():
                    for (what,) in c.execute(
                        "SELECT coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-') || '  ' || left(query, 40) "
                        "FROM pg_stat_activity WHERE state = 'active' AND query LIKE %s", (f"%{st.schema}%",)
                    ).fetchall():
                        seen[what] += 1
                    ticks += 1
                    time.sleep(0.02)

        t = threading.Thread(target=sample)
        t.start()
        t0 = time.perf_counter()
        n = 0
        for k in range(6):
            _wall, lat, _err = asyncio.run(bh.run_clients(port, steps[k]))
            n += len(lat)
        elapsed = time.perf_counter() - t0
        stop.set()
        t.join()
        srv.stop()
        log(f"{n} requests from 16 clients in {elapsed:.2f} s; backends of this store per sample, by wait:")
        for what, count in seen.most_common(10):
            log(f"  {count / max(ticks, 1):5.2f}  {what}")
    finally:
        st.drop()
        shutil.rmtree(st.var_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.profile")
    ap.add_argument("what", choices=["commands", "http", "rebuild", "graphql", "locks"])
    ap.add_argument("--projections", action="store_true", help="http: run the projection runner beside it")
    ap.add_argument("query", nargs="?", default="queue", choices=["queue", "dispute", "timeline"])
    ap.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres"])
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args(argv)
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.what == "commands":
        commands(args.backend, args.top)
    elif args.what == "http":
        http(args.backend, args.top, args.projections)
    elif args.what == "rebuild":
        rebuild(args.backend, args.top)
    elif args.what == "graphql":
        graphql(args.backend, args.query, args.top)
    else:
        locks()
    return 0


if __name__ == "__main__":
    sys.exit(main())
