"""What ends up on the record: missed deadlines, encrypted personal data, snapshots of long cases."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest

from application import commands as cmd
from application.errors import DisputeNotFound
from domain.dispute import project_dispute
from domain.events import DeadlineMissed, DisputeRegistered
from domain.values import Actor, DeadlineKind, Role
from tests.application._support import (
    AUDITOR,
    FIRST17_X,
    HANDLER_TAX,
    ID_NUMBER_X,
    LEGAL,
    command,
    progress,
    register,
    transfer,
    utc,
)

CASE_1 = "GP-2026-000001"
SYSTEM = Actor("fengqiao", Role.SYSTEM)


# --- missed deadlines ---------------------------------------------------------------------------


def test_a_missed_transfer_deadline_is_recorded_once(app, clock):
    register(app)  # received Wed 25 Nov 2026: transfer due end of Thu 26 Nov = 16:00Z
    assert app.record_missed_deadlines(CASE_1) == 0
    clock.set(utc("2026-11-26T15:59:59"))
    assert app.record_missed_deadlines(CASE_1) == 0
    before = app.recorder.max_notification_id()

    clock.set(utc("2026-11-27T01:00:00"))
    assert app.record_missed_deadlines(CASE_1) == 1

    missed = app.dispute_events(CASE_1, AUDITOR)[-1]
    assert isinstance(missed, DeadlineMissed)
    assert missed.kind == DeadlineKind.TRANSFER
    assert missed.due_at == utc("2026-11-26T16:00:00")
    assert missed.at == utc("2026-11-26T16:00:00")  # the miss happened at the deadline
    assert missed.timestamp == utc("2026-11-27T01:00:00")
    assert missed.actor == SYSTEM
    assert missed.originator_version == 2
    assert app.recorder.max_notification_id() == before + 1
    assert app.get_dispute(CASE_1, AUDITOR).clocks[DeadlineKind.TRANSFER].missed_recorded is True

    assert app.record_missed_deadlines(CASE_1) == 0
    assert app.record_missed_deadlines("gp-2026-000001") == 0
    assert app.recorder.max_notification_id() == before + 1

    # The late transfer still goes through and starts the handling clock.
    r = transfer(app, CASE_1, "tax")
    assert (r.status, r.version) == ("TRANSFERRED", 3)
    assert app.get_dispute(CASE_1, AUDITOR).clocks[DeadlineKind.TRANSFER].met_at == utc("2026-11-27T01:00:00")


def test_a_missed_handling_deadline_is_recorded_and_a_met_one_is_not(app, clock):
    register(app)
    transfer(app, CASE_1, "tax")  # Thu 26 Nov → handling due end of Thu 3 Dec = 16:00Z
    clock.set(utc("2026-12-04T00:00:00"))
    assert app.record_missed_deadlines(CASE_1) == 1
    missed = app.dispute_events(CASE_1, AUDITOR)[-1]
    assert (missed.kind, missed.due_at) == (DeadlineKind.HANDLING, utc("2026-12-03T16:00:00"))
    assert app.record_missed_deadlines(CASE_1) == 0
    assert len(app.dispute_events(CASE_1, AUDITOR)) == 3


def test_missed_deadlines_of_an_unknown_case(app):
    with pytest.raises(DisputeNotFound):
        app.record_missed_deadlines(CASE_1)


# --- personal data ------------------------------------------------------------------------------


def test_name_id_number_and_phone_are_sealed_and_open_to_the_normalised_value(app):
    lower_x = FIRST17_X + "x"
    register(app, payer={"kind": "individual", "name": "张三丰", "id_number": f" {lower_x} ", "phone": "+86 138-1234-5678"})

    registered = app.dispute_events(CASE_1, LEGAL)[0]
    assert isinstance(registered, DisputeRegistered)
    payer, case_id = registered.payer, registered.originator_id
    assert all(v.startswith("enc2:") for v in (payer.name, payer.id_number, payer.phone))
    assert app.privacy.open(case_id, payer.id_number) == ID_NUMBER_X  # trimmed, upper-case X
    assert app.privacy.open(case_id, payer.phone) == "13812345678"
    assert app.privacy.open(case_id, payer.name) == "张三丰"
    assert payer.id_number_masked == "140581********000X"
    assert payer.phone_masked == "138****5678"
    assert payer.name_masked == "张**"
    assert payer.id_number_digest == app.privacy.digest(ID_NUMBER_X)
    assert payer.name_digest == app.privacy.digest("张三丰")


def test_raw_stored_events_do_not_contain_the_plain_name_id_number_or_phone(make_app):
    app = make_app()
    register(app, payer={"kind": "individual", "name": "张三", "id_number": ID_NUMBER_X, "phone": "13912345678"})
    transfer(app, CASE_1, "tax")

    stored = app.recorder.select_events(app.get_dispute(CASE_1, AUDITOR).id)
    assert [s.originator_version for s in stored] == [1, 2]
    raw = b"".join(s.state for s in stored)
    assert ID_NUMBER_X.encode() not in raw
    assert FIRST17_X.encode() not in raw  # not even without the check character
    assert b"13912345678" not in raw
    assert '"name":"张三"'.encode() not in raw
    assert b'"id_number":"enc2:' in raw
    # A second instance with the same FENGQIAO_DATA_KEY unwraps the case's key from the store.
    other = make_app()
    registered = other.dispute_events(CASE_1, LEGAL)[0]
    assert other.privacy.open(registered.originator_id, registered.payer.id_number) == ID_NUMBER_X
    # The ciphertext is fresh each time: equal ID numbers do not give equal bytes.
    register(app, payer={"kind": "individual", "name": "张三", "id_number": ID_NUMBER_X, "phone": "13912345678"})
    second = app.dispute_events("GP-2026-000002", LEGAL)[0].payer
    assert second.id_number != registered.payer.id_number
    assert second.id_number_digest == registered.payer.id_number_digest


# --- snapshots ----------------------------------------------------------------------------------


def test_a_long_case_reloads_to_the_same_state_from_its_snapshot(make_app, clock):
    app = make_app()
    register(app)
    transfer(app, CASE_1, "tax")
    results = [progress(app, CASE_1, f"进展 {i}") for i in range(55)]

    assert [r.version for r in results] == list(range(3, 58))
    assert [r.position for r in results] == list(range(4, 59))
    assert results[-1].status == "TRANSFERRED"

    dispute_id = app.get_dispute(CASE_1, AUDITOR).id
    snapshots = list(app.snapshots.get(dispute_id))
    assert [s.originator_version for s in snapshots] == [50]

    fresh = make_app()
    reloaded = fresh.get_dispute(CASE_1, AUDITOR)
    replayed = project_dispute(None, app.events.get(dispute_id))
    assert reloaded.version == replayed.version == 57
    assert msgspec.json.encode(reloaded) == msgspec.json.encode(replayed)
    assert msgspec.json.encode(reloaded) == msgspec.json.encode(app.get_dispute(CASE_1, AUDITOR))
    assert reloaded.clocks[DeadlineKind.HANDLING].deadline.due_on == date(2026, 12, 3)

    # And the reloaded case takes further commands at the right version.
    r = fresh.conclude(CASE_1, command(cmd.Conclude, outcome="explained", result="已解释"), HANDLER_TAX)
    assert (r.status, r.version, r.position) == ("CONCLUDED", 58, 59)
