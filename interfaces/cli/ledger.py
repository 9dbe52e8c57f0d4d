"""`fengqiao` commands — The intake ledger (台账)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from domain.values import Role
from infrastructure import settings as configuration


def _ledger(args: argparse.Namespace) -> int:
    from application.privacy import PersonalDataUnavailable
    from domain.values import Actor
    from interfaces.ledger import LedgerError, Limits, export_ledger, format_of, import_ledger, parse_day
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
    runtime = build_runtime(configuration.load_settings(), with_http=False)
    try:
        if args.ledger_command == "export":
            out = Path(args.out)
            actor = Actor(subject=args.subject, role=Role(args.as_role))
            try:
                summary = export_ledger(runtime, start=start, end=end, out=out, fmt=format_of(out, args.format), actor=actor)
            except (LedgerError, OSError, PersonalDataUnavailable) as e:
                print(f"fengqiao ledger export: {e}", file=sys.stderr)
                return 1
            print(json.dumps(summary, ensure_ascii=False, indent=2))
            return 0
        limits = Limits(runtime.settings.ledger_max_bytes, runtime.settings.ledger_max_rows)
        report = import_ledger(runtime, Path(args.file), unit=args.unit, limits=limits)
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 1 if report["errors"] else 0
    finally:
        runtime.close()


def register(sub: Any) -> None:
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
