"""The `cases` and `timelines` read models: given events made by real commands, these rows; and the
rows are the same however the events are delivered (again, in pieces, after a crash, from zero)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from application.audit.chain import GENESIS, link
from domain.reference import dispute_id_for
from infrastructure.projection_runner import ProjectionRunner
from projections.cases import CasesProjection, decode
from projections.timelines import TimelinesProjection
from tests.projections.scenario import C1, C2, C3, C4, C5, dump, populate


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rows(store: Any) -> dict[str, tuple[Any, ...]]:
    with store.transaction(readonly=True) as cur:
        cur.execute("SELECT case_number, status, level, accepting_unit, handling_unit, open_due, unrecorded_due, "
                    "met_late, units, registered_by, registered_role, version, doc FROM rm_cases")
        return {r[0]: r[1:] for r in cur.fetchall()}


def views(store: Any) -> dict[str, Any]:
    return {number: decode(r[-1]) for number, r in rows(store).items()}


def notifications(runtime: Any) -> list[tuple[int, str, bytes, Any]]:
    """The whole notification log, as the runner hands it to the projections."""
    app = runtime.fengqiao
    found = app.recorder.select_notifications(start=0, limit=10_000, inclusive_of_start=False)
    return [(n.id, n.topic, n.state, app.mapper.to_domain_event(n)) for n in found]


@pytest.fixture
def history(runtime: Any, clock: Any) -> Any:
    populate(runtime, clock)
    return runtime


# --- given events, these rows ---------------------------------------------------------------


def test_each_case_row_holds_the_folded_case(history: Any):
    v = views(history.reads.store)

    assert sorted(v) == [C1, C2, C3, C4, C5]
    c1, c2, c3, c4, c5 = (v[n] for n in (C1, C2, C3, C4, C5))

    assert (c1.status, c1.level, c1.units_involved, c1.handling_unit) == ("archived", "general", ["tax", "hrss"], "tax")
    assert (c1.transfers, c1.returns, c1.routing_override, c1.satisfied) == (2, 1, True, True)
    assert (c1.outcome, c1.concluded_by, c1.payer_told_at) == ("explained", "tax", utc("2026-11-20T03:00:00"))
    assert c1.version == 11
    assert (c1.no_objection, [(b.party, b.basis) for b in c1.archive_basis]) == (["payer"], [("payer", "confirmed")])
    assert c1.feedback_pending() == []
    assert [(d.kind, d.unit, d.due_at, d.met_at, d.closed_at, d.closed_by) for d in c1.deadlines] == [
        ("transfer", "tax", utc("2026-11-19T16:00:00"), utc("2026-11-18T04:00:00"), None, None),
        # The return (Thu 19 Nov) closes hrss's handling clock, not met, and opens a transfer clock
        # for the accepting unit: due at the end of Fri 20 Nov.
        ("handling", "hrss", utc("2026-11-25T16:00:00"), None, utc("2026-11-19T02:00:00"), "return"),
        ("transfer", "tax", utc("2026-11-20T16:00:00"), utc("2026-11-19T03:00:00"), None, None),
        # The handling clock restarts with the second transfer (Thu 19 Nov): due Thu 26 Nov.
        ("handling", "tax", utc("2026-11-26T16:00:00"), utc("2026-11-20T02:00:00"), None, None),
    ]
    assert (c1.returned_by, c1.designated_to, c1.missed_deadlines(utc("2027-06-01T00:00:00"))) == (["hrss"], [], 0)

    assert (c2.status, c2.level, c2.units_involved, c2.risk_level, c2.supervision_notices) == (
        "accepted", None, ["tax", "police"], "high", 1)
    [transfer] = c2.deadlines
    assert (transfer.due_at, transfer.met_at, transfer.missed_recorded) == (utc("2026-11-19T16:00:00"), None, True)

    assert (c3.status, c3.level, c3.resolved_on_spot, c3.objected, c3.remedies) == (
        "archived", "simple", True, True, ["reconsideration"])
    assert c3.objections == {"payer": True}
    assert [(w.party, w.kind, w.starts_on, w.last_day) for w in c3.remedy_windows] == [
        ("payer", "reconsideration", date(2026, 11, 20), date(2027, 1, 18)),
        ("payer", "litigation", date(2026, 11, 20), date(2027, 5, 19)),
    ]
    assert [(d.kind, d.met_at) for d in c3.deadlines] == [("transfer", utc("2026-11-19T05:00:00"))]

    assert (c4.status, c4.level, c4.units_involved, c4.handling_unit, c4.executing_unit) == (
        "feedback_given", "special", ["tax", "finance"], "finance", "finance")
    assert [(d.kind, d.unit, d.due_at, d.met_at) for d in c4.deadlines] == [
        ("transfer", "tax", utc("2026-11-20T16:00:00"), utc("2026-11-19T07:00:00")),
        ("handling", "tax", utc("2026-11-26T16:00:00"), utc("2026-11-19T08:00:00")),  # met by the escalation
        # 10 working days from acceptance (Thu 19 Nov): Thu 3 Dec; met when the meeting was held.
        ("deliberation", "taskforce", utc("2026-12-03T16:00:00"), utc("2026-11-23T01:30:00")),
    ]
    assert (c5.accepting_unit, c5.status, c5.deadlines[0].missed_recorded) == ("hrss", "accepted", True)


def test_the_indexed_columns_agree_with_the_document(history: Any):
    r = rows(history.reads.store)

    # status, level, accepting, handling, open_due, unrecorded_due, met_late, units, registered_by, role, version
    assert r[C1][:11] == ("archived", "general", "tax", "tax", None, None, 0, ",tax,hrss,", "clerk-tax-1", "clerk", 11)
    assert r[C2][:10] == ("accepted", None, "tax", None, "2026-11-19T16:00:00.000000Z", None, 0, ",tax,police,",
                          "clerk-tax-1", "clerk")
    assert r[C4][4:8] == (None, None, 0, ",tax,finance,")
    assert r[C5][3:7] == (None, "2026-11-24T16:00:00.000000Z", None, 0)


def test_the_timeline_holds_every_case_event_in_order_with_the_hash_chain_of_the_stored_bytes(history: Any):
    app = history.fengqiao
    with history.reads.store.transaction(readonly=True) as cur:
        cur.execute("SELECT case_id, version, position, topic, type, state, hash FROM rm_timeline ORDER BY case_id, version")
        timeline = cur.fetchall()

    by_case: dict[str, list[tuple[Any, ...]]] = {}
    for row in timeline:
        by_case.setdefault(row[0], []).append(row)
    assert set(by_case) == {str(dispute_id_for(n)) for n in (C1, C2, C3, C4, C5)}
    assert [r[4] for r in by_case[str(dispute_id_for(C2))]] == [
        "DisputeRegistered", "RiskFlagged", "SupervisionNoticeIssued", "DeadlineMissed"]
    for case_id, events in by_case.items():
        stored = app.recorder.select_events(UUID(case_id))
        assert [r[1] for r in events] == [s.originator_version for s in stored] == list(range(1, len(stored) + 1))
        previous = GENESIS
        for row, s in zip(events, stored, strict=True):
            assert (row[3], bytes(row[5])) == (s.topic, bytes(s.state))
            previous = link(previous, UUID(case_id), s.originator_version, s.topic, bytes(s.state))
            assert row[6] == previous
        found = app.recorder.find_event(UUID(case_id), len(stored))
        assert events[-1][2] == found[0], "position = the event's notification id"


# --- redelivery, crash and resume, rebuild ---------------------------------------------------


def test_redelivering_a_batch_changes_no_row(history: Any):
    store = history.reads.store
    before = dump(store)
    items = notifications(history)

    with store.transaction() as cur:
        for projection in (CasesProjection(), TimelinesProjection(link, GENESIS)):
            projection.apply(cur, items)  # everything again
            projection.apply(cur, items[7:19])  # and a slice from the middle
            projection.apply(cur, items[-1:])

    assert dump(store) == before


def test_resuming_after_a_stop_gives_the_same_rows_as_one_catch_up(history: Any, read_store: Any):
    live = dump(history.reads.store)
    app = history.fengqiao
    resumed, single = read_store(), read_store()

    first = ProjectionRunner(app, resumed, batch_size=3)
    assert first.run_once() == 3
    assert first.run_once() == 3
    assert set(first.positions().values()) == {6}
    del first  # stopped after two small batches; a fresh runner carries on from the tracking rows
    ProjectionRunner(app, resumed, batch_size=4).catch_up()
    ProjectionRunner(app, single).catch_up()

    assert dump(resumed) == dump(single) == live


class _CrashOnce:
    """Wraps a projection; its apply fails the first time it sees position `at`."""

    def __init__(self, inner: Any, at: int) -> None:
        self.inner, self.at, self.crashed = inner, at, False
        self.name = inner.name

    def create(self, cur: Any, dialect: str) -> None:
        self.inner.create(cur, dialect)

    def clear(self, cur: Any) -> None:
        self.inner.clear(cur)

    def apply(self, cur: Any, items: Any) -> None:
        self.inner.apply(cur, items)  # the rows are written …
        if not self.crashed and any(item[0] == self.at for item in items):
            self.crashed = True
            raise RuntimeError("crash in the middle of a batch")  # … and the transaction dies


def test_a_crash_inside_a_batch_leaves_neither_rows_nor_tracking_of_that_batch(history: Any, read_store: Any):
    app = history.fengqiao
    store = read_store()
    runner = ProjectionRunner(app, store, [CasesProjection(), _CrashOnce(TimelinesProjection(link, GENESIS), at=7)], batch_size=5)
    runner.run_once()  # 1..5
    after_first = dump(store)

    with pytest.raises(RuntimeError):
        runner.run_once()  # 6..10: cases applied, then the timeline projection crashes

    assert dump(store) == after_first, "the whole batch rolled back, rows and positions alike"
    runner.catch_up()  # the retry delivers the batch again
    assert dump(store) == dump(history.reads.store)


def test_a_rebuild_from_zero_gives_byte_identical_rows(history: Any):
    runner = history.reads.runner
    live = dump(history.reads.store)

    positions = runner.rebuild()

    assert dump(history.reads.store) == live
    assert positions == {"cases": live["rm_tracking"][0][1], "timelines": live["rm_tracking"][1][1]}


def test_rebuilding_one_read_model_leaves_the_other_alone(history: Any):
    runner = history.reads.runner
    live = dump(history.reads.store)

    runner.rebuild(["timelines"])
    assert dump(history.reads.store) == live
    runner.rebuild(["cases"])
    assert dump(history.reads.store) == live
    with pytest.raises(ValueError, match="nope"):
        runner.rebuild(["nope"])


def test_status_shows_the_lag_and_wait_for_the_position(runtime: Any):
    from tests.application._support import register

    register(runtime.fengqiao)
    runner = runtime.reads.runner
    head = runtime.fengqiao.recorder.max_notification_id()

    assert runner.status()["projections"] == {"cases": {"position": 0, "lag": head},
                                              "timelines": {"position": 0, "lag": head}}
    assert runner.wait_for(head, timeout=0.05) is False
    runner.catch_up()
    assert runner.wait_for(head, timeout=0.05) is True
    status = runner.status()
    assert status["head"] == head
    assert {p["lag"] for p in status["projections"].values()} == {0}


def test_recomputed_deadlines_replace_the_provisional_ones(runtime: Any, clock: Any):
    from datetime import date

    from domain.calendar import YearSchedule
    from tests.application._support import register

    clock.set(utc("2026-12-31T03:00:00"))
    register(runtime.fengqiao, received_at="2026-12-31T02:00:00Z")  # transfer due in 2027: provisional
    runtime.reads.runner.catch_up()
    [before] = views(runtime.reads.store)["GP-2026-000001"].deadlines
    assert (before.due_on, before.provisional) == (date(2027, 1, 4), True)  # after the statutory 元旦

    # A test notice that also gives Mon 4 Jan off, so that the deadline moves.
    runtime.fengqiao.load_calendar_years([YearSchedule(
        year=2027, notice="test", make_up_working_days=(),
        days_off={date(2027, 1, d): "元旦" for d in (1, 2, 3, 4)})])
    runtime.reads.runner.catch_up()

    view = views(runtime.reads.store)["GP-2026-000001"]
    [after] = view.deadlines
    assert (after.due_on, after.due_at, after.provisional) == (date(2027, 1, 5), utc("2027-01-05T16:00:00"), False)
    assert view.version == 2
    assert rows(runtime.reads.store)["GP-2026-000001"][5] == "2027-01-05T16:00:00.000000Z"  # open_due follows
    live = dump(runtime.reads.store)
    runtime.reads.runner.rebuild()
    assert dump(runtime.reads.store) == live


# --- a table written before the risk column (1.1) -------------------------------------------------


def test_a_cases_table_from_before_the_risk_column_gets_it_filled_from_the_stored_views(history: Any, read_store: Any):
    from projections.cases import COLUMNS, ddl

    old_columns = COLUMNS.replace("risk, ", "")
    dialect = history.reads.store.dialect
    with history.reads.store.transaction(readonly=True) as cur:
        cur.execute(f"SELECT {old_columns} FROM rm_cases")  # noqa: S608
        old_rows = [tuple(r) for r in cur.fetchall()]
    store = read_store()
    with store.transaction() as cur:
        cur.execute("\n".join(line for line in ddl(dialect)[0].splitlines() if "risk" not in line))
        marks = ", ".join("?" * len(old_rows[0]))
        cur.executemany(f"INSERT INTO rm_cases ({old_columns}) VALUES ({marks})", old_rows)  # noqa: S608
        CasesProjection().create(cur, dialect)
        CasesProjection().create(cur, dialect)  # a second start finds the column there
    with store.transaction(readonly=True) as cur:
        cur.execute("SELECT case_number, risk FROM rm_cases ORDER BY case_number")
        risks = dict(cur.fetchall())

    assert risks == {C1: None, C2: "high", C3: None, C4: None, C5: None}
