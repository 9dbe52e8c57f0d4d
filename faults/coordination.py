"""Projection leadership on a shared database: is the advisory lock scoped to the deployment's schema?

Two deployments in two schemas of one database are two independent systems, and each needs its
projections run. The product's runner takes `pg_try_advisory_lock(0x46514A50)`, one key per
database. Here a connection standing in for "the runner of another schema" holds that key (or
another process already does), the real, unpatched `fengqiao projections run` is started for a
fresh schema, a case is registered there, and the read model is watched for 10 s.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from faults.harness import (
    PROJECTIONS_LOCK_BASE,
    Deployment,
    Report,
    create_schema,
    drop_schema,
    pg_connect,
    registration,
)

NAME = "projections leadership"


def check(workdir: Path, wait: float = 10.0) -> dict[str, Any]:
    schema = create_schema("faults")
    dep = Deployment(workdir, schema, real_lock=True)
    try:
        with pg_connect() as holder:
            ours = bool(holder.execute("SELECT pg_try_advisory_lock(%s)", (PROJECTIONS_LOCK_BASE,)).fetchone()[0])  # type: ignore[index]
            try:
                dep.init_db()
                dep.start()
                clerk = dep.caller("clerk", "tax", "lock-check")
                r = clerk.post("/api/v1/disputes", registration("tax", "lock-check"))
                clerk.close()
                assert r.status_code == 201, r.text
                position = r.json()["position"]
                deadline = time.monotonic() + wait
                projected = False
                while time.monotonic() < deadline and not projected:
                    projected = min(dep.tracking().values(), default=0) >= position
                    time.sleep(0.2)
            finally:
                if ours:
                    holder.execute("SELECT pg_advisory_unlock(%s)", (PROJECTIONS_LOCK_BASE,))
    finally:
        dep.stop()
        drop_schema(schema)
    return {"lock held by": "this check" if ours else "another process", "projected": projected}


def run(report: Report, workdir: Path) -> dict[str, Any]:
    result = check(workdir)
    report.add(NAME, "the database's projections lock was held by", result["lock held by"])
    report.check(NAME, "a deployment in another schema still projects (lock scoped to the schema)",
                 result["projected"], True)
    return result
