"""Case numbers GP-YYYY-NNNNNN: intake year in Asia/Shanghai, per-year sequences, no gaps and no
repeats under concurrent registrations from several application instances."""

from __future__ import annotations

from datetime import date

import pytest

from domain.reference import dispute_id_for, sequence_id_for
from tests.application._support import AUDITOR, CLERK_HRSS, CLERK_TAX, INTEGRATOR_12366, register, run_concurrently


def test_intake_year_is_the_year_in_shanghai(app):
    # 2024-12-31T17:00Z is 2025-01-01 01:00 in Shanghai.
    r1 = register(app, received_at="2024-12-31T17:00:00Z")
    # 2024-12-31T15:59:59Z is 2024-12-31 23:59:59 in Shanghai.
    r2 = register(app, received_at="2024-12-31T15:59:59Z")
    # The same instant written with its +08:00 offset.
    r3 = register(app, received_at="2025-01-01T00:00:00+08:00")

    assert [r1.case_number, r2.case_number, r3.case_number] == ["GP-2025-000001", "GP-2024-000001", "GP-2025-000002"]
    d1 = app.get_dispute("GP-2025-000001", AUDITOR)
    assert d1.acceptance.received_on == date(2025, 1, 1)
    # 1 Jan 2025 is New Year's Day: deemed accepted on Thu 2 Jan 2025.
    assert d1.acceptance.accepted_on == date(2025, 1, 2)
    assert app.get_dispute("GP-2024-000001", AUDITOR).acceptance.accepted_on == date(2024, 12, 31)


def test_each_year_has_its_own_sequence_starting_at_one(app):
    numbers = [
        register(app, received_at=received).case_number
        for received in (
            "2026-11-20T02:00:00Z",
            "2025-06-02T02:00:00Z",
            "2026-11-21T02:00:00Z",
            "2024-03-04T02:00:00Z",
            "2025-06-03T02:00:00Z",
            "2026-11-22T02:00:00Z",
        )
    ]
    assert numbers == [
        "GP-2026-000001",
        "GP-2025-000001",
        "GP-2026-000002",
        "GP-2024-000001",
        "GP-2025-000002",
        "GP-2026-000003",
    ]
    issued = [e.case_number for e in app.events.get(sequence_id_for(2026))]
    assert issued == ["GP-2026-000001", "GP-2026-000002", "GP-2026-000003"]
    assert [e.dispute_id for e in app.events.get(sequence_id_for(2025))] == [
        dispute_id_for("GP-2025-000001"),
        dispute_id_for("GP-2025-000002"),
    ]


def test_a_second_instance_continues_the_sequence(make_app):
    app1 = make_app()
    app2 = make_app()
    assert register(app1).case_number == "GP-2026-000001"
    assert register(app2).case_number == "GP-2026-000002"
    assert register(app1).case_number == "GP-2026-000003"


def test_30_concurrent_registrations_from_6_threads_on_2_instances_have_no_gap_and_no_repeat(make_app):
    apps = [make_app(), make_app()]
    actors = [CLERK_TAX, CLERK_HRSS, INTEGRATOR_12366]

    def worker(thread_no: int):
        app = apps[thread_no % 2]
        actor = actors[thread_no % 3]

        def run():
            return [
                register(
                    app,
                    actor,
                    accepting_unit=actor.unit,
                    summary=f"thread {thread_no} case {i}",
                    received_at=f"2026-11-2{i}T0{thread_no}:00:00Z",
                )
                for i in range(5)
            ]

        return run

    outcomes = run_concurrently([worker(t) for t in range(6)])

    assert [kind for kind, _ in outcomes] == ["ok"] * 6, outcomes
    results = [r for _, batch in outcomes for r in batch]
    assert len(results) == 30
    assert sorted(r.case_number for r in results) == [f"GP-2026-{n:06d}" for n in range(1, 31)]
    assert len({r.id for r in results}) == 30
    assert all(r.status == "ACCEPTED" and r.version == 1 for r in results)
    assert len({r.position for r in results}) == 30
    # Each thread got increasing numbers for its own sequential registrations.
    for _, batch in outcomes:
        numbers = [r.case_number for r in batch]
        assert numbers == sorted(numbers)
    # The store holds exactly 30 registrations and 30 issued numbers: 60 events, in one year stream.
    issued = list(apps[0].events.get(sequence_id_for(2026)))
    assert [e.originator_version for e in issued] == list(range(1, 31))
    assert sorted(e.case_number for e in issued) == [f"GP-2026-{n:06d}" for n in range(1, 31)]
    for r in results:
        dispute = apps[1].get_dispute(r.case_number, AUDITOR)
        assert str(dispute.id) == r.id
        assert dispute.version == 1
    notifications = apps[0].recorder.select_notifications(start=None, limit=1000)
    assert len(notifications) == 60


@pytest.mark.parametrize("ref", ["GP-2026-000001", "gp-2026-000001", " GP-2026-000001 "])
def test_case_number_refs_resolve_to_the_id(app, ref):
    r = register(app)
    assert app.get_dispute(ref, AUDITOR).id == dispute_id_for("GP-2026-000001")
    assert str(app.get_dispute(r.id, AUDITOR).id) == r.id
    assert app.get_dispute(r.id.upper(), AUDITOR).case_number == "GP-2026-000001"
