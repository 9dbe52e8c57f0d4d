"""In `serve` the projections wait a moment after a save for more saves, so one read-model
transaction covers many commands; a reader waiting for its own write does not wait for that."""

from __future__ import annotations

import time
from typing import Any

from infrastructure.projection_runner import ProjectionRunner
from tests.application._support import register


class CountingRunner(ProjectionRunner):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.batches: list[int] = []
        super().__init__(*args, **kwargs)

    def run_once(self, *, rebuilding: bool = False) -> int:
        n = super().run_once(rebuilding=rebuilding)
        if n:
            self.batches.append(n)
        return n


def _started(runtime: Any, read_store: Any, gather: float) -> CountingRunner:
    runner = CountingRunner(runtime.fengqiao, read_store(), gather=gather, poll_interval=5.0)
    runtime.fengqiao.listeners.append(runner.wake)
    runner.start()
    return runner


def test_saves_close_together_are_projected_in_one_batch(runtime, read_store):
    runner = _started(runtime, read_store, gather=0.5)
    try:
        results = [register(runtime.fengqiao) for _ in range(5)]
        deadline = time.monotonic() + 10
        while sum(runner.batches) < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sum(runner.batches) == 10  # five cases, two events each
        # All ten events in one or two batches, not five.
        assert len(runner.batches) <= 2, runner.batches
        assert min(runner.positions().values()) == results[-1].position
    finally:
        runner.stop()


def test_a_reader_waiting_for_its_write_cuts_the_gathering_short(runtime, read_store):
    runner = _started(runtime, read_store, gather=5.0)
    try:
        time.sleep(0.1)  # the runner is idle, waiting for a wake
        r = register(runtime.fengqiao)
        started = time.monotonic()
        assert runner.wait_for(r.position, 3.0)
        assert time.monotonic() - started < 2.0
    finally:
        runner.stop()
