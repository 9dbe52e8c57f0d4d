"""The `fengqiao` command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from domain.values import Role
from infrastructure.settings import ConfigurationError, load_settings

# Longer than the usual load balancer / client idle timeouts, so the server is never the one to
# close an idle keep-alive connection just as a client reuses it (which surfaces as a dropped request).
KEEP_ALIVE = 75


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from interfaces.runtime import build_runtime
    from interfaces.server import QuietServer

    if args.workers > 1:
        # Each worker process builds its own runtime; settings are read once here to fail fast.
        load_settings()
        os.environ["FENGQIAO_SERVE_PROJECTIONS"] = "0" if args.no_projections else "1"
        uvicorn.run(
            "interfaces.asgi:create",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=args.log_level,
            timeout_graceful_shutdown=10,
            timeout_keep_alive=KEEP_ALIVE,
        )
        return 0
    settings = load_settings()
    runtime = build_runtime(settings)
    runtime.start_background(projections=not args.no_projections, scheduler=not args.no_projections)
    config = uvicorn.Config(
        runtime.http,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        proxy_headers=False,
        timeout_graceful_shutdown=10,
        timeout_keep_alive=KEEP_ALIVE,
        lifespan="on",
    )
    server = QuietServer(config)
    try:
        server.run()
    finally:
        runtime.close()
    return 0


def _token_issue(args: argparse.Namespace) -> int:
    from infrastructure.coordination import schema_lock
    from infrastructure.store import open_application
    from interfaces.auth import UNIT_ROLES, issue_token

    settings = load_settings()
    try:
        role = Role(args.role)
    except ValueError:
        print("fengqiao: --role must be one of clerk, handler, taskforce, legal, auditor, integrator", file=sys.stderr)
        return 2
    if role in UNIT_ROLES and not args.unit:
        print(f"fengqiao: --role {role.value} needs --unit", file=sys.stderr)
        return 2
    if args.unit:
        with schema_lock(settings.store):
            app = open_application(settings)
        try:
            known = app.units()
        finally:
            app.close()
        if args.unit not in known:
            print(f"fengqiao: unknown unit {args.unit!r}; known: {', '.join(sorted(known))}", file=sys.stderr)
            return 2
    try:
        token = issue_token(settings.secret, subject=args.subject, role=role, unit=args.unit, ttl=args.ttl)
    except ValueError as e:
        print(f"fengqiao: {e}", file=sys.stderr)
        return 2
    print(token)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from infrastructure.store import open_application
    from interfaces.demo import DemoRefused, load_demo

    settings = load_settings()
    path = settings.store.sqlite_path
    # The var directory is ours to make; any other folder would be made wherever a typo points.
    if path is not None and not path.parent.is_dir() and path.parent.resolve() != settings.var_dir.resolve():
        print(f"fengqiao demo: the SQLite file {path} is in a directory that does not exist ({path.parent}); "
              "create it first, or point FENGQIAO_DATABASE_URL at a file in an existing directory", file=sys.stderr)
        return 2
    app = open_application(settings)
    try:
        summary = load_demo(app)
    except DemoRefused as e:
        print(f"fengqiao demo: {e}", file=sys.stderr)
        return 1
    finally:
        app.close()
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


def _calendar_load(args: argparse.Namespace) -> int:
    from domain.calendar import CalendarError, OfficialCalendar

    try:
        loaded = OfficialCalendar.from_json_bytes(Path(args.file).read_bytes())
    except (OSError, CalendarError) as e:
        print(f"fengqiao calendar load: {e}", file=sys.stderr)
        return 1
    from interfaces.runtime import build_runtime
    from projections.queries import provisional_cases

    runtime = build_runtime(load_settings(), with_http=False)
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

    app = open_application(load_settings())
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

    runtime = build_runtime(load_settings(), with_http=False)
    try:
        runner = runtime.reads.runner
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
        runtime.start_background(projections=True, scheduler=not args.no_scheduler)
        logging.getLogger("fengqiao").info("projections running; SIGINT/SIGTERM to stop")
        stop.wait()
        return 0
    finally:
        runtime.close()


def _checkpoint(args: argparse.Namespace) -> int:
    from application.audit.checkpoints import CheckpointError
    from application.audit.verification import verify_access_log
    from interfaces.runtime import build_runtime

    runtime = build_runtime(load_settings(), with_http=False)
    try:
        store = runtime.checkpoints
        if args.checkpoint_command == "verify":
            checkpoints = store.all()
            problems = [f"{b.sequence}->{a.sequence}: {p}" for b, a in zip(checkpoints, checkpoints[1:], strict=False)
                        for p in store.consistency(b, a)]
            problems += verify_access_log(runtime.reads.store, store)
            print(json.dumps({"checkpoints": len(checkpoints), "consistent": not problems, "problems": problems},
                             indent=2, ensure_ascii=False))
            return 0 if not problems else 1
        runtime.reads.runner.catch_up()
        made = store.create(runtime.reads.store, runtime.fengqiao.clock())
        latest = made or store.latest()
        print(json.dumps({"created": made is not None, "checkpoint": latest.manifest if latest else None},
                         indent=2, ensure_ascii=False))
        return 0
    except CheckpointError as e:
        print(f"fengqiao checkpoint: {e}", file=sys.stderr)
        return 1
    finally:
        runtime.close()


def _verify(args: argparse.Namespace) -> int:
    from application.audit.checkpoints import CheckpointError
    from application.audit.verification import verify_case, verify_every_case
    from domain.reference import dispute_id_for
    from interfaces.runtime import build_runtime

    if not args.all and not args.case_number:
        print("fengqiao verify: give a CASE_NUMBER or --all", file=sys.stderr)
        return 2
    runtime = build_runtime(load_settings(), with_http=False)
    try:
        runtime.reads.runner.catch_up()
        fengqiao, store, checkpoints = runtime.fengqiao, runtime.reads.store, runtime.checkpoints
        if args.all:
            results = verify_every_case(fengqiao, store, checkpoints)
        else:
            number = args.case_number.strip().upper()
            results = [(number, verify_case(fengqiao, store, checkpoints, dispute_id_for(number)))]
        reports = []
        for number, result in results:
            if result.events == 0 and result.checkpointed_version == 0 and not args.all:
                print(f"fengqiao verify: no case {number}", file=sys.stderr)
                return 2
            reports.append({"case_number": number, "valid": result.valid, "events": result.events,
                            "head_hash": result.head_hash, "first_invalid_sequence": result.first_invalid_sequence,
                            "problems": result.problems})
    except CheckpointError as e:
        print(f"fengqiao verify: {e}", file=sys.stderr)
        return 1
    finally:
        runtime.close()
    valid = all(r["valid"] for r in reports)
    print(json.dumps({"valid": valid, "cases": len(reports), "reports": reports if not args.all or not valid else
                      [r for r in reports if not r["valid"]]}, indent=2, ensure_ascii=False))
    return 0 if valid else 1


def _dossier(args: argparse.Namespace) -> int:
    from application.audit.checkpoints import CheckpointError
    from application.audit.dossier import DossierError
    from application.errors import DisputeNotFound, Forbidden
    from domain.values import Actor
    from interfaces.auth import ISSUABLE_ROLES, UNIT_ROLES
    from interfaces.dossier.bundle import write_dossier
    from interfaces.dossier.fonts import FontMissing, register_fonts
    from interfaces.runtime import build_runtime

    try:
        role = Role(args.as_role)
    except ValueError:
        role = None
    if role not in ISSUABLE_ROLES:
        print(f"fengqiao dossier: --as-role must be one of {', '.join(sorted(r.value for r in ISSUABLE_ROLES))}",
              file=sys.stderr)
        return 2
    if role in UNIT_ROLES and not args.unit:
        print(f"fengqiao dossier: --as-role {role.value} needs --unit", file=sys.stderr)
        return 2
    try:
        register_fonts()  # before opening anything: no font, no dossier
    except FontMissing as e:
        print(f"fengqiao dossier: {e}", file=sys.stderr)
        return 2
    actor = Actor(args.subject, role, args.unit)
    runtime = build_runtime(load_settings(), with_http=False)
    try:
        runtime.reads.runner.catch_up()
        dossier = write_dossier(runtime.fengqiao, runtime.reads, runtime.checkpoints, args.case_number, actor,
                                Path(args.out), reason=args.reason)
    except DisputeNotFound:
        print(f"fengqiao dossier: no case {args.case_number} within the reach of role {role.value}", file=sys.stderr)
        return 2
    except Forbidden as e:
        print(f"fengqiao dossier: {e}", file=sys.stderr)
        return 2
    except (DossierError, FontMissing, CheckpointError) as e:
        print(f"fengqiao dossier: {e}", file=sys.stderr)
        return 1
    finally:
        runtime.close()
    verification = dossier.verification
    print(json.dumps({"case_number": dossier.case_number, "dossier": str(dossier.directory),
                      "valid": verification["valid"], "events": verification["events"],
                      "head_hash": verification["head_hash"], "checkpoint_sequence": verification["checkpoint_sequence"],
                      "problems": verification["problems"]}, indent=2, ensure_ascii=False))
    return 0 if verification["valid"] else 1


def _verify_dossier(args: argparse.Namespace) -> int:
    from application.audit.offline import run

    return run(Path(args.path), Path(args.public_key) if args.public_key else None)


def _retention(args: argparse.Namespace) -> int:
    from interfaces import retention
    from interfaces.runtime import build_runtime

    runtime = build_runtime(load_settings(), with_http=False)
    try:
        if args.retention_command == "shred":
            return retention.shred(runtime.fengqiao, runtime.reads, args.archived_before, dry_run=args.dry_run)
        return retention.rewrap(runtime.fengqiao)
    finally:
        runtime.close()


def _keys_public(args: argparse.Namespace) -> int:
    from application.audit.checkpoints import public_key_pem

    print(public_key_pem(load_settings().signing_key), end="")
    return 0


def _db_init(args: argparse.Namespace) -> int:
    from interfaces.runtime import build_runtime

    settings = load_settings()
    runtime = build_runtime(settings, with_http=False)  # creates every table and index it needs
    try:
        status = runtime.reads.runner.status()
    finally:
        runtime.close()
    print(json.dumps({"store": settings.store.kind, "ready": True, "head": status["head"]}, indent=2))
    return 0


def _graphql_schema(args: argparse.Namespace) -> int:
    from interfaces.graphql.schema import build_schema

    print(build_schema(production=False).as_str())
    return 0


def _ledger(args: argparse.Namespace) -> int:
    from domain.values import Actor
    from interfaces.ledger import LedgerError, export_ledger, format_of, import_ledger, parse_day
    from interfaces.runtime import build_runtime

    if args.ledger_command == "export":
        try:
            start, end = parse_day(args.from_day), parse_day(args.to_day)
        except ValueError:
            print("fengqiao ledger export: --from and --to are dates like 2024-10-11", file=sys.stderr)
            return 2
        if end < start:
            print("fengqiao ledger export: --to is before --from", file=sys.stderr)
            return 2
    runtime = build_runtime(load_settings(), with_http=False)
    try:
        if args.ledger_command == "export":
            out = Path(args.out)
            actor = Actor(subject=args.subject, role=Role(args.as_role))
            try:
                summary = export_ledger(runtime, start=start, end=end, out=out, fmt=format_of(out, args.format), actor=actor)
            except (LedgerError, OSError) as e:
                print(f"fengqiao ledger export: {e}", file=sys.stderr)
                return 1
            print(json.dumps(summary, ensure_ascii=False, indent=2))
            return 0
        report = import_ledger(runtime, Path(args.file), unit=args.unit)
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 1 if report["errors"] else 0
    finally:
        runtime.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fengqiao", description="Social-insurance fee collection disputes, handled jointly.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP server (REST + GraphQL) and the projections")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--no-projections", action="store_true", help="leave projections to `fengqiao projections run`")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.set_defaults(run=_serve)

    token = sub.add_parser("token", help="bearer tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    issue = token_sub.add_parser("issue", help="print a signed bearer token")
    issue.add_argument("--subject", required=True)
    issue.add_argument("--role", required=True)
    issue.add_argument("--unit")
    issue.add_argument("--ttl", type=int, default=8 * 3600, help="seconds (default 8 hours)")
    issue.set_defaults(run=_token_issue)

    demo = sub.add_parser("demo", help="load realistic sample cases into an empty store")
    demo.set_defaults(run=_demo)

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

    cp = sub.add_parser("checkpoint", help="sign a checkpoint now (or verify that checkpoints extend each other)")
    cp.add_argument("checkpoint_command", nargs="?", choices=["create", "verify"], default="create")
    cp.set_defaults(run=_checkpoint)

    verify = sub.add_parser("verify", help="recompute case hash chains against the signed checkpoints")
    verify.add_argument("case_number", nargs="?")
    verify.add_argument("--all", action="store_true")
    verify.set_defaults(run=_verify)

    dossier = sub.add_parser("dossier", help="write a case's legal dossier (电子卷宗): PDF, events, signed checkpoint")
    dossier.add_argument("case_number")
    dossier.add_argument("--out", required=True, help="directory; the bundle goes to OUT/<case_number>/")
    dossier.add_argument("--as-role", default="legal", help="whose view of personal data (default legal: whole)")
    dossier.add_argument("--subject", default="cli", help="who takes the dossier (for the access log)")
    dossier.add_argument("--unit", help="the unit, for the clerk and handler roles")
    dossier.add_argument("--reason", help="why personal data are viewed whole (access log)")
    dossier.set_defaults(run=_dossier)

    verify_dossier = sub.add_parser("verify-dossier", help="verify a dossier bundle offline (no server, no database)")
    verify_dossier.add_argument("path", help="the bundle directory or a .zip of it")
    verify_dossier.add_argument("--public-key", help="the deployment's published public key (PEM) to trust")
    verify_dossier.set_defaults(run=_verify_dossier)

    keys = sub.add_parser("keys", help="the checkpoint signing key")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    public = keys_sub.add_parser("public", help="print the public key (PEM) that verifies checkpoints")
    public.set_defaults(run=_keys_public)

    keep = sub.add_parser("retention", help="personal data retention: crypto-shredding, case keys")
    keep_sub = keep.add_subparsers(dest="retention_command", required=True)
    shred = keep_sub.add_parser("shred", help="destroy the data keys of cases archived before DATE (recorded on each)")
    shred.add_argument("--archived-before", required=True, metavar="DATE", help="Asia/Shanghai date, exclusive")
    shred.add_argument("--dry-run", action="store_true", help="list the candidate cases, change nothing")
    shred.set_defaults(run=_retention)
    rewrap = keep_sub.add_parser("rewrap-keys", help="wrap every case key under the current FENGQIAO_DATA_KEY")
    rewrap.set_defaults(run=_retention)

    db = sub.add_parser("db", help="the database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    init = db_sub.add_parser("init", help="create the schema on a fresh database (idempotent)")
    init.set_defaults(run=_db_init)

    schema = sub.add_parser("graphql-schema", help="print the GraphQL schema (SDL)")
    schema.set_defaults(run=_graphql_schema)

    ledger = sub.add_parser("ledger", help="the intake ledger (台账): export to xlsx/csv, import historical cases")
    ledger_sub = ledger.add_subparsers(dest="ledger_command", required=True)
    export = ledger_sub.add_parser("export", help="one row per case received in the period (Asia/Shanghai dates)")
    export.add_argument("--from", dest="from_day", required=True, metavar="DATE", help="first intake day, inclusive")
    export.add_argument("--to", dest="to_day", required=True, metavar="DATE", help="last intake day, inclusive")
    export.add_argument("--format", choices=["xlsx", "csv"], help="default: from the --out suffix, else xlsx")
    export.add_argument("--out", required=True, metavar="FILE")
    export.add_argument("--as-role", choices=["legal", "auditor", "taskforce"], default="auditor",
                        help="legal: personal data whole (each view logged); auditor/taskforce: masked (default auditor)")
    export.add_argument("--subject", default="ledger-export", help="who exports, for the access log")
    export.set_defaults(run=_ledger)
    imp = ledger_sub.add_parser("import", help="record historical cases from a ledger file (all rows or none)")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--unit", help="accepting unit for rows without 受理单位; rows naming another unit are refused")
    imp.set_defaults(run=_ledger)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ConfigurationError as e:
        print(f"fengqiao: configuration: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
