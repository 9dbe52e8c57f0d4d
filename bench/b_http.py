"""B3: REST commands over HTTP, 1 and 16 concurrent clients, against `fengqiao serve` started as
a subprocess (projections, scheduler and all) and against bench.baseline_server (same uvicorn
settings, B1's raw SQL per command). B8 (serve): the server's peak RSS (VmHWM) afterwards.

The client is a minimal asyncio HTTP/1.1 keep-alive client (one connection per simulated
client), so that the load generator itself costs little CPU on a 2-core machine. Each client
drives its own cases through the six lifecycle commands, one request at a time, each with an
Idempotency-Key. Reps alternate between the two servers.

Registration is measured beside them (as many requests a rep as the lifecycle): ours seals the
payer's and an individual other party's personal data under a new per-case key and saves the
case, its number and the key in one transaction; the baseline's endpoint does the same inserts
(the year's number stream read, DisputeRegistered and CaseNumberIssued rows, a key row).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec

from bench.b_commands import lifecycle_states, register_cases
from bench.common import ROOT, Store, log, median, percentile
from bench.gen import CLERK_TAX, CaseFactory, _resident_id, handler
from domain.reference import dispute_id_for
from domain.values import Role
from infrastructure.store import open_application
from interfaces.auth import issue_token

TO_UNIT = "finance"
STEPS = [  # (path, body, role, unit)
    ("transfer", {"to_unit": TO_UNIT, "note": "请核处"}, Role.CLERK, "tax"),
    ("sign-for", {}, Role.HANDLER, TO_UNIT),
    ("progress", {"note": "已调取缴费记录"}, Role.HANDLER, TO_UNIT),
    ("conclude", {"outcome": "corrected", "result": "已更正并退还多缴部分"}, Role.HANDLER, TO_UNIT),
    ("feedback", {"party": "payer", "method": "phone", "content": "已电话告知"}, Role.CLERK, "tax"),
    ("no-objection", {"party": "payer"}, Role.CLERK, "tax"),
    ("archive", {}, Role.CLERK, "tax"),
]
_ = (CLERK_TAX, handler)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def vm_hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Server:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, log_path: Path) -> None:
        self.name = name
        self.port = port
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(argv, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=str(ROOT))  # noqa: S603

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except Exception as e:  # noqa: BLE001
                last = str(e)
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout} s ({last}); see {self.log_path}")

    def stop(self) -> int:
        hwm = vm_hwm_kib(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return hwm


# --- the client -----------------------------------------------------------------------------


class Conn:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            lname = name.strip().lower()
            if lname == b"content-length":
                length = int(value)
            elif lname == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            self.writer.close()
            self.writer = None
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def build_request(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def run_clients(port: int, plans: list[list[bytes]]) -> tuple[float, list[float], int]:
    """Each plan is one client's requests, sent one after the other. Returns wall time, latencies, errors."""
    latencies: list[float] = []
    errors = 0

    async def client(plan: list[bytes]) -> None:
        nonlocal errors
        conn = Conn(port)
        try:
            for raw in plan:
                t0 = time.perf_counter()
                status, body = await conn.request(raw)
                latencies.append(time.perf_counter() - t0)
                if status not in (200, 201):
                    errors += 1
                    if errors <= 3:
                        log(f"    HTTP {status}: {body[:300]!r}")
        finally:
            conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client(p) for p in plans))
    return time.perf_counter() - t0, latencies, errors


# --- the benchmark --------------------------------------------------------------------------


def _plans(refs: list[list[str]], headers_for: Any, tag: str) -> list[list[list[bytes]]]:
    """[step][client] -> that client's requests for the step (its cases, one after the other)."""
    steps = []
    for step, (op, body, role, unit) in enumerate(STEPS):
        data = msgspec.json.encode(body)
        per_client = []
        for client_refs in refs:
            plan = []
            for ref in client_refs:
                headers = dict(headers_for(role, unit))
                headers["Idempotency-Key"] = f"{tag}-{ref}-{step}"
                plan.append(build_request(f"/api/v1/disputes/{ref}/{op}", data, headers))
            per_client.append(plan)
        steps.append(per_client)
    return steps


def registration_body(ref: str, n: int, received_at: datetime) -> bytes:
    """A registration with everything sealed: an individual payer and an individual other party."""
    return msgspec.json.encode({
        "channel": "service_window", "received_at": received_at.isoformat(), "accepting_unit": "tax",
        "payer": {"kind": "individual", "name": "郭晓燕", "id_number": _resident_id(n), "phone": f"139{n % 10**8:08d}"},
        "category": "benefit", "summary": "养老保险缴费年限与记录不一致",
        "other_party": {"name": "王建军", "kind": "individual", "contact": f"138{n % 10**8:08d}"},
        "external_ref": ref, "township": "140581101",
    })


