"""Someone with write access to the database (a DBA) changes a case's history directly in the
event store, on SQLite and on PostgreSQL; verification against the signed checkpoint finds it
and names the first bad sequence."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from typing import Any
from uuid import UUID

import msgspec
import psycopg
import pytest

from application import commands as cmd
from application.audit.chain import GENESIS, link
from application.audit.verification import verify_case
from domain.values import Actor, Role
from tests.application._support import ID_NUMBER, PHONE

CLERK = Actor("clerk-1", Role.CLERK, "tax")
HANDLER = Actor("handler-1", Role.HANDLER, "tax")


@pytest.fixture
def case(runtime: Any) -> UUID:
    """A case with five events, projected and covered by a signed checkpoint."""
    app = runtime.fengqiao
    body = {
        "channel": "hotline_12366",
        "received_at": "2026-11-20T10:00:00+08:00",
        "accepting_unit": "tax",
        "payer": {"kind": "individual", "name": "张三", "id_number": ID_NUMBER, "phone": PHONE},
        "category": "late_fee",
        "summary": "对滞纳金加收有异议",
    }
    result = app.register(msgspec.convert(body, cmd.RegisterDispute, strict=False), CLERK)
    app.transfer(result.id, cmd.Transfer(to_unit="tax"), CLERK)
    for note in ("调取缴费明细", "联系用人单位", "核对滞纳金"):
        app.record_progress(result.id, cmd.RecordProgress(note=note), HANDLER)
    runtime.reads.runner.catch_up()
    assert runtime.checkpoints.create(runtime.reads.store, app.clock()) is not None
    return UUID(result.id)


def _store(runtime: Any) -> Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Run SQL directly against the event store, as a DBA would."""
    store = runtime.settings.store
    if store.kind == "sqlite":
        def run(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
            with sqlite3.connect(store.sqlite_path) as conn:
                return list(conn.execute(sql.replace("%s", "?").replace("{t}", "stored_events"), params))
        return run

    def run_pg(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(host=store.host, port=store.port, dbname=store.dbname, user=store.user,
                             autocommit=True) as conn:
            cur = conn.execute(sql.replace("{t}", f'"{store.schema}".fengqiao_events'), params)
            return list(cur.fetchall()) if cur.description else []
    return run_pg


def _key(runtime: Any, case_id: UUID) -> Any:
    return case_id.hex if runtime.settings.store.kind == "sqlite" else case_id


def _state(runtime: Any, case_id: UUID, version: int) -> bytes:
    rows = _store(runtime)("SELECT state FROM {t} WHERE originator_id = %s AND originator_version = %s",
                           (_key(runtime, case_id), version))
    return bytes(rows[0][0])


def _set_state(runtime: Any, case_id: UUID, version: int, state: bytes) -> None:
    _store(runtime)("UPDATE {t} SET state = %s WHERE originator_id = %s AND originator_version = %s",
                    (state, _key(runtime, case_id), version))


def _verify(runtime: Any, case_id: UUID) -> Any:
    return verify_case(runtime.fengqiao, runtime.reads.store, runtime.checkpoints, case_id)


def test_an_untouched_case_verifies(runtime: Any, case: UUID) -> None:
    result = _verify(runtime, case)
    assert (result.valid, result.events, result.first_invalid_sequence) == (True, 5, None)


def test_a_flipped_byte_is_found_at_its_sequence(runtime: Any, case: UUID) -> None:
    state = bytearray(_state(runtime, case, 4))
    state[-5] ^= 0x01
    _set_state(runtime, case, 4, bytes(state))
    result = _verify(runtime, case)
    assert (result.valid, result.first_invalid_sequence) == (False, 4)


def test_a_deleted_event_is_found(runtime: Any, case: UUID) -> None:
    _store(runtime)("DELETE FROM {t} WHERE originator_id = %s AND originator_version = 3", (_key(runtime, case),))
    result = _verify(runtime, case)
    assert (result.valid, result.first_invalid_sequence) == (False, 3)


def test_two_swapped_events_are_found_at_the_first(runtime: Any, case: UUID) -> None:
    third, fourth = _state(runtime, case, 3), _state(runtime, case, 4)
    _set_state(runtime, case, 3, fourth)
    _set_state(runtime, case, 4, third)
    result = _verify(runtime, case)
    assert (result.valid, result.first_invalid_sequence) == (False, 3)


def test_a_truncated_tail_is_found_against_the_checkpoint(runtime: Any, case: UUID) -> None:
    _store(runtime)("DELETE FROM {t} WHERE originator_id = %s AND originator_version >= 5", (_key(runtime, case),))
    result = _verify(runtime, case)
    assert (result.valid, result.events, result.first_invalid_sequence) == (False, 4, 5)


def test_a_forged_event_with_recomputed_hashes_is_caught_by_the_signed_checkpoint(runtime: Any, case: UUID) -> None:
    # The forger rewrites event 4 and recomputes every hash the database holds (the projected
    # timeline too); only the checkpoint, signed outside the database, still disagrees.
    forged = _state(runtime, case, 4).replace("联系用人单位".encode(), "同意减免滞纳金".encode())
    assert forged != _state(runtime, case, 4)
    _set_state(runtime, case, 4, forged)
    rows = [(v, t, bytes(s)) for v, t, s in _store(runtime)(
        "SELECT originator_version, topic, state FROM {t} WHERE originator_id = %s ORDER BY originator_version",
        (_key(runtime, case),))]
    previous = GENESIS
    with runtime.reads.store.transaction() as cur:
        for version, topic, state in rows:
            previous = link(previous, case, version, topic, state)
            cur.execute("UPDATE rm_timeline SET hash = ?, state = ? WHERE case_id = ? AND version = ?",
                        (previous, state, str(case), version))
    result = _verify(runtime, case)
    assert (result.valid, result.first_invalid_sequence) == (False, 4)
    assert any("signed checkpoint" in p for p in result.problems)


def test_an_event_inserted_in_the_middle_is_found(runtime: Any, case: UUID) -> None:
    # Shift events 4..5 up by one and slip a fabricated one in at 4.
    run = _store(runtime)
    key = _key(runtime, case)
    rows = run("SELECT originator_version, topic, state FROM {t} WHERE originator_id = %s AND originator_version >= 4 "
               "ORDER BY originator_version DESC", (key,))
    for version, _topic, _bytes in rows:
        run("UPDATE {t} SET originator_version = %s WHERE originator_id = %s AND originator_version = %s",
            (version + 1, key, version))
    fabricated = _state(runtime, case, 3)
    topic = run("SELECT topic FROM {t} WHERE originator_id = %s AND originator_version = 3", (key,))[0][0]
    run("INSERT INTO {t} (originator_id, originator_version, topic, state) VALUES (%s, 4, %s, %s)",
        (key, topic, fabricated))
    result = _verify(runtime, case)
    assert (result.valid, result.first_invalid_sequence) == (False, 4)
    assert hashlib.sha256(fabricated).hexdigest()  # the fabricated bytes were really stored


def test_the_command_line_verifies_all_cases_or_one_and_names_the_first_bad_sequence(
    runtime: Any, case: UUID, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from interfaces import cli

    monkeypatch.setattr("infrastructure.settings.load_settings", lambda: runtime.settings)
    assert cli.main(["verify", "--all"]) == 0
    assert json.loads(capsys.readouterr().out) == {"valid": True, "cases": 1, "reports": []}

    state = bytearray(_state(runtime, case, 4))
    state[-5] ^= 0x01
    _set_state(runtime, case, 4, bytes(state))
    assert cli.main(["verify", "--all"]) == 1
    everything = json.loads(capsys.readouterr().out)
    assert (everything["valid"], everything["cases"]) == (False, 1)
    [report] = everything["reports"]
    assert (report["valid"], report["events"], report["first_invalid_sequence"]) == (False, 5, 4)

    assert cli.main(["verify", report["case_number"].lower()]) == 1
    assert json.loads(capsys.readouterr().out)["reports"] == [report]
    assert cli.main(["verify", "GP-2026-999999"]) == 2
    assert "no case GP-2026-999999" in capsys.readouterr().err
