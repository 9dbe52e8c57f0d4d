"""A rebuild fills the emptied read models batch by batch, reading back only rows it cannot know:
whatever the batch size, and after a batch that failed, it gives the rows live projection gave."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import pytest

from application.audit import chain
from infrastructure.projection_runner import ProjectionRunner
from projections.cases import CasesProjection
from projections.timelines import TimelinesProjection
from tests.projections.scenario import dump, populate


@pytest.fixture
def history(runtime: Any, clock: Any) -> Any:
    populate(runtime, clock)
    return runtime


@pytest.mark.parametrize("batch_size", [1, 2, 3, 7])
def test_a_rebuild_in_small_batches_gives_byte_identical_rows(history: Any, batch_size: int):
    live = dump(history.reads.store)
    projections = [CasesProjection(), TimelinesProjection(chain.link, chain.GENESIS)]
    runner = ProjectionRunner(history.fengqiao, history.reads.store, projections, batch_size=batch_size)

    runner.rebuild()

    assert dump(history.reads.store) == live
    # What a projection keeps between batches is one batch's cases at most.
    for projection in projections:
        assert len(projection._recent) <= batch_size


class _CrashOnce:
    """Wraps a projection; its batch that holds position `at` fails once, after writing its rows."""

    def __init__(self, inner: Any, at: int) -> None:
        self.inner, self.at, self.crashed = inner, at, False
        self.name = inner.name

    def create(self, cur: Any, dialect: str) -> None:
        self.inner.create(cur, dialect)

    def clear(self, cur: Any) -> None:
        self.inner.clear(cur)

    def _maybe_crash(self, items: Any) -> None:
        if not self.crashed and any(item[0] == self.at for item in items):
            self.crashed = True
            raise RuntimeError("crash in the middle of a batch")

    def apply(self, cur: Any, items: Any) -> None:
        self.inner.apply(cur, items)
        self._maybe_crash(items)

    def apply_fresh(self, cur: Any, items: Any, since: int) -> None:
        self.inner.apply_fresh(cur, items, since)
        self._maybe_crash(items)


@pytest.mark.parametrize("crashing", ["cases", "timelines"])
def test_a_rebuild_resumed_after_a_failed_batch_gives_byte_identical_rows(history: Any, crashing: str):
    live = dump(history.reads.store)
    cases, timelines = CasesProjection(), TimelinesProjection(chain.link, chain.GENESIS)
    # The projection that fails has its rows of the batch written (and remembered) before the
    # transaction dies; the other one has them written in the same transaction.
    wrapped = [_CrashOnce(p, at=9) if p.name == crashing else p for p in (cases, timelines)]
    runner = ProjectionRunner(history.fengqiao, history.reads.store, wrapped, batch_size=4)

    with pytest.raises(RuntimeError, match="crash"):
        runner.rebuild()
    runner.catch_up(rebuilding=True)

    assert dump(history.reads.store) == live


class _Spy:
    """A read store that records the statements the projections run."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.dialect, self.statements = inner, inner.dialect, []

    @contextmanager
    def transaction(self, readonly: bool = False) -> Any:
        with self.inner.transaction(readonly) as cur:
            spy = self

            class Cursor:
                def __getattr__(self, name: str) -> Any:
                    return getattr(cur, name)

                def execute(self, sql: str, params: Any = ()) -> None:
                    spy.statements.append(sql)
                    cur.execute(sql, params)

            yield Cursor()


def test_a_rebuild_in_one_batch_reads_no_row_back_and_live_batches_read_once(history: Any):
    live = dump(history.reads.store)
    spy = _Spy(history.reads.store)
    runner = ProjectionRunner(history.fengqiao, spy, batch_size=1000)

    runner.rebuild()

    assert dump(history.reads.store) == live
    assert not [s for s in spy.statements if s.lstrip().upper().startswith("SELECT") and "rm_tracking" not in s]

    # A live batch over rows already there: one read per read model for the whole batch.
    spy.statements.clear()
    with spy.transaction() as cur:
        for projection in (CasesProjection(), TimelinesProjection(chain.link, chain.GENESIS)):
            projection.apply(cur, _notifications(history))
    assert dump(history.reads.store) == live
    reads = [s for s in spy.statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2


def _notifications(runtime: Any) -> list[tuple[int, str, bytes, Any]]:
    app = runtime.fengqiao
    found = app.recorder.select_notifications(start=0, limit=10_000, inclusive_of_start=False)
    return [(n.id, n.topic, n.state, app.mapper.to_domain_event(n)) for n in found]