def _registration_plans(n_clients: int, count: int, headers: dict[str, str], tag: str,
                        received_at: datetime) -> list[list[bytes]]:
    plans = []
    for c in range(n_clients):
        plan = []
        for i in range(count):
            ref = f"{tag}-{c}-{i}"
            plan.append(build_request("/api/v1/disputes", registration_body(ref, c * count + i, received_at),
                                      {**headers, "Idempotency-Key": ref}))
        plans.append(plan)
    return plans


def _summary(res: dict[str, dict[str, list[float]]], errors: dict[str, int], n_req: int, reps: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("ours", "base"):
        wall = median(res[name]["wall"])
        out[name] = {"wall": wall, "per_request": wall / n_req, "rps": n_req / wall,
                     "p50": percentile(res[name]["lat"], 50), "p99": percentile(res[name]["lat"], 99),
                     "errors": errors[name]}
    out["ratio"] = out["ours"]["wall"] / out["base"]["wall"]
    out["requests_per_rep"] = n_req
    out["reps"] = reps
    return out


def run_registrations(ports: dict[str, int], headers: dict[str, dict[str, str]], n_clients: int, count: int,
                      reps: int, tag: str) -> dict[str, Any]:
    """Registrations alone, the two servers alternating rep by rep."""
    res: dict[str, dict[str, list[float]]] = {"ours": {"wall": [], "lat": []}, "base": {"wall": [], "lat": []}}
    errors = {"ours": 0, "base": 0}
    received_at = datetime.now(UTC) - timedelta(hours=1)
    for r in range(reps):
        order = ["ours", "base"] if r % 2 == 0 else ["base", "ours"]
        for name in order:
            plans = _registration_plans(n_clients, count, headers[name], f"{tag}-{name}-{r}", received_at)
            wall, lat, err = asyncio.run(run_clients(ports[name], plans))
            res[name]["wall"].append(wall)
            res[name]["lat"] += lat
            errors[name] += err
    return _summary(res, errors, n_clients * count, reps)


def run_http(store: Store, reps: int, per_client_1: int, per_client_16: int, tmp: Path) -> dict[str, Any]:
    """Returns {conc: {ours/base: wall/p50/p99}} and the serve process's VmHWM."""
    clients = {1: (1, per_client_1), 16: (16, per_client_16)}
    need = sum(reps * n * k for n, k in clients.values())
    now = datetime.now(UTC)
    app = open_application(store.settings)
    factory = CaseFactory(app)
    # Real time here: the server's clock is the wall clock.
    ours_refs = register_cases(app, factory, need, now - timedelta(hours=2))
    states = lifecycle_states(app, factory)
    registered = factory.build("registered", now - timedelta(hours=2)).events  # DisputeRegistered, CaseNumberIssued
    number_issued = app.mapper.to_stored_event(registered[-1])
    app.close()
    ops = [s[0] for s in STEPS]
    state_file = tmp / "baseline-states.json"
    state_file.write_bytes(msgspec.json.encode({**{op: states[i + 1] for i, op in enumerate(ops)},
                                                "register": states[0],
                                                "number": (number_issued.topic, number_issued.state)}))
    base_ids = [dispute_id_for(f"HTTP-{i}") for i in range(need)]
    _prepare_baseline_table(store, base_ids, states[0])

    env = store.env()
    py = sys.executable
    fengqiao = str(Path(py).with_name("fengqiao"))
    p_ours, p_base = free_port(), free_port()
    ours = Server("fengqiao serve", [fengqiao, "serve", "--host", "127.0.0.1", "--port", str(p_ours), "--log-level", "warning"],
                  env, p_ours, tmp / "serve.log")
    if store.backend == "sqlite":
        target = ["--sqlite", str(store.var_dir / "baseline-http.sqlite")]
    else:
        from bench.common import pg_conninfo

        target = ["--postgres", pg_conninfo(store.schema)]
    base = Server("baseline", [py, "-m", "bench.baseline_server", "--port", str(p_base), "--log-level", "warning",
                               "--states", str(state_file), *target], env, p_base, tmp / "baseline.log")
    result: dict[str, Any] = {}
    try:
        try:
            # Ready = the store answers and the projections caught up (they run in this process
            # only if it holds the database-wide projection lock).
            ours.wait_ready("/ready", timeout=45)
            result["projections_here"] = True
        except RuntimeError:
            ours.wait_ready("/health")
            result["projections_here"] = False
            log(f"  [{store.backend}] warning: /ready stays 503: another process in this database holds the projections' "
                "advisory lock, so this server runs without projections")
        base_ready(base)
        tokens = {(role, unit): issue_token(store.settings.secret, subject=f"bench-{role.value}-{unit}", role=role, unit=unit)
                  for _, _, role, unit in STEPS}

        def ours_headers(role: Role, unit: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens[(role, unit)]}"}

        def base_headers(role: Role, unit: str) -> dict[str, str]:
            return {}

        offset = 0
        for conc, (n_clients, per_client) in clients.items():
            res: dict[str, dict[str, list[float]]] = {"ours": {"wall": [], "lat": []}, "base": {"wall": [], "lat": []}}
            errors = {"ours": 0, "base": 0}
            for r in range(reps):
                o_refs = [ours_refs[offset + c * per_client: offset + (c + 1) * per_client] for c in range(n_clients)]
                b_refs = [[str(i) for i in base_ids[offset + c * per_client: offset + (c + 1) * per_client]]
                          for c in range(n_clients)]
                offset += n_clients * per_client
                o_steps = _plans(o_refs, ours_headers, f"b3-{r}")
                b_steps = _plans(b_refs, base_headers, f"b3-{r}")
                walls = {"ours": 0.0, "base": 0.0}
                # Alternate the servers at every step (a burst of load elsewhere lands on both).
                for k in range(len(STEPS)):
                    order = [("ours", p_ours, o_steps[k]), ("base", p_base, b_steps[k])]
                    if (r + k) % 2:
                        order.reverse()
                    for name, port, plans in order:
                        wall, lat, err = asyncio.run(run_clients(port, plans))
                        walls[name] += wall
                        res[name]["lat"] += lat
                        errors[name] += err
                for name, total in walls.items():
                    res[name]["wall"].append(total)
            n_req = n_clients * per_client * len(STEPS)
            out = _summary(res, errors, n_req, reps)
            clerk = {"Authorization": f"Bearer {tokens[(Role.CLERK, 'tax')]}"}
            out["register"] = reg = run_registrations({"ours": p_ours, "base": p_base}, {"ours": clerk, "base": {}},
                                                      n_clients, per_client * len(STEPS), reps, f"b3r{conc}")
            result[conc] = out
            log(f"  [{store.backend}] B3 {conc:>2} client(s): ours p50 {out['ours']['p50'] * 1000:.1f} ms p99 "
                f"{out['ours']['p99'] * 1000:.1f} ms {out['ours']['rps']:.0f} req/s; baseline p50 "
                f"{out['base']['p50'] * 1000:.1f} ms p99 {out['base']['p99'] * 1000:.1f} ms {out['base']['rps']:.0f} req/s "
                f"→ {out['ratio']:.2f}× the baseline's time (errors {errors['ours']}/{errors['base']})")
            log(f"  [{store.backend}] B3 {conc:>2} client(s), registration: ours p50 {reg['ours']['p50'] * 1000:.1f} ms "
                f"p99 {reg['ours']['p99'] * 1000:.1f} ms {reg['ours']['rps']:.0f} req/s; baseline p50 "
                f"{reg['base']['p50'] * 1000:.1f} ms p99 {reg['base']['p99'] * 1000:.1f} ms {reg['base']['rps']:.0f} req/s "
                f"→ {reg['ratio']:.2f}× (errors {reg['ours']['errors']}/{reg['base']['errors']})")
    finally:
        result["serve_vm_hwm_kib"] = ours.stop()
        result["baseline_vm_hwm_kib"] = base.stop()
    log(f"  [{store.backend}] B8 serve peak RSS (VmHWM) {result['serve_vm_hwm_kib'] / 1024:.0f} MB "
        f"(baseline server {result['baseline_vm_hwm_kib'] / 1024:.0f} MB)")
    return result


def base_ready(server: Server, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"baseline server exited; see {server.log_path}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("baseline server not listening")


def _prepare_baseline_table(store: Store, ids: list[UUID], registered: tuple[str, bytes]) -> None:
    from bench.baseline_server import KEYS, TABLE

    topic, state = registered
    if store.backend == "sqlite":
        import sqlite3

        c = sqlite3.connect(store.var_dir / "baseline-http.sqlite", isolation_level=None)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute(f"CREATE TABLE {TABLE} (originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB, "
                  "PRIMARY KEY (originator_id, originator_version))")
        c.execute(f"CREATE TABLE {KEYS} (case_id TEXT PRIMARY KEY, wrapped BLOB, key_id TEXT NOT NULL, "
                  "created_at TEXT NOT NULL, destroyed_at TEXT)")
        c.execute("BEGIN")
        c.executemany(f"INSERT INTO {TABLE} VALUES (?,?,?,?)", [(i.hex, 1, topic, state) for i in ids])
        c.execute("COMMIT")
        c.close()
        return
    c = store.sql()
    c.execute(f"CREATE TABLE {TABLE} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text, "
              "state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))")
    c.execute(f"CREATE UNIQUE INDEX {TABLE}_nid ON {TABLE} (notification_id)")
    c.execute(f"CREATE TABLE {KEYS} (case_id uuid PRIMARY KEY, wrapped bytea, key_id text NOT NULL, "
              "created_at timestamptz NOT NULL, destroyed_at timestamptz)")
    with c.transaction(), c.cursor() as cur:
        cur.executemany(f"INSERT INTO {TABLE} (originator_id, originator_version, topic, state) VALUES (%s,%s,%s,%s)",
                        [(i, 1, topic, state) for i in ids])
    c.close()


_ = os
__all__ = ["run_http", "vm_hwm_kib"]
