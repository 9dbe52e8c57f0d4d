"""`verifyCase`: the hash chain recomputed from the event store's bytes, held against the hashes
recorded at projection time (and signed checkpoints); tampering names the first bad sequence."""

from __future__ import annotations

import sqlite3
from typing import Any
from uuid import UUID

import psycopg

from tests.conftest import _conninfo
from tests.graphql.support import Api

CASE = "GP-2026-000001"
OTHER = "GP-2026-000002"
Q = "query($n: String!) { verifyCase(caseNumber: $n) { caseNumber valid events headHash firstInvalidSequence problems } }"


class EventStore:
    """Direct access to the stored events, behind the application's back."""

    def __init__(self, settings: Any) -> None:
        self.store = settings.store

    def _sqlite(self) -> sqlite3.Connection:
        return sqlite3.connect(self.store.sqlite_path, isolation_level=None)

    def _pg(self) -> psycopg.Connection:
        return psycopg.connect(_conninfo(), autocommit=True)

    @property
    def _table(self) -> str:
        return f'"{self.store.schema}".fengqiao_events'

    def state(self, case_id: str, version: int) -> bytes:
        if self.store.kind == "sqlite":
            with self._sqlite() as c:
                row = c.execute("SELECT state FROM stored_events WHERE originator_id = ? AND originator_version = ?",
                                (UUID(case_id).hex, version)).fetchone()
        else:
            with self._pg() as c:
                row = c.execute(f"SELECT state FROM {self._table} WHERE originator_id = %s AND originator_version = %s",
                                (UUID(case_id), version)).fetchone()
        assert row is not None
        return bytes(row[0])

    def write(self, case_id: str, version: int, state: bytes) -> None:
        if self.store.kind == "sqlite":
            with self._sqlite() as c:
                n = c.execute("UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
                              (state, UUID(case_id).hex, version)).rowcount
        else:
            with self._pg() as c:
                n = c.execute(f"UPDATE {self._table} SET state = %s WHERE originator_id = %s AND originator_version = %s",
                              (state, UUID(case_id), version)).rowcount
        assert n == 1

    def delete(self, case_id: str, version: int) -> None:
        if self.store.kind == "sqlite":
            with self._sqlite() as c:
                n = c.execute("DELETE FROM stored_events WHERE originator_id = ? AND originator_version = ?",
                              (UUID(case_id).hex, version)).rowcount
        else:
            with self._pg() as c:
                n = c.execute(f"DELETE FROM {self._table} WHERE originator_id = %s AND originator_version = %s",
                              (UUID(case_id), version)).rowcount
        assert n == 1

    def flip(self, case_id: str, version: int, old: bytes, new: bytes) -> None:
        state = self.state(case_id, version)
        assert state.count(old) == 1 and len(old) == len(new)
        self.write(case_id, version, state.replace(old, new))


def verify(api: Api, case: str = CASE) -> dict[str, Any]:
    return api.data(Q, {"n": case}, token=api.auditor())["verifyCase"]  # type: ignore[no-any-return]


def _two_cases(api: Api) -> str:
    case_id = api.register()["id"]
    api.transfer(CASE, "hrss", note="handover-A")
    api.act(CASE, "progress", api.handler("hrss"), {"note": "called the payer"})
    api.register()
    api.sync()
    return case_id  # type: ignore[no-any-return]


def test_an_untouched_case_is_valid(api: Api):
    _two_cases(api)

    v = verify(api)

    assert v["caseNumber"] == CASE
    assert (v["valid"], v["events"], v["firstInvalidSequence"], v["problems"]) == (True, 3, None, [])
    assert len(v["headHash"]) == 64
    assert verify(api, OTHER)["valid"] is True


def test_one_flipped_byte_in_a_stored_event_names_its_sequence(api: Api, settings):
    case_id = _two_cases(api)
    good = verify(api)

    EventStore(settings).flip(case_id, 2, b"handover-A", b"handover-B")
    v = verify(api)

    assert v["valid"] is False
    assert v["firstInvalidSequence"] == 2
    assert v["events"] == 3
    assert v["problems"]
    assert v["headHash"] != good["headHash"]
    assert verify(api, OTHER)["valid"] is True, "another case is not affected"


def test_tampering_stays_visible_after_the_read_models_are_rebuilt_from_the_tampered_store(api: Api, settings):
    case_id = _two_cases(api)
    api.runtime.checkpoints.create(api.runtime.reads.store, api.clock())  # signed before the tampering

    EventStore(settings).flip(case_id, 2, b"handover-A", b"handover-B")
    api.runtime.reads.runner.rebuild()  # the projected hashes now agree with the tampered bytes
    v = verify(api)

    assert (v["valid"], v["firstInvalidSequence"]) == (False, 2)


def test_a_deleted_tail_event_is_found(api: Api, settings):
    case_id = _two_cases(api)

    EventStore(settings).delete(case_id, 3)
    v = verify(api)

    assert (v["valid"], v["events"], v["firstInvalidSequence"]) == (False, 2, 3)


def test_verifying_a_case_out_of_reach_is_not_found(api: Api):
    _two_cases(api)

    for token, case in ((api.clerk("finance"), CASE), (api.auditor(), "GP-2026-000404")):
        answer = api.gql(Q, {"n": case}, token=token)
        assert answer["data"] is None
        assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"
