"""Personal data sealed in the events under each case's own key (application/privacy.py), on
SQLite and PostgreSQL: what is sealed, what still reads, and what says loudly that it cannot."""

from __future__ import annotations

import dataclasses
from uuid import UUID

import msgspec
import pytest

from application.privacy import DESTROYED, CaseKeyDestroyed, PersonalDataUnavailable, Privacy
from domain.dispute import Dispute
from domain.values import Payer, PayerKind
from infrastructure.store import open_application
from tests.application._support import AUDITOR, CLERK_TAX, ID_NUMBER, LEGAL, PHONE, register

CASE_1 = "GP-2026-000001"


def _registered(app, ref=CASE_1):
    return app.dispute_events(ref, LEGAL)[0]


def test_an_individual_other_party_is_sealed_and_masked_like_the_payer(app):
    register(app, other_party={"name": "李四", "kind": "employee", "contact": "高平市北城街道 12 号"})
    register(app, other_party={"name": "高平市某煤业有限公司", "kind": "employer", "contact": "13912345678"})

    person = _registered(app)
    other = person.other_party
    assert other.name.startswith("enc2:") and other.contact.startswith("enc2:")
    assert other.name_masked == "李*"
    assert other.contact_masked == "高****** ** *"
    assert app.privacy.open(person.originator_id, other.name) == "李四"
    assert app.privacy.open(person.originator_id, other.contact) == "高平市北城街道 12 号"
    stored = b"".join(s.state for s in app.recorder.select_events(person.originator_id))
    assert "李四".encode() not in stored and "北城街道".encode() not in stored

    employer = _registered(app, "GP-2026-000002").other_party
    assert employer.name == "高平市某煤业有限公司"  # not personal data: stays readable
    assert employer.name_masked is None
    assert employer.contact.startswith("enc2:")


def test_values_stored_before_per_case_keys_still_read(app):
    """An upcaster in effect: legacy "enc1:" values open under FENGQIAO_DATA_KEY, and a name
    stored in clear reads as it is."""
    legacy = app.privacy.encrypt(ID_NUMBER)
    case_id = UUID(int=7)

    assert app.privacy.open(case_id, legacy) == ID_NUMBER
    assert app.privacy.open(case_id, "张三") == "张三"
    # An event in the old shape (no name digest, no masked other-party name) still decodes.
    old = Payer(PayerKind.INDIVIDUAL, "张三", legacy, app.privacy.encrypt(PHONE), "m", "p", "张*", "d")
    raw = msgspec.json.encode(old).replace(b',"name_digest":""', b"")
    assert msgspec.json.decode(raw, type=Payer).name == "张三"


def test_a_case_whose_key_is_missing_says_so(make_app, settings):
    app = make_app()
    register(app)
    case_id = _registered(app).originator_id
    delete_key(app, case_id)
    fresh = make_app()  # no key cached

    with pytest.raises(PersonalDataUnavailable, match="missing"):
        fresh.privacy.open(case_id, _registered(fresh).payer.id_number)


def test_another_data_key_cannot_open_a_case_and_says_which_setting(make_app, settings, clock):
    app = make_app()
    register(app)
    other = open_application(dataclasses.replace(settings, data_key=b"another-data-key"), clock=clock)
    try:
        registered = _registered(other)
        with pytest.raises(PersonalDataUnavailable, match="FENGQIAO_DATA_KEY"):
            other.privacy.open(registered.originator_id, registered.payer.name)
    finally:
        other.close()


def test_rotation_old_key_listed_as_previous_reads_and_rewrap_moves_every_key(make_app, settings, clock):
    app = make_app()
    register(app)
    rotated = dataclasses.replace(settings, data_key=b"the-next-data-key", previous_data_keys=(settings.data_key,))
    new = open_application(rotated, clock=clock)
    try:
        registered = _registered(new)
        assert new.privacy.open(registered.originator_id, registered.payer.name) == "张三"
        assert new.rewrap_case_keys() == 1
        assert new.rewrap_case_keys() == 0
    finally:
        new.close()
    only_new = open_application(dataclasses.replace(settings, data_key=b"the-next-data-key"), clock=clock)
    try:
        registered = _registered(only_new)
        assert only_new.privacy.open(registered.originator_id, registered.payer.id_number) == ID_NUMBER
        # Search digests stay those of the deployment's first key through a rotation.
        assert registered.payer.id_number_digest == Privacy(b"x", (settings.data_key,)).digest(ID_NUMBER)
    finally:
        only_new.close()


def test_a_destroyed_key_reads_as_destroyed_never_as_a_fallback(make_app):
    app = make_app()
    register(app)
    registered = _registered(app)
    assert app.privacy.destroy(registered.originator_id, registered.timestamp)

    for reader in (app, make_app()):
        with pytest.raises(CaseKeyDestroyed):
            reader.privacy.open(registered.originator_id, registered.payer.phone)
    assert DESTROYED == "已销毁"


def test_registration_keeps_its_case_key_so_commands_pay_no_unwrap(app, monkeypatch):
    register(app)
    registered = _registered(app)
    monkeypatch.setattr(app.privacy, "unwrap", _refuse)
    assert app.privacy.open(registered.originator_id, registered.payer.name) == "张三"
    dispute = app.get_dispute(CASE_1, AUDITOR)
    assert isinstance(dispute, Dispute) and dispute.accepting_unit == CLERK_TAX.unit


def _refuse(*_args, **_kwargs):
    raise AssertionError("the key was unwrapped again")


def delete_key(app, case_id: UUID) -> None:
    recorder = app.recorder
    if hasattr(recorder, "keys_table"):
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(recorder.keys_table.as_string(conn).join(["DELETE FROM ", " WHERE case_id = %s"]), (case_id,))
    else:
        with recorder.datastore.transaction(commit=True) as c:
            c.execute("DELETE FROM case_keys WHERE case_id = ?", (case_id.hex,))
