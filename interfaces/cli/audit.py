"""`fengqiao` commands — Audit: checkpoints, chain verification and the legal dossier."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from domain.values import Role
from infrastructure import settings as configuration


def _checkpoint(args: argparse.Namespace) -> int:
    from application.audit.checkpoints import CheckpointError
    from application.audit.verification import verify_access_log
    from interfaces.runtime import build_runtime

    runtime = build_runtime(configuration.load_settings(), with_http=False)
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
    runtime = build_runtime(configuration.load_settings(), with_http=False)
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
    from application.privacy import PersonalDataUnavailable
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
    runtime = build_runtime(configuration.load_settings(), with_http=False)
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
    except (DossierError, FontMissing, CheckpointError, PersonalDataUnavailable) as e:
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


def _keys_public(args: argparse.Namespace) -> int:
    from application.audit.checkpoints import public_key_pem

    print(public_key_pem(configuration.load_settings().signing_key), end="")
    return 0


def register(sub: Any) -> None:
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
