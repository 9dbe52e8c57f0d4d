"""A populated store: the fixtures the read benchmarks look for, then bulk to a target count.

Fixtures (in every store, so sizes compare like with like):
  - 100 cases transferred to hrss and signed for: hrss's IN_HANDLING queue (B5);
  - one case with 1,000 events (registered, transferred, signed for, 997 progress notes) (B6);
then bulk cases (bench.gen.FILL_MIX) received over the two years before, up to the target.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bench.b_commands import FIXED_NOW
from bench.b_reads import QUEUE_SIZE, QUEUE_UNIT
from bench.common import Store, fresh_store, log
from bench.gen import CaseFactory, Writer, fill_cases
from infrastructure.store import open_application

LONG_EVENTS = 1000


@dataclass
class Populated:
    store: Store
    app: Any
    factory: CaseFactory
    events: int = 0
    long_case: str = ""
    queue_cases: list[str] = field(default_factory=list)

    def grow(self, target: int) -> float:
        """Bulk-insert fill cases until the store holds `target` events; returns seconds taken."""
        t0 = time.perf_counter()
        missing = target - self.events
        if missing > 0:
            writer = Writer(self.app)
            for events in fill_cases(self.factory, missing, start=FIXED_NOW - timedelta(days=700),
                                     end=FIXED_NOW - timedelta(days=20)):
                writer.add(events)
            writer.flush()
        self.events = self.store.count_events()
        return time.perf_counter() - t0

    def close(self) -> None:
        self.app.close()


def populate(backend: str, tag: str, target: int) -> Populated:
    store = fresh_store(backend, tag)
    app = open_application(store.settings, clock=lambda: FIXED_NOW)
    factory = CaseFactory(app, seed=hash(tag) & 0xFFFF)
    p = Populated(store=store, app=app, factory=factory)
    writer = Writer(app)
    t0 = time.perf_counter()
    for _ in range(QUEUE_SIZE):
        built = factory.build("in_handling", FIXED_NOW - timedelta(days=3), to_unit=QUEUE_UNIT)
        p.queue_cases.append(built.case_number)
        writer.add(built.events)
    long = factory.build("long", FIXED_NOW - timedelta(days=30), to_unit="finance", progress=LONG_EVENTS - 3,
                         step=timedelta(minutes=2))
    p.long_case = long.case_number
    writer.add(long.events)
    writer.flush()
    p.events = store.count_events()
    p.grow(target)
    log(f"  [{backend}] store {tag}: {p.events:,} events generated in {time.perf_counter() - t0:.1f} s")
    return p


__all__ = ["LONG_EVENTS", "Populated", "populate"]
