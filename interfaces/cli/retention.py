"""`fengqiao` commands — Retention: crypto-shredding of archived cases, and rewrapping case keys
after a rotation of FENGQIAO_DATA_KEY. The rules (archived before the cut-off, no remedy window
open) are the domain's; this picks the candidates from the read models and reports."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time
from typing import Any

from application.audit.dossier import sync_read_models
from application.disputes import Fengqiao
from application.reads import ReadSide
from domain.calendar import SHANGHAI
from domain.values import Actor, Role
from infrastructure import settings as configuration
from projections import queries as q

RETENTION_ACTOR = Actor("retention", Role.SYSTEM)


def shred(fengqiao: Fengqiao, reads: ReadSide, archived_before: str, *, dry_run: bool = False) -> int:
    try:
        cut_off = date.fromisoformat(archived_before.strip())
    except ValueError:
        print(f"fengqiao retention shred: --archived-before: expected a date like 2020-01-01, got {archived_before!r}",
              file=sys.stderr)
        return 2
    if cut_off > fengqiao.clock().astimezone(SHANGHAI).date():
        print("fengqiao retention shred: --archived-before is in the future", file=sys.stderr)
        return 2
    sync_read_models(fengqiao, reads)
    start = datetime.combine(cut_off, time(0, 0), SHANGHAI).astimezone(UTC)
    candidates: list[str] = reads.query(q.received_before, start)
    if dry_run:
        print(json.dumps({"archived_before": cut_off.isoformat(), "candidates": candidates}, ensure_ascii=False, indent=2))
        return 0
    report = fengqiao.shred(candidates, cut_off, RETENTION_ACTOR)
    summary: dict[str, Any] = {
        "archived_before": cut_off.isoformat(),
        "shredded": report.shredded,
        "refused": report.refused,
    }
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


def rewrap(fengqiao: Fengqiao) -> int:
    count = fengqiao.rewrap_case_keys()
    print(json.dumps({"rewrapped": count, "key_id": fengqiao.privacy.key_id}, indent=2))
    return 0


def _retention(args: argparse.Namespace) -> int:
    from interfaces.runtime import build_runtime

    runtime = build_runtime(configuration.load_settings(), with_http=False)
    try:
        if args.retention_command == "shred":
            return shred(runtime.fengqiao, runtime.reads, args.archived_before, dry_run=args.dry_run)
        return rewrap(runtime.fengqiao)
    finally:
        runtime.close()


def register(sub: Any) -> None:
    keep = sub.add_parser("retention", help="personal data retention: crypto-shredding, case keys")
    keep_sub = keep.add_subparsers(dest="retention_command", required=True)
    shredding = keep_sub.add_parser("shred", help="destroy the data keys of cases archived before DATE (recorded on each)")
    shredding.add_argument("--archived-before", required=True, metavar="DATE", help="Asia/Shanghai date, exclusive")
    shredding.add_argument("--dry-run", action="store_true", help="list the candidate cases, change nothing")
    shredding.set_defaults(run=_retention)
    rewrapping = keep_sub.add_parser("rewrap-keys", help="wrap every case key under the current FENGQIAO_DATA_KEY")
    rewrapping.set_defaults(run=_retention)
