"""The benchmark suite ("Benchmarks with ratios"): `python -m bench.run [--quick]`.

Every figure is a ratio to a baseline measured in the same run, in interleaved repetitions
(medians of ≥ 5), on SQLite and on PostgreSQL (a fresh schema per store, dropped afterwards).
Prints as it goes; writes bench/results/<date>-<host>.md and bench/results/latest.md.
Generated data goes under bench/results/tmp (git-ignored) and is deleted unless --keep.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import report
from bench.common import BACKENDS, TMP, Store, attempt, fresh_store, log

ALL = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9")


@dataclass(frozen=True)
class Sizes:
    small: int  # store S: B5/B6 main figures, B1/B2, B7's small point (and B4/B8's small point when quick)
    mid: int  # B4's store and B8's small point (full only)
    large: int  # B7's and B8's large point
    b1_cases: int
    b7_cases: int
    reads_per_rep: int
    timeline_per_rep: int
    http_1: int  # cases per client per rep, 1 client
    http_16: int  # cases per client per rep, 16 clients
    raw_idem: bool = True  # B1's informative raw+idem contender
    reps: int = 5
    b9_cases: int = 500  # cases (two events each) per burst
    b9_seconds: float = 10.0  # of registrations at 100 events/s for the latency


QUICK = Sizes(small=10_000, mid=10_000, large=100_000, b1_cases=200, b7_cases=40, reads_per_rep=5,
              timeline_per_rep=3, http_1=4, http_16=1, raw_idem=False, b9_cases=100, b9_seconds=3.0)
FULL = Sizes(small=10_000, mid=100_000, large=1_000_000, b1_cases=2000, b7_cases=100, reads_per_rep=20,
             timeline_per_rep=8, http_1=20, http_16=3)


def rebuild_in_subprocess(store: Store) -> dict[str, Any]:
    """B8: `python -m bench.worker rebuild` on this store; its own peak RSS."""
    out = subprocess.run([sys.executable, "-m", "bench.worker", "rebuild"], env=store.env(small_pool=True), capture_output=True,
                         text=True, check=False, cwd=str(Path(__file__).resolve().parent.parent))
    if out.returncode != 0:
        raise RuntimeError(f"rebuild worker failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def reads_runtime(settings: Any, app: Any) -> Any:
    """What build_runtime builds for HTTP, but on an application already open (one pool less)."""
    from interfaces.http.app import create_app
    from interfaces.runtime import Runtime, build_read_side, open_checkpoints

    reads = build_read_side(settings, app)
    checkpoints = open_checkpoints(settings)
    return Runtime(settings=settings, fengqiao=app, reads=reads, checkpoints=checkpoints,
                   http=create_app(settings, app, reads, checkpoints))


def _b8(backend: str, r: dict[str, Any], key: str, store: Any, events: int) -> None:
    w = attempt(backend, "B8 rebuild", lambda _i: rebuild_in_subprocess(store))
    r.setdefault("B8", {})[key] = w | {"events": events}
    log(f"  [{backend}] B8 rebuild of {events:,} events in a subprocess: peak RSS "
        f"{w['vm_hwm_kib'] / 1024:.0f} MB ({w['seconds']:.1f} s, {events / w['seconds']:,.0f} ev/s)")


def _populate(backend: str, tag: str, target: int) -> Any:
    from bench.scenario import populate

    def make(i: int) -> Any:
        return populate(backend, f"{tag}{i or ''}", target)

    return attempt(backend, f"store {tag}", make)


def _discard(p: Any, keep: bool) -> None:
    try:
        p.close()
    finally:
        if not keep:
            shutil.rmtree(p.store.var_dir, ignore_errors=True)
            try:
                p.store.drop()
            except Exception as e:  # noqa: BLE001 - dropped at exit instead
                log(f"  could not drop {p.store.schema} now ({e}); will retry at exit")


def _b9(backend: str, sizes: Sizes, r: dict[str, Any], keep: bool) -> None:
    from bench.b_webhooks import print_webhooks, run_webhooks

    log(f"[{backend}] B9: webhooks to a local receiver")

    def block(i: int) -> dict[str, Any]:
        h = fresh_store(backend, f"wh{i or ''}")
        try:
            return run_webhooks(h, sizes.reps, sizes.b9_cases, sizes.b9_seconds)
        finally:
            if not keep:
                h.drop()
                shutil.rmtree(h.var_dir, ignore_errors=True)

    r["B9"] = attempt(backend, "B9", block)
    print_webhooks(backend, r["B9"])


def run_backend(backend: str, sizes: Sizes, only: set[str], results: dict[str, Any], keep: bool) -> None:
    from bench.b_commands import growth_commands, print_commands, run_commands
    from bench.b_reads import Reads, measure, print_reads
    from bench.b_rebuild import ours_rebuild, print_rebuild, run_rebuild
    from bench.common import SECRET
    from bench.scenario import LONG_EVENTS

    r: dict[str, Any] = results.setdefault(backend, {})
    opened: list[Any] = []
    if backend == "postgres":
        from bench.common import wait_for_postgres

        if not wait_for_postgres(timeout=60, stable=10):
            log(f"[{backend}] the server is not up (or keeps restarting); trying anyway")
    quick_b4_on_s = sizes.mid == sizes.small
    need_reads = bool(only & {"B5", "B6", "B7"})
    need_s = bool(only & {"B1", "B2", "B5", "B6", "B7"}) or (quick_b4_on_s and bool(only & {"B4", "B8"}))
    need_l = bool(only & {"B7", "B8"}) or (not quick_b4_on_s and "B4" in only)
    try:
        s = big = None
        # --- store S (small) ---------------------------------------------------------------
        if need_s:
            log(f"[{backend}] store S: {sizes.small:,} events")
            s = _populate(backend, "s", sizes.small)
            opened.append(s)
            projected = False
            if "B4" in only and quick_b4_on_s:
                res = attempt(backend, "B4", lambda _i: run_rebuild(s.app, s.store, s.events, sizes.reps))
                print_rebuild(backend, res)
                r["B4"] = res
                projected = True
            if "B8" in only and quick_b4_on_s:
                _b8(backend, r, "rebuild_small", s.store, s.events)
                projected = True
            if need_reads and not projected:
                attempt(backend, "projections", lambda _i: ours_rebuild(s.app, s.store))
            r["events_S"] = s.events
        # --- store L (large) ---------------------------------------------------------------
        if need_l:
            first = sizes.large if quick_b4_on_s else sizes.mid
            log(f"[{backend}] store L: {first:,} events")
            big = _populate(backend, "l", first)
            opened.append(big)
            if not quick_b4_on_s:
                if "B4" in only:
                    res = attempt(backend, "B4", lambda _i: run_rebuild(big.app, big.store, big.events, sizes.reps))
                    print_rebuild(backend, res)
                    r["B4"] = res
                if "B8" in only:
                    _b8(backend, r, "rebuild_small", big.store, big.events)
                if only & {"B7", "B8"}:
                    secs = attempt(backend, "growing L", lambda _i: big.grow(sizes.large))
                    log(f"  [{backend}] store L grown to {big.events:,} events in {secs:.0f} s")
            if only & {"B7", "B8"}:
                if "B8" in only:
                    _b8(backend, r, "rebuild_large", big.store, big.events)
                else:
                    attempt(backend, "projections", lambda _i: ours_rebuild(big.app, big.store))
            r["events_L"] = big.events
        # --- B5, B6 (and B7's read points) -------------------------------------------------
        if need_reads and s is not None:
            with_l = "B7" in only and big is not None

            def reads_block(_i: int) -> None:
                rt_s = reads_runtime(s.store.settings, s.app)
                rt_l = reads_runtime(big.store.settings, big.app) if with_l else None
                reads_s = Reads(rt_s, SECRET)
                reads_l = Reads(rt_l, SECRET) if rt_l is not None else None
                try:
                    if only & {"B5", "B7"}:
                        c: dict[str, Any] = {"ours": reads_s.ours_queue, "baseline": reads_s.base_queue}
                        if reads_l is not None:
                            c["ours@L"] = reads_l.ours_queue
                        r["B5_queue"] = measure(c, sizes.reps, sizes.reads_per_rep)
                        print_reads(backend, "B5 queue (100 cases)", r["B5_queue"])
                        n_s = s.queue_cases[len(s.queue_cases) // 2]
                        c = {"ours": lambda: reads_s.ours_dispute(n_s), "baseline": lambda: reads_s.base_dispute(n_s)}
                        if reads_l is not None:
                            n_l = big.queue_cases[len(big.queue_cases) // 2]
                            c["ours@L"] = lambda: reads_l.ours_dispute(n_l)
                        r["B5_dispute"] = measure(c, sizes.reps, sizes.reads_per_rep * 3)
                        print_reads(backend, "B5 dispute", r["B5_dispute"])
                    if only & {"B6", "B7"}:
                        c = {"ours": lambda: reads_s.ours_timeline(s.long_case, LONG_EVENTS),
                             "baseline": lambda: reads_s.base_timeline(s.long_case, LONG_EVENTS)}
                        if reads_l is not None:
                            c["ours@L"] = lambda: reads_l.ours_timeline(big.long_case, LONG_EVENTS)
                        r["B6"] = measure(c, sizes.reps, sizes.timeline_per_rep, warmup=1)
                        print_reads(backend, "B6 timeline (1,000 events)", r["B6"])
                finally:
                    reads_s.close()
                    rt_s.reads.close()
                    if reads_l is not None and rt_l is not None:
                        reads_l.close()
                        rt_l.reads.close()

            attempt(backend, "B5/B6", reads_block)
            if with_l:
                for key, label in (("B5_queue", "queue"), ("B5_dispute", "dispute"), ("B6", "timeline")):
                    if key in r:
                        p50, cpu = r[key]["p50"], r[key]["cpu_p50"]
                        log(f"  [{backend}] B7 {label}: {s.events:,} → {big.events:,} events: p50 "
                            f"{p50['ours'] * 1000:.2f} → {p50['ours@L'] * 1000:.2f} ms = {p50['ours@L'] / p50['ours']:.2f}× "
                            f"(cpu {cpu['ours@L'] / cpu['ours']:.2f}×)")
        # --- B7's command point --------------------------------------------------------------
        if "B7" in only and s is not None and big is not None:
            res = attempt(backend, "B7", lambda i: growth_commands(
                {"S": (s.app, s.factory), "L": (big.app, big.factory)}, sizes.b7_cases, sizes.reps, f"b7-{i}"))
            r["B7_commands"] = res
            log(f"  [{backend}] B7 command: {s.events:,} → {big.events:,} events: {res['S']['per_command'] * 1e6:.0f} → "
                f"{res['L']['per_command'] * 1e6:.0f} µs = {res['L']['per_command'] / res['S']['per_command']:.2f}× "
                f"(cpu {res['L']['cpu_per_command'] / res['S']['cpu_per_command']:.2f}×)")
        if big is not None:
            opened.remove(big)
            _discard(big, keep)
        # --- B1, B2 ----------------------------------------------------------------------------
        if only & {"B1", "B2"} and s is not None:
            log(f"[{backend}] B1/B2: {sizes.b1_cases:,} cases × 6 commands")
            res = attempt(backend, "B1/B2", lambda i: run_commands(
                s.store, s.app, s.factory, sizes.b1_cases, sizes.reps, plain="B2" in only,
                with_raw_idem=sizes.raw_idem, tag=f"b1x{i}"))
            print_commands(backend, res)
            r["B1"] = res
        if s is not None:
            opened.remove(s)
            _discard(s, keep)
        # --- B3 (and B8's serve point) ---------------------------------------------------------
        if only & {"B3", "B8"}:
            from bench.b_http import run_http

            log(f"[{backend}] B3: REST over HTTP")

            def http_block(i: int) -> dict[str, Any]:
                h = fresh_store(backend, f"http{i or ''}")
                try:
                    return run_http(h, sizes.reps, sizes.http_1, sizes.http_16, h.var_dir)
                finally:
                    if not keep:
                        h.drop()
                        shutil.rmtree(h.var_dir, ignore_errors=True)

            res = attempt(backend, "B3", http_block)
            r["B3"] = res
            r.setdefault("B8", {})["serve_vm_hwm_kib"] = res["serve_vm_hwm_kib"]
        if "B9" in only:
            _b9(backend, sizes, r, keep)
    except Exception as e:  # noqa: BLE001 - report it and go on with the other backend
        r["error"] = f"{type(e).__name__}: {e}"
        log(f"[{backend}] FAILED: {r['error']}")
        traceback.print_exc()
    finally:
        for p in opened:
            try:
                _discard(p, keep)
            except Exception:  # noqa: BLE001
                traceback.print_exc()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (< 2 minutes)")
    ap.add_argument("--backends", default=",".join(BACKENDS), help="sqlite,postgres")
    ap.add_argument("--only", default=",".join(ALL), help="B1,...,B9")
    ap.add_argument("--keep", action="store_true", help="keep the generated stores (under bench/results/tmp)")
    ap.add_argument("--no-write", action="store_true", help="do not write bench/results/*.md")
    args = ap.parse_args(argv)
    import logging
    import signal

    # Terminated: unwind (stop the servers, drop the schemas) instead of dying on the spot.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    logging.getLogger("httpx").setLevel(logging.WARNING)  # TestClient logs every request at INFO
    sizes = QUICK if args.quick else FULL
    only = {x.strip().upper() for x in args.only.split(",") if x.strip()}
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    TMP.mkdir(parents=True, exist_ok=True)
    info = report.machine_info()
    log(f"Fengqiao benchmarks ({'quick' if args.quick else 'full'}) on {info['host']}: {info['nproc']} cores, "
        f"{info['memory']}, {info['cpu']}; load average {info['load_start']}")
    results: dict[str, Any] = {}
    t0 = time.perf_counter()
    for backend in backends:
        log(f"== {backend} ==")
        run_backend(backend, sizes, only, results, args.keep)
    info["load_end"] = report.load_average()
    info["seconds"] = time.perf_counter() - t0
    text = report.render(results, info, sizes, quick=args.quick, only=only)
    log("")
    log(text)
    if not args.no_write:
        paths = report.write(text, info, quick=args.quick)
        log("written: " + ", ".join(str(p) for p in paths))
    log(f"total {info['seconds']:.0f} s")
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
