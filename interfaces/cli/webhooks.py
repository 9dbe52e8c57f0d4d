"""`fengqiao deliveries`: the webhook delivery worker (`run`), its figures (`status`) and
resending the dead letters (`replay`)."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
from typing import Any

from infrastructure import settings as configuration


def _deliveries(args: argparse.Namespace) -> int:
    from interfaces.runtime import build_runtime

    runtime = build_runtime(configuration.load_settings(), with_http=False)
    try:
        worker = runtime.deliveries
        assert worker is not None
        if args.deliveries_command == "status":
            print(json.dumps(worker.status(delivered=True), indent=2))
            return 0
        if args.deliveries_command == "replay":
            count = worker.replay(args.subscription)
            print(json.dumps({"replayed": count, "subscription": args.subscription or "all"}, indent=2))
            return 0
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        runtime.start_background(projections=False, scheduler=False, deliveries=True)
        logging.getLogger("fengqiao").info("webhook deliveries running (one worker sends, others stand by); SIGINT/SIGTERM to stop")
        stop.wait()
        return 0
    finally:
        runtime.close()


def register(sub: Any) -> None:
    deliveries = sub.add_parser("deliveries", help="webhook deliveries")
    dsub = deliveries.add_subparsers(dest="deliveries_command", required=True)
    run = dsub.add_parser("run", help="run the delivery worker (two or more: one sends, the others stand by)")
    run.set_defaults(run=_deliveries)
    status = dsub.add_parser("status", help="scan position, lag, and deliveries pending, delivered and dead")
    status.set_defaults(run=_deliveries)
    replay = dsub.add_parser("replay", help="send the dead letters again, from a fresh retry schedule")
    replay.add_argument("--subscription", help="only this subscription's (its id)")
    replay.set_defaults(run=_deliveries)
