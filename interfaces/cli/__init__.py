"""The `fengqiao` command: one module per group of subcommands, each adding its own parsers."""

from __future__ import annotations

import argparse
import logging
import sys

from infrastructure.settings import ConfigurationError
from interfaces.cli import audit, ledger, retention, serve, store, webhooks


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fengqiao", description="Social-insurance fee collection disputes, handled jointly.")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in (serve, store, audit, ledger, retention, webhooks):
        group.register(sub)
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


if __name__ == "__main__":
    sys.exit(main())
