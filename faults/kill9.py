"""1. kill -9 of the server (serve --workers 2) and of the projections worker, under writers.

N cycles: writers register cases and drive them with Idempotency-Key headers; at a random moment
the server's process group and the projections worker are killed with SIGKILL and started again.
Every writer retries an unacknowledged command with the same key and body until it is
acknowledged. Afterwards the ledger is checked against the event store.
"""

from __future__ import annotations

import random
import time
import uuid
from pathlib import Path
from typing import Any

from faults.harness import (
    Ledger,
    PiiIndex,
    PiiScanner,
    Report,
    deployment,
    log,
    run_writers,
    stop_writers,
    verify_ledger,
    verify_read_models,
)

NAME = "kill -9"


def run(report: Report, workdir: Path, *, cycles: int = 20, writers: int = 20, load: tuple[float, float] = (1.5, 4.0),
        scanner: PiiScanner | None = None, pii: PiiIndex | None = None, name: str = NAME) -> dict[str, Any]:
    run_id = f"k9{uuid.uuid4().hex[:6]}"
    ledger = Ledger()
    restarts: list[float] = []
    with deployment(workdir) as dep:
        if scanner is not None and pii is None:
            pii = scanner.index
        threads, stop = run_writers(writers, dep, ledger, run_id, scanner=scanner, pii=pii)
        try:
            for cycle in range(cycles):
                time.sleep(random.uniform(*load))  # noqa: S311
                before = len(ledger.acked)
                dep.kill9()
                time.sleep(random.uniform(0.0, 0.5))  # noqa: S311
                restarts.append(dep.start_server())
                dep.start_projections()
                log(f"{name}: cycle {cycle + 1}/{cycles}: killed after {before} acknowledged commands; "
                    f"healthy again in {restarts[-1]:.1f}s")
            time.sleep(load[0])
        finally:
            problems = stop_writers(threads, stop)
        caught_up = dep.wait_caught_up(180)
        figures = verify_ledger(dep, ledger, run_id)
        reads = verify_read_models(dep) if caught_up is not None else {"problems": ["projections did not catch up"]}
        ledger.write(workdir / "ledger.jsonl")
        exits = list(dep.unexpected_exits)

    report.add(name, "kill -9 cycles (server group + projections worker)", cycles)
    report.add(name, "writers", writers)
    report.add(name, "commands acknowledged", figures["acknowledged"])
    report.add(name, "registrations acknowledged", figures["registrations acknowledged"])
    report.add(name, "attempts sent", figures["attempts"])
    report.add(name, "restart to healthy, max s", f"{max(restarts, default=0):.1f}")
    report.check(name, "acknowledged commands missing from the store", len(figures["missing"]), 0)
    report.check(name, "duplicate registrations (one key, two cases)", len(figures["duplicate registrations"]), 0)
    report.check(name, "cases no acknowledged registration accounts for", len(figures["orphan cases"]), 0)
    report.check(name, "duplicate events (a command recorded twice)", len(figures["duplicate events"]), 0)
    report.add(name, "commands with unacknowledged attempts", figures["retried"])
    report.check(name, "unacknowledged commands resolved by their retry",
                 f"{figures['retried resolved']}/{figures['retried']}", f"{figures['retried']}/{figures['retried']}")
    report.add(name, "of which an earlier attempt had landed (answered from the key)",
               figures["retried whose earlier attempt had landed"])
    report.check(name, "commands never acknowledged", len(figures["unresolved"]), 0)
    report.check(name, "500 answers", len(ledger.server_errors), 0)
    report.check(name, "unexpected answers (4xx other than in_progress)", len(ledger.unexpected), 0)
    report.check(name, "writer problems", len(problems), 0)
    report.check(name, "read models consistent with the store afterwards", len(reads["problems"]), 0)
    report.add(name, "processes that exited on their own (restarted as a supervisor would)", len(exits))
    report.add(name, "answers by code", dict(sorted(ledger.codes.items())))
    report.detail(name, figures["missing"] + list(map(str, figures["duplicate registrations"].items()))
                  + figures["orphan cases"] + figures["duplicate events"] + ledger.server_errors + ledger.unexpected
                  + problems + reads["problems"] + exits)
    return {"ledger": ledger, "figures": figures, "reads": reads, "problems": problems}
