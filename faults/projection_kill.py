"""3. The projections worker killed (kill -9) at random points while writers write.

Afterwards the read models must be exactly what a rebuild from zero makes: rm_cases and
rm_timeline are dumped in primary-key order (PostgreSQL COPY text, so equal bytes mean equal
rows), `fengqiao projections rebuild` replays the event store into the same tables, and they are
dumped again and compared byte for byte. Nothing may be applied twice: timeline versions are
1..n per case, n = the case's events in the store.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from pathlib import Path
from typing import Any

from faults.harness import (
    Ledger,
    PiiScanner,
    Report,
    deployment,
    log,
    run_writers,
    stop_writers,
    verify_read_models,
)

NAME = "projection worker kill -9"
TABLES = {"rm_cases": "id", "rm_timeline": "case_id, version"}


def _first_difference(before: bytes, after: bytes) -> str:
    a, b = before.splitlines(), after.splitlines()
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"line {i + 1}:\n  before {x[:400]!r}\n  after  {y[:400]!r}"
    return f"{len(a)} lines before, {len(b)} after"


def run(report: Report, workdir: Path, *, kills: int = 30, writers: int = 10,
        scanner: PiiScanner | None = None) -> dict[str, Any]:
    run_id = f"pk{uuid.uuid4().hex[:6]}"
    ledger = Ledger()
    lags: list[int] = []
    with deployment(workdir) as dep:
        threads, stop = run_writers(writers, dep, ledger, run_id, scanner=scanner,
                                    pii=scanner.index if scanner else None)
        try:
            time.sleep(1.0)
            for n in range(kills):
                time.sleep(random.uniform(0.1, 1.5))  # noqa: S311 - a random point
                try:
                    lag = dep.head() - min(dep.tracking().values())
                except Exception:  # noqa: BLE001 - informational only
                    lag = -1
                lags.append(lag)
                dep.projections.kill9()
                time.sleep(random.uniform(0.0, 0.3))  # noqa: S311
                dep.start_projections()
                if (n + 1) % 10 == 0:
                    log(f"{NAME}: {n + 1}/{kills} kills")
            time.sleep(1.0)
        finally:
            problems = stop_writers(threads, stop)
        caught = dep.wait_caught_up(180)
        exits = list(dep.unexpected_exits)
        consistency = verify_read_models(dep)
        dep.projections.stop()
        positions = dep.tracking()
        before = {t: dep.dump(t, o) for t, o in TABLES.items()}
        started = time.monotonic()
        rebuilt = dep.cli("projections", "rebuild")
        rebuild_seconds = time.monotonic() - started
        after = {t: dep.dump(t, o) for t, o in TABLES.items()}
        positions_after = dep.tracking()
        for t in TABLES:
            (workdir / f"{t}.before.copy").write_bytes(before[t])
            (workdir / f"{t}.rebuilt.copy").write_bytes(after[t])

    name = NAME
    report.add(name, "kill -9 of the projections worker", kills)
    report.add(name, "kills with events waiting (lag > 0 at the kill)", sum(1 for x in lags if x > 0))
    report.add(name, "commands acknowledged meanwhile", len(ledger.acked))
    report.add(name, "processes that exited on their own (restarted as a supervisor would)", len(exits))
    report.check(name, "caught up afterwards", caught is not None, True)
    report.check(name, "timeline/case rows double-applied or missing", len(consistency["problems"]), 0)
    report.add(name, "cases / timeline rows", f"{consistency.get('cases')} / {consistency.get('timeline rows')}")
    report.check(name, "fengqiao projections rebuild exit status", rebuilt.returncode, 0)
    report.add(name, "rebuild from zero, s", f"{rebuild_seconds:.1f}")
    details = []
    for t in TABLES:
        same = before[t] == after[t]
        digest = hashlib.sha256(before[t]).hexdigest()[:16]
        report.check(name, f"{t} byte-identical to a rebuild from zero ({len(before[t])} bytes, sha256 {digest}…)",
                     same, True)
        if not same:
            details.append(f"{t}: {_first_difference(before[t], after[t])}")
    report.check(name, "tracking positions equal after the rebuild", positions == positions_after, True)
    report.check(name, "writer problems", len(problems) + len(ledger.server_errors) + len(ledger.unexpected), 0)
    report.detail(name, exits + details + consistency["problems"] + problems + ledger.server_errors + ledger.unexpected
                  + ([rebuilt.stderr[-2000:]] if rebuilt.returncode else []))
    return {"same": all(before[t] == after[t] for t in TABLES)}
