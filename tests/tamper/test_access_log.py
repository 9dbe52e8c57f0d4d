"""The access log of whole personal-data views is append-only in effect: an edited or removed
entry breaks its chain, and a signed checkpoint holds its head."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from application.audit.verification import verify_access_log
from domain.values import Actor, Role
from interfaces.runtime import build_runtime

LEGAL = Actor("legal-1", Role.LEGAL)


@pytest.fixture
def runtime(settings: Any, clock: Any) -> Iterator[Any]:
    rt = build_runtime(settings, clock=clock)
    try:
        for n in range(1, 4):
            rt.reads.log_access(LEGAL, f"GP-2026-00000{n}", ["idNumber", "phone"], "legal review")
        rt.checkpoints.create(rt.reads.store, rt.fengqiao.clock())
        yield rt
    finally:
        rt.close()


def test_an_intact_log_verifies(runtime: Any) -> None:
    assert verify_access_log(runtime.reads.store, runtime.checkpoints) == []


def test_an_edited_entry_is_found(runtime: Any) -> None:
    with runtime.reads.store.transaction() as cur:
        cur.execute("UPDATE access_log SET reason = ? WHERE id = 2", ("nothing to see",))
    assert verify_access_log(runtime.reads.store, runtime.checkpoints) == ["access log entry 2 was altered"]


def test_a_removed_entry_is_found(runtime: Any) -> None:
    with runtime.reads.store.transaction() as cur:
        cur.execute("DELETE FROM access_log WHERE id = 2")
    assert verify_access_log(runtime.reads.store, runtime.checkpoints)[0] == "access log entry 2 is missing"


def test_a_truncated_tail_is_found_against_the_signed_head(runtime: Any) -> None:
    with runtime.reads.store.transaction() as cur:
        cur.execute("DELETE FROM access_log WHERE id = 3")
    problems = verify_access_log(runtime.reads.store, runtime.checkpoints)
    assert problems and "signed access log entry 3" in problems[0]
