"""GET /api/v1/disputes/{id}/dossier through the real ASGI app (auth middleware and all)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from pypdf import PdfReader

from application.audit import offline
from domain.identifiers import mask_id_number
from domain.reference import dispute_id_for
from domain.values import Role
from interfaces.auth import issue_token
from tests.application._support import ID_NUMBER

pytestmark = pytest.mark.usefixtures("cjk_font")


@pytest.fixture
def client(runtime: Any) -> Iterator[TestClient]:
    with TestClient(runtime.http) as c:
        yield c


def headers(runtime: Any, role: str, unit: str | None = None, subject: str | None = None) -> dict[str, str]:
    token = issue_token(runtime.settings.secret, subject=subject or f"{role}-{unit or 'all'}", role=Role(role), unit=unit)
    return {"Authorization": f"Bearer {token}"}


def pdf_of(data: bytes, case_number: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        pdf = z.read(f"{case_number}/dossier.pdf")
    return "".join("".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_legal_downloads_a_zip_that_verifies_offline(runtime, client, full_case, tmp_path):
    answer = client.get(f"/api/v1/disputes/{full_case}/dossier", headers=headers(runtime, "legal", subject="legal-9"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/zip")
    assert f'filename="{full_case}-dossier.zip"' in answer.headers["content-disposition"]
    archive = tmp_path / "download.zip"
    archive.write_bytes(answer.content)
    report = offline.verify_path(archive)
    assert report["valid"] is True, report["problems"]
    assert report["events"] == 13
    assert ID_NUMBER in pdf_of(answer.content, full_case)
    entries = runtime.reads.access.entries(start=None, end=None, case_number=full_case, limit=1000)
    assert [(e.subject, e.fields, e.reason) for e in entries] == [
        ("legal-9", ["idNumber", "name", "phone"], "dossier export (电子卷宗)"),
        ("legal-9", ["otherParty.contact"], "dossier export (电子卷宗)"),
    ]


def test_by_uuid_for_auditor_masked_with_reason_header_unused(runtime, client, full_case):
    case_id = dispute_id_for(full_case)
    answer = client.get(f"/api/v1/disputes/{case_id}/dossier",
                        headers={**headers(runtime, "auditor"), "X-Access-Reason": "audit"})
    assert answer.status_code == 200, answer.text
    text = pdf_of(answer.content, full_case)
    assert mask_id_number(ID_NUMBER) in text and ID_NUMBER not in text
    assert runtime.reads.access.entries(start=None, end=None, case_number=full_case, limit=1000) == []


@pytest.mark.parametrize(
    ("role", "unit"),
    [("taskforce", None), ("clerk", "tax"), ("handler", "finance")],
)
def test_taskforce_and_the_cases_own_units_may_download(runtime, client, full_case, role, unit):
    answer = client.get(f"/api/v1/disputes/{full_case}/dossier", headers=headers(runtime, role, unit))
    assert answer.status_code == 200, answer.text
    with zipfile.ZipFile(io.BytesIO(answer.content)) as z:
        verification = json.loads(z.read(f"{full_case}/verification.json"))
    assert verification["valid"] is True


def test_out_of_reach_unknown_forbidden_and_anonymous(runtime, client, full_case):
    url = f"/api/v1/disputes/{full_case}/dossier"
    # A unit that has nothing to do with the case: as if it did not exist.
    assert client.get(url, headers=headers(runtime, "handler", "court")).status_code == 404
    assert client.get(url, headers=headers(runtime, "clerk", "petition")).status_code == 404
    assert client.get("/api/v1/disputes/GP-2026-999999/dossier", headers=headers(runtime, "legal")).status_code == 404
    # Roles that never may.
    forbidden = client.get(url, headers=headers(runtime, "integrator", "tax"))
    assert forbidden.status_code == 403
    assert forbidden.json()["error"] == "forbidden"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_a_missing_font_is_a_clear_503(runtime, client, full_case, monkeypatch):
    from interfaces.dossier import fonts

    monkeypatch.setattr(fonts, "_registered", None)
    monkeypatch.setattr(fonts, "KNOWN_FONTS", ())
    monkeypatch.delenv(fonts.ENV_VAR, raising=False)
    answer = client.get(f"/api/v1/disputes/{full_case}/dossier", headers=headers(runtime, "legal"))
    assert answer.status_code == 503
    assert "fonts-wqy-zenhei" in answer.json()["message"]


def test_font_lookup_messages(monkeypatch, tmp_path):
    from interfaces.dossier import fonts

    monkeypatch.setenv(fonts.ENV_VAR, str(tmp_path / "missing.ttf"))
    with pytest.raises(fonts.FontMissing, match="FENGQIAO_CJK_FONT"):
        fonts.find_cjk_font()
    otf = tmp_path / "font.otf"
    otf.write_bytes(b"x")
    monkeypatch.setenv(fonts.ENV_VAR, str(otf))
    with pytest.raises(fonts.FontMissing, match=r"\.ttf or \.ttc"):
        fonts.find_cjk_font()
    monkeypatch.delenv(fonts.ENV_VAR)
    monkeypatch.setattr(fonts, "KNOWN_FONTS", ())
    with pytest.raises(fonts.FontMissing, match="apt-get install fonts-wqy-zenhei"):
        fonts.find_cjk_font()
    real = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
    if real.exists():
        monkeypatch.setenv(fonts.ENV_VAR, str(real))
        assert fonts.find_cjk_font().path == real


def test_with_the_projections_running_in_the_background(runtime, client, full_case, tmp_path):
    runtime.start_background(projections=True, scheduler=False)
    answer = client.get(f"/api/v1/disputes/{full_case}/dossier", headers=headers(runtime, "taskforce"))
    assert answer.status_code == 200, answer.text
    archive = tmp_path / "d.zip"
    archive.write_bytes(answer.content)
    assert offline.verify_path(archive)["valid"] is True
