"""The dossier's PDF shows a private other party as the exporting role may see it: its name masked
like the payer's for a masked role (and nothing logged), whole for legal staff (logged)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from application import commands as cmd
from interfaces.dossier.bundle import write_dossier
from tests.application._support import ID_NUMBER, PHONE, utc
from tests.dossier.conftest import AUDITOR, CLERK_TAX, LEGAL, OTHER_CONTACT, TASKFORCE
from tests.dossier.test_dossier import flat, pdf_text

pytestmark = pytest.mark.usefixtures("cjk_font")
WORKER = "王小明"


def _case(runtime: Any, clock: Any) -> str:
    clock.set(utc("2026-11-23T03:00:00"))
    registered = runtime.fengqiao.register(
        msgspec.convert({
            "channel": "hotline_12333", "received_at": "2026-11-23T02:00:00Z", "accepting_unit": "tax",
            "payer": {"kind": "individual", "name": "张三", "id_number": ID_NUMBER, "phone": PHONE},
            "category": "benefit", "summary": "工伤待遇争议",
            "other_party": {"name": WORKER, "kind": "employee", "contact": "13900001111"},
        }, cmd.RegisterDispute),
        CLERK_TAX,
        None,
    )
    return str(registered.case_number)


def test_a_private_other_party_is_masked_in_a_masked_roles_pdf(runtime: Any, clock: Any, tmp_path: Path) -> None:
    case = _case(runtime, clock)
    masked = flat(pdf_text(write_dossier(runtime.fengqiao, runtime.reads, runtime.checkpoints, case, AUDITOR,
                                         tmp_path / "a").directory / "dossier.pdf"))
    assert "王**" in masked and WORKER not in masked and "张三" not in masked and "13900001111" not in masked
    assert runtime.reads.access.entries(start=None, end=None, case_number=case, limit=100) == []

    whole = flat(pdf_text(write_dossier(runtime.fengqiao, runtime.reads, runtime.checkpoints, case, LEGAL,
                                        tmp_path / "l").directory / "dossier.pdf"))
    assert WORKER in whole and "13900001111" in whole
    fields = [set(e.fields) for e in runtime.reads.access.entries(start=None, end=None, case_number=case, limit=100)]
    assert {"otherParty.name", "otherParty.contact"} in fields


@pytest.mark.parametrize("actor", [AUDITOR, TASKFORCE], ids=lambda a: a.subject)
def test_no_file_a_masked_role_reads_shows_personal_data_whole(runtime: Any, full_case: str, tmp_path: Path,
                                                             actor: Any) -> None:
    """Every file of the bundle as its reader sees it (the PDF as text) but events.jsonl, whose
    stored bytes are the event store's own (sealed there, see the privacy model)."""
    dossier = write_dossier(runtime.fengqiao, runtime.reads, runtime.checkpoints, full_case, actor, tmp_path)
    assert dossier.verification["valid"] is True
    for path in sorted(dossier.directory.iterdir()):
        if path.name == "events.jsonl":
            continue
        text = flat(pdf_text(path)) if path.suffix == ".pdf" else path.read_text(encoding="utf-8")
        for whole in (ID_NUMBER, PHONE, "张三", OTHER_CONTACT):
            assert whole not in text, (actor.subject, path.name, whole)
    assert runtime.reads.access.entries(start=None, end=None, case_number=full_case, limit=100) == []
