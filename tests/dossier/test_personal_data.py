"""Personal data in the dossier: the stored bytes hold none in clear for any role; a legal dossier
adds the opened values beside them (and the verifier checks they stand beside the stored fields);
a shredded case still verifies and reads 已销毁."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from application.audit import offline
from application.audit.verification import verify_case
from application.privacy import DESTROYED
from domain.reference import dispute_id_for
from infrastructure import settings as configuration
from interfaces import cli
from interfaces.cli import retention
from interfaces.dossier.bundle import write_dossier
from tests.application._support import ID_NUMBER, PHONE, utc
from tests.dossier.conftest import AUDITOR, LEGAL, OTHER_CONTACT, TASKFORCE
from tests.dossier.test_dossier import flat, pdf_text

pytestmark = pytest.mark.usefixtures("cjk_font")

WHOLE = (ID_NUMBER, PHONE, "张三", OTHER_CONTACT)


def _every_text(bundle: Path) -> str:
    """Every file of a bundle as text, the stored event bytes decoded, the PDF's text extracted."""
    texts = []
    for path in bundle.iterdir():
        if path.suffix == ".pdf":
            texts.append(flat(pdf_text(path)))
        else:
            texts.append(path.read_text(encoding="utf-8"))
    for line in (bundle / "events.jsonl").read_text(encoding="utf-8").splitlines():
        texts.append(base64.b64decode(json.loads(line)["state_b64"]).decode())
    return "\n".join(texts)


@pytest.mark.parametrize("actor", [AUDITOR, TASKFORCE], ids=lambda a: a.role.value)
def test_a_masked_roles_dossier_holds_no_whole_personal_data_in_any_file(runtime, full_case, tmp_path, actor):
    dossier = write_dossier(runtime.fengqiao, runtime.reads, runtime.checkpoints, full_case, actor, tmp_path)
    text = _every_text(dossier.directory)
    assert [value for value in WHOLE if value in text] == []
    assert not (dossier.directory / offline.PERSONAL_FILE).exists()
    assert offline.verify_path(dossier.directory)["valid"] is True


def test_a_legal_dossier_adds_the_opened_values_beside_the_stored_bytes(runtime, full_case, tmp_path):
    dossier = write_dossier(runtime.fengqiao, runtime.reads, runtime.checkpoints, full_case, LEGAL, tmp_path)
    events = (dossier.directory / "events.jsonl").read_text(encoding="utf-8")
    stored = "\n".join(base64.b64decode(json.loads(line)["state_b64"]).decode() for line in events.splitlines())
    assert [value for value in WHOLE if value in stored] == []

    personal = json.loads((dossier.directory / offline.PERSONAL_FILE).read_text(encoding="utf-8"))
    opened = {e["field"]: e["value"] for e in personal["fields"]}
    assert opened["payer.name"] == "张三"
    assert opened["payer.id_number"] == ID_NUMBER
    assert opened["payer.phone"] == PHONE
    assert opened["other_party.contact"] == OTHER_CONTACT
    assert all(e["stored"].startswith("enc2:") and e["stored"] in stored for e in personal["fields"])
    assert offline.verify_path(dossier.directory)["valid"] is True

    # A value moved beside another field than the one that holds it is found offline.
    personal["fields"][0]["stored"] = personal["fields"][1]["stored"]
    (dossier.directory / offline.PERSONAL_FILE).write_text(json.dumps(personal, ensure_ascii=False), encoding="utf-8")
    report = offline.verify_path(dossier.directory)
    assert report["valid"] is False
    assert any(offline.PERSONAL_FILE in p for p in report["problems"])


