"""The results table (markdown), with the machine and versions it was measured on."""

from __future__ import annotations

import os
import platform
import socket
import sqlite3
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.common import RESULTS, pg_conninfo

PACKAGES = ("eventsourcing", "litestar", "strawberry-graphql", "msgspec", "psycopg", "psycopg-pool", "uvicorn",
            "httptools", "anyio", "graphql-core")


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def _postgres_version() -> str:
    try:
        import psycopg

        with psycopg.connect(pg_conninfo(), connect_timeout=3) as c:
            row = c.execute("SHOW server_version").fetchone()
            sync = c.execute("SHOW synchronous_commit").fetchone()
            return f"{row[0] if row else '?'} (synchronous_commit={sync[0] if sync else '?'})"
    except Exception as e:  # noqa: BLE001
        return f"unavailable ({e})"


def _git() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        # Read-only git commands: which commit was measured, and whether the tree had changes.
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,  # noqa: S607
                              check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True,  # noqa: S607
                               check=False).stdout.strip()
        return f"{head}{' + uncommitted changes' if dirty else ''}"
    except OSError:
        return "?"


def machine_info() -> dict[str, Any]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "-"
    return {
        "host": socket.gethostname(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "memory": _memory(),
        "cpu": _cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": _postgres_version(),
        "versions": versions,
        "git": _git(),
        "load_start": load_average(),
    }


def _ms(s: float) -> str:
    ms = s * 1000
    return f"{ms:.0f} ms" if ms >= 100 else f"{ms:.1f} ms" if ms >= 10 else f"{ms:.2f} ms"


def _row(rows: list[list[str]], bench: str, what: str, backend: str, ours: str, base: str, ratio: float, target: str,
         ok: bool, cpu: float | None = None) -> None:
    rows.append([bench, what, backend, ours, base, f"{ratio:.2f}×", "" if cpu is None else f"{cpu:.2f}×", target,
                 "met" if ok else "**missed**"])


def table_rows(results: dict[str, Any]) -> list[list[str]]:
    rows: list[list[str]] = []
    for backend, r in results.items():
        if "B1" in r:
            pc = r["B1"]["per_command"]
            x = pc["ours"] / pc["raw"]
            cpu = r["B1"].get("cpu_per_command", {})
            _row(rows, "B1", "lifecycle command in-process (mean per command)", backend, _ms(pc["ours"]),
                 f"{_ms(pc['raw'])} raw SQL" + (f"; {_ms(pc['raw+idem'])} raw+idem" if "raw+idem" in pc else ""),
                 x, "≤ 1.5×", x <= 1.5, cpu["ours"] / cpu["raw"] if cpu else None)
            if "plain" in pc:
                x = pc["plain"] / pc["ours"]
                _row(rows, "B2", "same vs eventsourcing defaults (speed-up)", backend, _ms(pc["ours"]),
                     f"{_ms(pc['plain'])} plain", x, "≥ 1.5× faster", x >= 1.5,
                     cpu["plain"] / cpu["ours"] if cpu else None)
        if "B3" in r:
            for conc in (1, 16):
                b = r["B3"].get(conc)
                if not b:
                    continue
                o, bl = b["ours"], b["base"]
                _row(rows, "B3", f"REST over HTTP, {conc} client(s) (time per rep; p50/p99)", backend,
                     f"{_ms(o['per_request'])}/req; {_ms(o['p50'])}/{_ms(o['p99'])}",
                     f"{_ms(bl['per_request'])}/req; {_ms(bl['p50'])}/{_ms(bl['p99'])}", b["ratio"], "≤ 2×", b["ratio"] <= 2)
                reg = b.get("register")
                if reg:
                    o, bl = reg["ours"], reg["base"]
                    _row(rows, "B3", f"registration over HTTP, {conc} client(s) (time per rep; p50/p99)", backend,
                         f"{_ms(o['per_request'])}/req; {_ms(o['p50'])}/{_ms(o['p99'])}",
                         f"{_ms(bl['per_request'])}/req; {_ms(bl['p50'])}/{_ms(bl['p99'])}", reg["ratio"], "≤ 2×",
                         reg["ratio"] <= 2)
        if "B4" in r:
            b = r["B4"]
            _row(rows, "B4", f"rebuild read models, {b['events']:,} events (rate)", backend,
                 f"{b['ours_rate']:,.0f} ev/s", f"{b['raw_rate']:,.0f} ev/s raw", b["ratio"], "≥ 0.5×", b["ratio"] >= 0.5,
                 b.get("cpu_ratio"))
        for key, what, limit in (("B5_queue", "GraphQL queue(unit, kind), 100 cases (p50)", 2.0),
                                 ("B5_dispute", "GraphQL dispute(caseNumber) (p50)", 2.0),
                                 ("B6", "GraphQL timeline, 1,000 events (p50)", 3.0)):
            if key in r:
                p50, cpu = r[key]["p50"], r[key]["cpu_p50"]
                x = p50["ours"] / p50["baseline"]
                _row(rows, key[:2], what, backend, _ms(p50["ours"]), f"{_ms(p50['baseline'])} msgspec endpoint", x,
                     f"≤ {limit:g}×", x <= limit, cpu["ours"] / cpu["baseline"])
        s_ev, l_ev = r.get("events_S"), r.get("events_L")
        if "B7_commands" in r:
            b = r["B7_commands"]
            x = b["L"]["per_command"] / b["S"]["per_command"]
            _row(rows, "B7", f"growth: B1 command, {s_ev:,} → {l_ev:,} events", backend, _ms(b["L"]["per_command"]),
                 _ms(b["S"]["per_command"]), x, "≤ 1.5×", x <= 1.5,
                 b["L"]["cpu_per_command"] / b["S"]["cpu_per_command"] if "cpu_per_command" in b["L"] else None)
        for key, label in (("B5_queue", "B5 queue"), ("B5_dispute", "B5 dispute"), ("B6", "B6 timeline")):
            if key in r and "ours@L" in r[key]["p50"]:
                p50, cpu = r[key]["p50"], r[key]["cpu_p50"]
                x = p50["ours@L"] / p50["ours"]
                _row(rows, "B7", f"growth: {label}, {s_ev:,} → {l_ev:,} events (p50)", backend, _ms(p50["ours@L"]),
                     _ms(p50["ours"]), x, "≤ 1.5×", x <= 1.5, cpu["ours@L"] / cpu["ours"])
        if "B9" in r:
            rate, lat = r["B9"]["rate"], r["B9"]["latency"]
            _row(rows, "B9", "webhooks delivered to a local receiver (rate)", backend, f"{rate['ours']:,.0f} ev/s",
                 f"{rate['base']:,.0f} ev/s plain POST loop", rate["ratio"], "≥ 0.5×", rate["ratio"] >= 0.5)
            _row(rows, "B9", "commit → receipt at 100 events/s (p50/p99)", backend,
                 f"{_ms(lat['p50'])}/{_ms(lat['p99'])}", "1 s", lat["p99"], "p99 ≤ 1 s", lat["p99"] <= 1.0)
        b8 = r.get("B8", {})
        if "serve_vm_hwm_kib" in b8:
            mb = b8["serve_vm_hwm_kib"] / 1024
            _row(rows, "B8", "peak RSS of `fengqiao serve` during B3 (VmHWM)", backend, f"{mb:.0f} MB", "300 MB",
                 mb / 300, "≤ 300 MB", mb <= 300)
        if "rebuild_small" in b8 and "rebuild_large" in b8:
            a, c = b8["rebuild_small"], b8["rebuild_large"]
            x = c["vm_hwm_kib"] / a["vm_hwm_kib"]
            _row(rows, "B8", f"peak RSS of a rebuild, {a['events']:,} → {c['events']:,} events", backend,
                 f"{c['vm_hwm_kib'] / 1024:.0f} MB", f"{a['vm_hwm_kib'] / 1024:.0f} MB", x, "no growth (≤ 1.1×)", x <= 1.1)
        if "error" in r:
            rows.append(["-", f"error: {r['error']}", backend, "", "", "", "", "", "**failed**"])
    order = {f"B{i}": i for i in range(1, 9)} | {"-": 99}
    rows.sort(key=lambda row: (order.get(row[0], 50), row[2] != "sqlite"))
    return rows


def render(results: dict[str, Any], info: dict[str, Any], sizes: Any, *, quick: bool, only: set[str]) -> str:
    rows = table_rows(results)
    met = sum(1 for r in rows if r[-1] == "met")
    head = ["#", "benchmark", "store", "ours", "baseline", "ratio", "cpu ratio", "target", ""]
    lines = [
        f"# Fengqiao benchmarks — {info['date']} ({'quick' if quick else 'full'})",
        "",
        f"**{met} of {len(rows)} targets met.** Ratios come from interleaved repetitions within this run "
        f"(medians of {sizes.reps}); absolute times depend on the machine and on what else ran on it. Targets are "
        "judged on wall time (the ratio column). *cpu ratio*: the same comparison in this process's CPU time, which "
        "other load on the machine disturbs much less (for PostgreSQL it leaves out the server's work).",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" for _ in head) + "|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    events = {b: (r.get("events_S"), r.get("events_L")) for b, r in results.items()}
    v = info["versions"]
    lines += [
        "",
        "## Sizes",
        "",
        f"- B1/B2: {sizes.b1_cases:,} cases × 6 commands (transfer, sign for, progress, conclude, feedback, archive), each "
        f"with an Idempotency-Key, in {sizes.reps} interleaved reps; B3: 1 client × {sizes.http_1} cases and 16 clients × "
        f"{sizes.http_16} case(s) per rep; B7 command: {sizes.b7_cases} cases × 6 per store.",
        "- Stores (events): " + "; ".join(f"{b}: S {small or 0:,}, L {large or 0:,}" for b, (small, large) in events.items())
        + f"; B4 rebuilds {('S' if sizes.mid == sizes.small else 'L')} at {sizes.mid:,} events.",
        "",
        "## Machine",
        "",
        f"- host `{info['host']}`, {info['nproc']} cores ({info['cpu']}), {info['memory']} RAM, Linux {info['kernel']}",
        f"- load average {info['load_start']} at the start, {info.get('load_end', '?')} at the end "
        "(the machine is shared: other work runs alongside)",
        f"- Python {info['python']}, SQLite {info['sqlite']}, PostgreSQL {info['postgres']}",
        "- " + ", ".join(f"{k} {v[k]}" for k in v),
        f"- code: {info['git']}; run took {info.get('seconds', 0):.0f} s",
        "",
        "## What is compared",
        "",
        "- **B1** ours = `Fengqiao` use cases in-process: one store transaction per command that takes the case's "
        "turn (SQLite write lock; PostgreSQL advisory lock), reads the events after the state kept from the case's "
        "previous command, decides, and inserts the events and the idempotency key. raw = per command one transaction "
        "selecting the case's rows and inserting one row, through the same driver, on a table of the same layout, "
        "writing the same bytes. raw+idem (information only) adds an idempotency select and insert.",
        "- **B2** plain = the same lifecycle as an `eventsourcing` `Aggregate` with `@event` methods in a plain "
        "`Application` (default Mapper + JSONTranscoder, no snapshotting, default pool), idempotency the library way "
        "(a key aggregate saved in the same transaction).",
        "- **B3** `fengqiao serve` (subprocess; projections and scheduler running) vs a minimal Litestar endpoint doing "
        "B1's raw SQL in a worker thread (SQLite: one writer at a time behind a lock), same uvicorn settings; ratio of "
        "the wall time of a rep (same requests), the servers alternating at every step. Registration beside it (as many "
        "requests a rep): ours seals the personal data under a new per-case key; the baseline does the same inserts "
        "(the number stream's last row read, DisputeRegistered and CaseNumberIssued rows, a key row) in one transaction.",
        "- **B4** `ProjectionRunner.rebuild()` vs reading the events in pages of 500, decoding them with msgspec, and "
        "bulk-upserting the same rows (taken from ours) into tables of the same shape, a transaction per page.",
        "- **B5/B6** `/graphql` through Litestar's TestClient (bearer token, the whole app) vs a plain Litestar "
        "endpoint through the same client reading the same rows and encoding them with msgspec.",
        "- **B7** the same measurements on a small and a large store, interleaved.",
        "- **B8** VmHWM of the serve process after B3; VmHWM of `python -m bench.worker rebuild` (a process of its own).",
        "- **B9** a burst of queued webhooks (a registration and a transfer per case) sent by the delivery worker until "
        "a local receiver has all, against a loop POSTing the same signed bodies; then registrations at 100 events/s "
        "with the worker in its thread, commit to receipt (the p99 row's ratio column is the p99 in seconds).",
    ]
    if any("error" in r for r in results.values()):
        lines += ["", "## Errors", ""] + [f"- {b}: {r['error']}" for b, r in results.items() if "error" in r]
    _ = only
    return "\n".join(lines) + "\n"


def write(text: str, info: dict[str, Any], *, quick: bool) -> list[Path]:
    """bench/results/<date>-<host>.md (quick runs: <date>-<host>-quick.md) and latest.md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    dated = RESULTS / f"{stamp}-{info['host']}{'-quick' if quick else ''}.md"
    latest = RESULTS / "latest.md"
    dated.write_text(text)
    latest.write_text(text)
    return [dated, latest]
