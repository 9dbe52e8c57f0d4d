"""The long fault and security suite: `python -m faults.run` (`make faults`).

Prints each figure as it is measured, then a summary table, and writes the table to
faults/results/latest.md. Exit status 0 when every checked figure holds, 1 otherwise, 2 when
PostgreSQL does not answer. PostgreSQL is restarted only by the `pg` scenario and is left running.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from faults import coordination, harness, kill9, listen, pg_restart, projection_kill, race, security, webhooks
from faults.harness import PiiIndex, PiiScanner, Report, ensure_pg_running, log, pg_connect, pg_problem

RESULTS = Path(__file__).resolve().parent / "results"
SCENARIOS = ["kill9", "pg", "projections", "listen", "race", "security", "leadership", "webhooks"]


def _git_revision() -> str:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=harness.ROOT, capture_output=True,  # noqa: S607
                              text=True, timeout=10, check=False)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=harness.ROOT, capture_output=True,  # noqa: S607
                               text=True, timeout=10, check=False)
        return done.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faults.run", description=__doc__)
    parser.add_argument("--only", default=",".join(SCENARIOS), help=f"comma-separated subset of {','.join(SCENARIOS)}")
    parser.add_argument("--cycles", type=int, default=20, help="kill -9 cycles of the server (default 20)")
    parser.add_argument("--writers", type=int, default=20, help="concurrent writers (default 20)")
    parser.add_argument("--restarts", type=int, default=10, help="PostgreSQL restarts (default 10)")
    parser.add_argument("--kills", type=int, default=30, help="kill -9 of the projections worker (default 30)")
    parser.add_argument("--terminations", type=int, default=20, help="LISTEN connections terminated (default 20)")
    parser.add_argument("--webhook-kills", type=int, default=20, help="kill -9 of the delivery worker (default 20)")
    parser.add_argument("--clients", type=int, default=50, help="clients racing on one case (default 50)")
    parser.add_argument("--fuzz-examples", type=int, default=25, help="examples per operation and mode (default 25)")
    parser.add_argument("--no-dossier", action="store_true", help="leave the dossier download out of the matrix")
    parser.add_argument("--workdir", type=Path, default=RESULTS / "work", help="process logs, ledgers, dumps")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.md")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")

    problem = pg_problem()
    if problem is not None:
        print(f"faults: PostgreSQL does not answer at {harness.PG_URL}: {problem}", file=sys.stderr)
        return 2
    if args.workdir.exists():
        shutil.rmtree(args.workdir)
    args.workdir.mkdir(parents=True)
    with pg_connect() as conn:
        row = conn.execute("SHOW server_version").fetchone()
        pg_version = row[0] if row else "?"

    report = Report()
    scanner = PiiScanner(PiiIndex())
    started_all = time.monotonic()
    started_at = datetime.now(UTC)

    def timed(key: str, fn: object) -> None:
        log(f"=== {key}")
        started = time.monotonic()
        try:
            fn()  # type: ignore[operator]
        except Exception as e:  # noqa: BLE001 - one scenario's crash is a figure, not the end of the run
            report.add(key, "scenario crashed", f"{type(e).__name__}: {e}", "no crash", False)
            import traceback

            report.detail(key, traceback.format_exc().splitlines()[-30:])
        finally:
            report.timings[key] = time.monotonic() - started

    w = args.workdir
    try:
        if "kill9" in chosen:
            timed("kill -9", lambda: kill9.run(report, w / "kill9", cycles=args.cycles, writers=args.writers,
                                               scanner=scanner))
        if "pg" in chosen:
            timed("PostgreSQL restart", lambda: pg_restart.run(report, w / "pg", restarts=args.restarts,
                                                               writers=args.writers, scanner=scanner))
        if "projections" in chosen:
            timed("projection worker kill -9", lambda: projection_kill.run(report, w / "projections", kills=args.kills,
                                                                           scanner=scanner))
        if "listen" in chosen:
            timed("LISTEN terminated", lambda: listen.run(report, w / "listen", terminations=args.terminations,
                                                          scanner=scanner))
        if "race" in chosen:
            timed("50-client race", lambda: race.run(report, w / "race", clients=args.clients, rounds=4))
        if "security" in chosen:
            timed("security", lambda: security.run(report, w / "security", scanner, dossier=not args.no_dossier,
                                                   fuzz_examples=args.fuzz_examples))
        if "leadership" in chosen:
            timed("projections leadership", lambda: coordination.run(report, w / "leadership"))
        if "webhooks" in chosen:
            timed("webhooks", lambda: webhooks.run(report, w / "webhooks", kills=args.webhook_kills,
                                                         pg_restarts=2, scanner=scanner))
    finally:
        ensure_pg_running()
    security.pii_figures(report, scanner, sorted(w.rglob("*.log")))
    total = time.monotonic() - started_all
    report.timings["total"] = total

    preamble = "\n".join([
        f"Run {started_at:%Y-%m-%d %H:%M} UTC, {total / 60:.1f} min, revision {_git_revision()}, "
        f"PostgreSQL {pg_version} at {harness.PG_URL}, {platform.node()} ({os.cpu_count()} CPUs).",
        "",
        f"Scenarios: {', '.join(chosen)}. Deployments: `fengqiao serve --workers 2 --no-projections` + "
        "`fengqiao projections run`, one fresh schema each (dropped afterwards), pools "
        f"{os.environ.get('FAULTS_PG_POOL_SIZE', '4')}+{os.environ.get('FAULTS_PG_MAX_OVERFLOW', '4')} per process.",
        ("The product scopes the projections advisory lock to the schema: the workers run unmodified."
         if harness.product_scopes_lock() else
         "The projections worker runs through `faults/launch.py`, which scopes the advisory-lock key to the "
         "schema (see the 'projections leadership' figure; FAULTS_REAL_LOCK=1 runs it unmodified)."),
        "",
        f"**{len(report.failed)} checked figure(s) failed.**" if report.failed else "**Every checked figure holds.**",
    ])
    markdown = report.markdown("Fault and security suite", preamble)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown + "\n")
    print()
    print(markdown)
    print(f"\nwritten to {args.out}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
