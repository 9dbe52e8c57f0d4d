"""`python -m faults.launch ARGS…` = `fengqiao ARGS…`, with the projections' advisory lock scoped.

Used only when the product does not scope the lock itself (harness.product_scopes_lock()). The
product took one PostgreSQL advisory lock, with a fixed key, for "the" projection runner of
a database (infrastructure/coordination.py LOCK_KEY). Advisory locks are per database, not per
schema, so a runner in another schema of the same database (another test run, another
deployment) keeps ours standing by for as long as it lives, and our read models never move. That
is reported as a bug; until it is fixed the suite runs its projection workers through this
launcher, which gives PostgresLeadership a key derived from FENGQIAO_PG_SCHEMA (the fix it
suggests) and changes nothing else. FAULTS_REAL_LOCK=1 runs the unmodified entry point instead.
"""

from __future__ import annotations

import os
import sys
import zlib


def schema_lock_key(schema: str, base: int = 0x46514A50) -> int:
    """A signed 64-bit advisory-lock key for one schema."""
    return (zlib.crc32(schema.encode()) << 31) ^ base


def main() -> int:
    if os.environ.get("FAULTS_REAL_LOCK") != "1":
        from infrastructure import coordination

        key = schema_lock_key(os.environ.get("FENGQIAO_PG_SCHEMA", "") or "public", coordination.LOCK_KEY)
        coordination.PostgresLeadership.__init__.__defaults__ = (key,)
    from interfaces.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
