"""`fengqiao` commands — The store: the calendar, the read models and the database schema."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from infrastructure import settings as configuration


def _calendar_load(args: argparse.Namespace) -> int:
    from domain.calendar import CalendarError, OfficialCalendar

    try:
        loaded = OfficialCalendar.from_json_bytes(Path(args.file).read_bytes())
    except (OSError, CalendarError) as e:
        print(f"fengqiao calendar load: {e}", file=sys.stderr)
        return 1
    from interfaces.runtime import build_runtime
    from projections.queries import provisional_cases

    runtime = build_runtime(configuration.load_settings(), with_http=False)
    try:
        runtime.reads.runner.catch_up()
        candidates = runtime.reads.query(provisional_cases)
        schedules = [loaded.schedule(year) for year in loaded.years]
        result = runtime.fengqiao.load_calendar_years(schedules, candidates=candidates)
    finally:
        runtime.close()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def _calendar_show(args: argparse.Namespace) -> int:
    from infrastructure.store import open_application

    app = open_application(configuration.load_settings())
    try:
        calendar = app.calendar()
    finally:
        app.close()
    print(json.dumps({"version": calendar.version, "years": list(calendar.years)}, indent=2))
    return 0


def _projections(args: argparse.Namespace) -> int:
    import signal
    import threading

    from interfaces.runtime import build_runtime

    runtime = build_runtime(configuration.load_settings(), with_http=False)
    try:
        runner = runtime.runner
        if args.projections_command == "status":
            print(json.dumps(runner.status(), indent=2))
            return 0
        if args.projections_command == "rebuild":
            try:
                positions = runner.rebuild([args.name] if args.name else None)
            except ValueError as e:
                print(f"fengqiao projections rebuild: {e}", file=sys.stderr)
                return 2
            print(json.dumps({"rebuilt": args.name or "all", "positions": positions}, indent=2))
            return 0
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        # Webhooks are `fengqiao deliveries run`'s (or serve's) to send: a worker of each kind.
        runtime.start_background(projections=True, scheduler=not args.no_scheduler, deliveries=False)
        logging.getLogger("fengqiao").info("projections running; SIGINT/SIGTERM to stop")
        stop.wait()
        return 0
    finally:
        runtime.close()


def _db_init(args: argparse.Namespace) -> int:
    from interfaces.runtime import build_runtime

    settings = configuration.load_settings()
    runtime = build_runtime(settings, with_http=False)  # creates every table and index it needs
    try:
        status = runtime.reads.runner.status()
    finally:
        runtime.close()
    print(json.dumps({"store": settings.store.kind, "ready": True, "head": status["head"]}, indent=2))
    return 0


def register(sub: Any) -> None:
    cal = sub.add_parser("calendar", help="the official working-day calendar")
    cal_sub = cal.add_subparsers(dest="calendar_command", required=True)
    load = cal_sub.add_parser("load", help="load holiday notices (same JSON form as the shipped file)")
    load.add_argument("file")
    load.set_defaults(run=_calendar_load)
    show = cal_sub.add_parser("show", help="print the calendar version and years")
    show.set_defaults(run=_calendar_show)

    proj = sub.add_parser("projections", help="the read models")
    proj_sub = proj.add_subparsers(dest="projections_command", required=True)
    run = proj_sub.add_parser("run", help="run the projections as a separate worker")
    run.add_argument("--no-scheduler", action="store_true", help="do not record missed deadlines from this worker")
    run.set_defaults(run=_projections)
    rebuild = proj_sub.add_parser("rebuild", help="rebuild read models from zero")
    rebuild.add_argument("name", nargs="?", choices=["cases", "timelines"])
    rebuild.set_defaults(run=_projections)
    status = proj_sub.add_parser("status", help="each read model's position and lag")
    status.set_defaults(run=_projections)

    db = sub.add_parser("db", help="the database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    init = db_sub.add_parser("init", help="create the schema on a fresh database (idempotent)")
    init.set_defaults(run=_db_init)
