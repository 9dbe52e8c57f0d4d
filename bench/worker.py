"""Subprocess work whose memory is measured on its own (B8): `python -m bench.worker rebuild`.

Reads the store from the FENGQIAO_* environment exactly as `fengqiao projections rebuild` does,
rebuilds every read model, and prints one JSON line: seconds, events, and the process's peak
resident set (VmHWM from /proc/self/status, in KiB).
"""

from __future__ import annotations

import json
import sys
import time


def vm_hwm_kib(pid: str = "self") -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main() -> int:
    if sys.argv[1:] != ["rebuild"]:
        print("usage: python -m bench.worker rebuild", file=sys.stderr)
        return 2
    from infrastructure.projection_runner import ProjectionRunner
    from infrastructure.readstore import open_read_store
    from infrastructure.settings import load_settings
    from infrastructure.store import open_application

    settings = load_settings()
    app = open_application(settings)
    read_store = open_read_store(settings.store)
    before = vm_hwm_kib()
    runner = ProjectionRunner(app, read_store, batch_size=500)
    t0 = time.perf_counter()
    positions = runner.rebuild()
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "position": min(positions.values()), "vm_hwm_kib": vm_hwm_kib(),
                      "vm_hwm_before_kib": before}), flush=True)
    read_store.close()
    app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