def test_shredding_waits_for_the_remedy_windows_then_destroys_the_key_and_the_chain_still_verifies(
    runtime, full_case, clock, tmp_path, capsys
):
    def shred(before: str) -> int:  # `fengqiao retention shred` on the test's runtime and clock
        return retention.shred(runtime.fengqiao, runtime.reads, before)

    # Archived 10 Dec 2026 after remedy guidance: litigation open for six months from 8 Dec.
    assert shred("2026-12-11") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["shredded"] == []
    assert "remedy window is open until 2027-06-08" in report["refused"][full_case]

    open_case = _register_another(runtime)
    clock.set(utc("2027-07-01T02:00:00"))
    assert shred("2026-12-10") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["shredded"] == [] and "not before 2026-12-10" in report["refused"][full_case]

    assert shred("2027-01-01") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["shredded"] == [full_case]
    assert "status ACCEPTED" in report["refused"][open_case]

    fengqiao = runtime.fengqiao
    events = fengqiao.dispute_events(full_case, LEGAL)
    assert type(events[-1]).__name__ == "PersonalDataShredded"
    case_id = dispute_id_for(full_case)
    key = fengqiao.case_keys.case_key(case_id)
    assert key is not None and key.wrapped is None and key.destroyed_at is not None
    assert fengqiao.case_keys.case_key(dispute_id_for(open_case)).wrapped is not None

    runtime.reads.runner.catch_up()
    assert verify_case(fengqiao, runtime.reads.store, runtime.checkpoints, case_id).valid
    dossier = write_dossier(fengqiao, runtime.reads, runtime.checkpoints, full_case, LEGAL, tmp_path)
    assert dossier.verification["valid"] is True
    assert not (dossier.directory / offline.PERSONAL_FILE).exists()
    compact = flat(pdf_text(dossier.directory / "dossier.pdf"))
    assert DESTROYED in compact and "张*" not in compact and ID_NUMBER not in compact

    view = runtime.reads.query(_find, full_case)
    party = runtime.reads.party(LEGAL, view, view.payer, ["name", "idNumber", "phone"], None)
    assert (party.name, party.id_number, party.phone, party.unmasked) == (DESTROYED, DESTROYED, DESTROYED, False)

    # Again: nothing more to do, and the case says it was shredded before.
    assert shred("2027-01-01") == 0
    again = json.loads(capsys.readouterr().out)
    assert again["shredded"] == [] and "already destroyed" in again["refused"][full_case]


def test_shred_refuses_a_date_it_cannot_read_or_in_the_future(runtime, monkeypatch, capsys):
    monkeypatch.setattr(configuration, "load_settings", lambda: runtime.settings)
    assert cli.main(["retention", "shred", "--archived-before", "yesterday"]) == 2
    assert "--archived-before" in capsys.readouterr().err
    assert cli.main(["retention", "shred", "--archived-before", "2999-01-01"]) == 2
    assert "future" in capsys.readouterr().err


def _find(cur: Any, number: str) -> Any:
    from projections import queries as q

    return q.find_case(cur, case_number=number, reach=q.EVERYTHING)


def _register_another(runtime: Any) -> str:
    from tests.application._support import register

    return register(runtime.fengqiao, received_at="2026-11-30T02:00:00+00:00").case_number



def test_retention_commands_list_candidates_and_rewrap(runtime, full_case, monkeypatch, capsys):
    monkeypatch.setattr(configuration, "load_settings", lambda: runtime.settings)
    assert cli.main(["retention", "shred", "--archived-before", "2026-12-01", "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["candidates"] == [full_case]
    assert cli.main(["retention", "rewrap-keys"]) == 0
    assert json.loads(capsys.readouterr().out)["rewrapped"] == 0  # already under the current key


def test_a_dossier_of_a_case_whose_key_is_missing_says_so(runtime, full_case, tmp_path, monkeypatch, capsys):
    from tests.application.test_privacy import delete_key

    monkeypatch.setattr(configuration, "load_settings", lambda: runtime.settings)
    case_id = dispute_id_for(full_case)
    delete_key(runtime.fengqiao, case_id)
    runtime.fengqiao.privacy.forget(case_id)
    assert cli.main(["dossier", full_case, "--out", str(tmp_path)]) == 1
    assert "missing" in capsys.readouterr().err
    # A masked role needs no key: its dossier is still made.
    assert cli.main(["dossier", full_case, "--out", str(tmp_path), "--as-role", "auditor"]) == 0


def test_a_dossier_is_written_owner_only(runtime, full_case, tmp_path):
    import stat
    import zipfile

    from interfaces.dossier.bundle import dossier_zip

    dossier = write_dossier(runtime.fengqiao, runtime.reads, runtime.checkpoints, full_case, LEGAL, tmp_path)
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in dossier.directory.iterdir()} == {
        p.name: 0o600 for p in dossier.directory.iterdir()
    }
    _, data = dossier_zip(runtime.fengqiao, runtime.reads, runtime.checkpoints, full_case, LEGAL)
    archive = tmp_path / "d.zip"
    archive.write_bytes(data)
    with zipfile.ZipFile(archive) as z:
        assert {i.external_attr >> 16 for i in z.infolist()} == {0o600}
