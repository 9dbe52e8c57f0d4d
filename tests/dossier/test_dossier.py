"""The legal dossier: a case that went through every step, written as a bundle, read as a PDF,
verified offline after copying, and caught when a byte or the signed manifest is changed."""

from __future__ import annotations

import ast
import base64
import json
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pypdf import PdfReader

from application.audit import offline
from application.audit.checkpoints import public_key_pem
from domain.identifiers import mask_id_number, mask_phone
from domain.reference import dispute_id_for
from interfaces import cli
from interfaces.dossier.bundle import dossier_zip, write_dossier
from tests.application._support import ID_NUMBER, PHONE
from tests.dossier.conftest import AUDITOR, LEGAL, OTHER_CONTACT

pytestmark = pytest.mark.usefixtures("cjk_font")

FILES = {"events.jsonl", "checkpoint.json", "dossier.pdf", "verification.json", "README.txt"}
LEGAL_FILES = FILES | {"personal_data.json"}
EVENT_TYPES = [
    "DisputeRegistered",
    "DisputeTransferred",
    "TransferSignedFor",
    "ProgressRecorded",
    "DisputeEscalated",
    "DeliberationHeld",
    "HandlingConcluded",
    "FeedbackGiven",
    "FeedbackGiven",
    "ObjectionRaised",
    "RemedyGuidanceGiven",
    "NoObjectionConfirmed",
    "DisputeArchived",
]


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def flat(text: str) -> str:
    """Line breaks inside wrapped cells removed, for substring checks."""
    return "".join(text.split())


def events_of(bundle: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (bundle / "events.jsonl").read_text(encoding="utf-8").splitlines()]


def write_events(bundle: Path, items: list[dict[str, Any]]) -> None:
    (bundle / "events.jsonl").write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")


@pytest.fixture
def legal_bundle(runtime: Any, full_case: str, tmp_path: Path) -> Path:
    dossier = write_dossier(runtime.fengqiao, runtime.reads, runtime.checkpoints, full_case, LEGAL, tmp_path / "out")
    return dossier.directory


def test_bundle_holds_the_stored_bytes_the_chain_and_a_covering_signed_checkpoint(runtime, full_case, legal_bundle):
    assert legal_bundle.name == full_case
    assert {p.name for p in legal_bundle.iterdir()} == LEGAL_FILES

    case_id = dispute_id_for(full_case)
    stored = list(runtime.fengqiao.recorder.select_events(case_id))
    items = events_of(legal_bundle)
    assert [i["sequence"] for i in items] == list(range(1, 14))
    assert [i["type"] for i in items] == EVENT_TYPES
    assert [base64.b64decode(i["state_b64"]) for i in items] == [bytes(e.state) for e in stored]
    assert [i["topic"] for i in items] == [e.topic for e in stored]
    # The chain is the one the projection recorded when each event was first seen.
    with runtime.reads.store.transaction(readonly=True) as cur:
        cur.execute("SELECT version, hash FROM rm_timeline WHERE case_id = ? ORDER BY version", (str(case_id),))
        projected = [str(h) for _v, h in cur.fetchall()]
    assert [i["hash"] for i in items] == projected

    checkpoint = json.loads((legal_bundle / "checkpoint.json").read_text(encoding="utf-8"))
    on_disk = json.loads((runtime.settings.checkpoint_dir / checkpoint["manifest_file"]).read_text(encoding="utf-8"))
    assert checkpoint["manifest"] == on_disk  # the manifest exactly as signed
    assert checkpoint["inclusion"]["case_id"] == str(case_id)
    assert checkpoint["inclusion"]["version"] == 13
    assert checkpoint["inclusion"]["head"] == items[-1]["hash"]
    assert checkpoint["public_key"]["pem"] == public_key_pem(runtime.settings.signing_key)

    verification = json.loads((legal_bundle / "verification.json").read_text(encoding="utf-8"))
    assert verification["valid"] is True
    assert verification["events"] == 13
    assert verification["head_hash"] == items[-1]["hash"]
    assert verification["first_invalid_sequence"] is None
    assert verification["checkpoint_sequence"] == checkpoint["manifest"]["sequence"]
    assert verification["key_id"] == checkpoint["manifest"]["key_id"]
    assert verification["store"]["valid"] is True

    readme = (legal_bundle / "README.txt").read_text(encoding="utf-8")
    assert "离线校验" in readme and "Verifying offline" in readme and "SHA-256( 0x00" in readme


def test_an_existing_covering_checkpoint_is_reused(runtime, full_case, tmp_path):
    runtime.reads.runner.catch_up()
    made = runtime.checkpoints.create(runtime.reads.store, runtime.fengqiao.clock())
    assert made is not None
    dossier = write_dossier(runtime.fengqiao, runtime.reads, runtime.checkpoints, full_case, AUDITOR, tmp_path)
    assert dossier.verification["checkpoint_sequence"] == made.sequence
    assert len(runtime.checkpoints.manifests()) == 1


def test_pdf_is_chinese_with_every_section_and_the_whole_personal_data_for_legal(runtime, full_case, legal_bundle):
    text = pdf_text(legal_bundle / "dossier.pdf")
    compact = flat(text)
    for label in (
        "社会保险费征缴争议案卷",
        full_case,
        "一、受理台账",
        "缴费人名称（姓名）",
        "居民身份证号码",
        "联系电话",
        "受理渠道",
        "12366热线",
        "来电（来访）时间",
        "2026-11-2310:00",  # received 02:00Z, shown in Asia/Shanghai
        "争议类别",
        "社会保险费退（抵）费模式、流程、金额",
        "养老、失业",
        "米山镇",
        "12366-20261123-0042",
        "二、办理过程",
        "时间",
        "事项",
        "办理人",
        "单位",
        "内容",
        "国家税务总局高平市税务局",
        "市财政局",
        "【补录】",
        "三、办理期限",
        "转交期限",
        "办理期限",
        "集体商议期限",
        "是（超期完成）",
        "会议纪要",
        "书面处理意见",
        "五、结果反馈",
        "六、异议",
        "七、救济途径指导",
        "行政复议期限",
        # 60 days after 8 Dec 2026 is Sat 6 Feb 2027, 春节 without a notice: moved past the
        # statutory 5-8 Feb and the days in lieu 9-10 Feb to Thu 11 Feb.
        "最后一日：2027-02-11",
        "高平市人民政府（行政复议机构：高平市司法局）",
        "行政诉讼期限",
        "2027-06-08",
        # Both parties answered and the archive's no-objection basis (issue 12, items 4 and 5).
        "争议对方无异议确认：用人单位书面确认对处理结果无异议",
        "无异议依据：缴费人：已业务指导；争议对方：无异议确认",
        "就缴费人的异议指导申请行政复议",
        "异议当事人缴费人",
        "办理事项全文",
        "完整性校验",
        "有效",
    ):
        assert flat(label) in compact, label
    assert ID_NUMBER in compact and PHONE in compact and "张三" in compact
    # Labels from the one vocabulary, derivations said in Chinese.
    for words in ("当前状态已归档", "处理结果类别：退费", "转交期限（受理后1个工作日内）推算依据",
                  "起算日：2026-11-23（星期一），为受理之日；当日不计入期间（《民法典》第二百零一条）",
                  "跳过2027-02-06（星期六，春节法定节假日（暂定）；2027年放假通知尚未载入）"):
        assert flat(words) in compact, words
    for english in ("notcounted", "workingday", "CivilCode", "skipped", "provisional:"):
        assert english not in compact, english
    assert OTHER_CONTACT in compact  # the other party's contact, whole too
    verification = json.loads((legal_bundle / "verification.json").read_text(encoding="utf-8"))
    assert verification["head_hash"] in compact
    assert verification["key_id"] in compact

    # The CJK font is embedded (a subset), not merely named.
    reader = PdfReader(legal_bundle / "dossier.pdf")
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            fonts[str(font["/BaseFont"])] = descriptor is not None and "/FontFile2" in descriptor.get_object()
    assert fonts and all(fonts.values()), fonts  # every font embedded, no bare base font

    # The whole view was logged, as for the API.
    entries = runtime.reads.access.entries(start=None, end=None, case_number=full_case, limit=1000)
    assert [(e.subject, e.role, e.fields) for e in entries] == [
        ("legal-1", "legal", ["idNumber", "name", "phone"]),
        ("legal-1", "legal", ["otherParty.contact"]),
    ]


def test_pdf_renders_to_png_pages(legal_bundle, tmp_path):
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) not installed")
    subprocess.run([pdftoppm, "-r", "60", "-png", str(legal_bundle / "dossier.pdf"), str(tmp_path / "page")],
                   check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(PdfReader(legal_bundle / "dossier.pdf").pages) >= 3
    assert all(p.stat().st_size > 10_000 for p in pages)
    pdftotext = shutil.which("pdftotext")
    if pdftotext is not None:
        out = subprocess.run([pdftotext, str(legal_bundle / "dossier.pdf"), "-"], capture_output=True, check=True, timeout=60)
        assert "社会保险费征缴争议案卷" in out.stdout.decode()


def test_auditor_dossier_masks_personal_data_and_logs_no_whole_view(runtime, full_case, tmp_path):
    dossier = write_dossier(runtime.fengqiao, runtime.reads, runtime.checkpoints, full_case, AUDITOR, tmp_path)
    compact = flat(pdf_text(dossier.directory / "dossier.pdf"))
    assert mask_id_number(ID_NUMBER) in compact
    assert mask_phone(PHONE) in compact
    assert "张*" in compact
    assert ID_NUMBER not in compact and PHONE not in compact and "张三" not in compact
    assert mask_phone(OTHER_CONTACT) in compact and OTHER_CONTACT not in compact
    assert "脱敏显示" in compact
    assert runtime.reads.access.entries(start=None, end=None, case_number=full_case, limit=1000) == []
    assert dossier.verification["valid"] is True


def test_bundle_verifies_offline_after_copying_it_elsewhere(runtime, legal_bundle, tmp_path, capsys):
    elsewhere = tmp_path / "usb-stick" / legal_bundle.name
    shutil.copytree(legal_bundle, elsewhere)
    shutil.rmtree(legal_bundle.parent)  # nothing of the original is left to lean on

    assert cli.main(["verify-dossier", str(elsewhere)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is True
    assert report["events"] == 13
    assert report["first_invalid_sequence"] is None
    assert report["problems"] == []
    assert report["checkpoint_sequence"] >= 1

    # Against the deployment's published key.
    trusted = tmp_path / "published.pem"
    trusted.write_text(public_key_pem(runtime.settings.signing_key))
    assert cli.main(["verify-dossier", str(elsewhere), "--public-key", str(trusted)]) == 0
    assert json.loads(capsys.readouterr().out)["trusted_key"] is True

    # Against some other key: the bundle is consistent, but not signed by the trusted key.
    other = tmp_path / "other.pem"
    other.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    assert cli.main(["verify-dossier", str(elsewhere), "--public-key", str(other)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert any("trusted" in p for p in report["problems"])


def test_the_verifier_runs_alone_with_only_the_standard_library_and_cryptography(legal_bundle, tmp_path):
    source = Path(offline.__file__).read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"cryptography"}

    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(Path(offline.__file__), alone / "verify.py")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "verify.py", str(legal_bundle)], cwd=alone, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["valid"] is True


_LOADED = "import json, sys; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)"


def _isolated(code: str, *path: Path) -> subprocess.CompletedProcess[str]:
    """Python without site (so the project's editable install is not on the path), with only the
    standard library and `path` to import from; `code` prints the loaded modules last, to stderr."""
    setup = f"import sys; sys.path += {[str(p) for p in path]!r}\n"
    return subprocess.run([sys.executable, "-I", "-S", "-c", setup + code + "\n" + _LOADED],
                          capture_output=True, text=True, timeout=60, check=False)


def test_the_verifier_in_place_loads_nothing_but_the_standard_library_and_cryptography(legal_bundle):
    import cryptography

    crypto_root = Path(cryptography.__file__).parents[1]
    folder = Path(offline.__file__).parent
    # What cryptography itself loads for the verifier's imports (its compiled bindings among them).
    alone = _isolated("import cryptography.exceptions, cryptography.hazmat.primitives.asymmetric.ed25519, "
                      "cryptography.hazmat.primitives.serialization", crypto_root)
    assert alone.returncode == 0, alone.stderr
    allowed = set(sys.stdlib_module_names) | set(json.loads(alone.stderr.splitlines()[-1])) | {"offline"}

    done = _isolated(f"import offline\nrc = offline.main([{str(legal_bundle)!r}])\nassert rc == 0, rc",
                     folder, crypto_root)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["valid"] is True
    loaded = set(json.loads(done.stderr.splitlines()[-1]))
    assert loaded - allowed == set()
    assert not loaded & {p.stem for p in folder.glob("*.py")} - {"offline"}  # no sibling of the audit package


def test_a_flipped_byte_in_a_stored_event_is_found_and_its_sequence_named(legal_bundle, capsys):
    items = events_of(legal_bundle)
    state = bytearray(base64.b64decode(items[4]["state_b64"]))
    state[len(state) // 2] ^= 0x01
    items[4]["state_b64"] = base64.b64encode(bytes(state)).decode()
    write_events(legal_bundle, items)

    assert cli.main(["verify-dossier", str(legal_bundle)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert report["first_invalid_sequence"] == 5
    assert any("event 5" in p for p in report["problems"])


def test_a_rechained_forgery_still_fails_against_the_signed_head(legal_bundle):
    items = events_of(legal_bundle)
    case_hex = UUID(json.loads((legal_bundle / "checkpoint.json").read_text())["case_id"]).hex
    state = base64.b64decode(items[6]["state_b64"]).replace("已退还".encode(), "未退还".encode())
    items[6]["state_b64"] = base64.b64encode(state).decode()
    previous = offline.GENESIS
    for item in items:  # the forger recomputes every hash after the change
        previous = offline.link(previous, case_hex, item["sequence"], item["topic"], base64.b64decode(item["state_b64"]))
        item["hash"] = previous
    write_events(legal_bundle, items)

    report = offline.verify_path(legal_bundle)
    assert report["valid"] is False
    assert any("not the head the checkpoint proves" in p for p in report["problems"])


def test_a_missing_event_is_found(legal_bundle):
    items = events_of(legal_bundle)
    write_events(legal_bundle, items[:3] + items[4:])
    report = offline.verify_path(legal_bundle)
    assert report["valid"] is False
    assert report["first_invalid_sequence"] == 4


def test_an_edited_manifest_fails_the_signature(legal_bundle, capsys):
    path = legal_bundle / "checkpoint.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["manifest"]["cases"] += 1
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")

    assert cli.main(["verify-dossier", str(legal_bundle)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert any("signature does not verify" in p for p in report["problems"])


def test_a_forged_root_fails_the_signature_and_a_forged_proof_the_root(legal_bundle):
    path = legal_bundle / "checkpoint.json"
    original = path.read_text(encoding="utf-8")
    document = json.loads(original)
    document["manifest"]["root"] = "0" * 64
    path.write_text(json.dumps(document), encoding="utf-8")
    problems = offline.verify_path(legal_bundle)["problems"]
    assert any("signature does not verify" in p for p in problems)

    document = json.loads(original)
    document["inclusion"]["head"] = "f" * 64
    path.write_text(json.dumps(document), encoding="utf-8")
    problems = offline.verify_path(legal_bundle)["problems"]
    assert any("not the head the checkpoint proves" in p for p in problems)
    assert any("does not lead to the checkpoint's signed Merkle root" in p for p in problems)


def test_zip_download_verifies_and_a_flipped_byte_inside_the_zip_is_found(runtime, full_case, tmp_path):
    case_number, data = dossier_zip(runtime.fengqiao, runtime.reads, runtime.checkpoints, full_case.lower(), AUDITOR)
    assert case_number == full_case
    archive = tmp_path / "dossier.zip"
    archive.write_bytes(data)
    with zipfile.ZipFile(archive) as z:
        assert {n.split("/", 1)[1] for n in z.namelist()} == FILES
        assert {n.split("/", 1)[0] for n in z.namelist()} == {full_case}
    assert offline.verify_path(archive)["valid"] is True

    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename.endswith("events.jsonl"):
                lines = content.decode().splitlines()
                item = json.loads(lines[1])
                state = bytearray(base64.b64decode(item["state_b64"]))
                state[3] ^= 0x20
                item["state_b64"] = base64.b64encode(bytes(state)).decode()
                lines[1] = json.dumps(item)
                content = ("\n".join(lines) + "\n").encode()
            dst.writestr(info, content)
    report = offline.verify_path(tampered)
    assert report["valid"] is False
    assert report["first_invalid_sequence"] == 2


def test_unreadable_bundle_is_reported_not_raised(tmp_path):
    report = offline.verify_path(tmp_path / "nothing-here")
    assert report["valid"] is False and report["problems"]
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    assert offline.verify_path(tmp_path / "junk.zip")["valid"] is False


def test_cli_writes_the_dossier_with_the_default_legal_role(runtime, full_case, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("infrastructure.settings.load_settings", lambda: runtime.settings)
    out = tmp_path / "cli-out"
    assert cli.main(["dossier", full_case, "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["valid"] is True
    assert printed["dossier"] == str(out / full_case)
    assert {p.name for p in (out / full_case).iterdir()} == LEGAL_FILES
    assert ID_NUMBER in flat(pdf_text(out / full_case / "dossier.pdf"))
    entries = runtime.reads.access.entries(start=None, end=None, case_number=full_case, limit=1000)
    assert [(e.subject, e.role) for e in entries] == [("cli", "legal"), ("cli", "legal")]

    assert cli.main(["dossier", full_case, "--out", str(tmp_path / "a"), "--as-role", "auditor", "--subject", "aud-7"]) == 0
    capsys.readouterr()
    assert mask_id_number(ID_NUMBER) in flat(pdf_text(tmp_path / "a" / full_case / "dossier.pdf"))

    assert cli.main(["dossier", "GP-2026-999999", "--out", str(tmp_path / "b")]) == 2
    assert "no case GP-2026-999999" in capsys.readouterr().err
    assert cli.main(["dossier", full_case, "--out", str(tmp_path / "c"), "--as-role", "clerk"]) == 2
    assert "needs --unit" in capsys.readouterr().err
    assert cli.main(["dossier", full_case, "--out", str(tmp_path / "d"), "--as-role", "integrator", "--unit", "tax"]) == 2
    assert "may not" in capsys.readouterr().err


def test_a_simple_case_with_long_texts_and_markup_characters_renders(runtime, clock, tmp_path):
    from application import commands as cmd
    from tests.application._support import register_body
    from tests.dossier.conftest import CLERK_TAX, _c

    long_text = ("<b>不&是</b>标记；" + "缴费人反映滞纳金计算有误，要求核实。" * 500)[:8000]
    clock.set(datetime(2026, 11, 25, 3, tzinfo=UTC))  # settled on the day of receipt
    registered = runtime.fengqiao.register(_c(cmd.RegisterDispute, **register_body(summary=long_text)), CLERK_TAX, None)
    runtime.fengqiao.resolve_on_spot(
        registered.case_number, _c(cmd.ResolveOnSpot, result=long_text, feedback_method="in_person"), CLERK_TAX
    )
    dossier = write_dossier(runtime.fengqiao, runtime.reads, runtime.checkpoints, registered.case_number, LEGAL, tmp_path)
    text = pdf_text(dossier.directory / "dossier.pdf")
    compact = flat(text)
    assert "<b>不&是</b>标记" in compact  # shown as typed, not taken for markup
    headings = [line.strip() for line in text.splitlines() if line.strip()[:2] in {"一、", "二、", "三、", "四、", "五、", "六、"}]
    assert headings == ["一、受理台账", "二、办理过程", "三、办理期限", "四、结果反馈", "五、办理事项全文", "六、完整性校验"]
    assert dossier.verification["valid"] is True


def test_the_inclusion_proof_walks_up_a_tree_of_many_cases(runtime, full_case, tmp_path):
    from application import commands as cmd
    from tests.application._support import register_body
    from tests.dossier.conftest import CLERK_TAX, _c

    others = [
        runtime.fengqiao.register(_c(cmd.RegisterDispute, **register_body(summary=f"第{i}件")), CLERK_TAX, None).case_number
        for i in range(4)
    ]
    sides = set()
    for case_number in [full_case, *others]:
        dossier = write_dossier(runtime.fengqiao, runtime.reads, runtime.checkpoints, case_number, AUDITOR, tmp_path)
        proof = json.loads((dossier.directory / "checkpoint.json").read_text())["inclusion"]["proof"]
        assert proof  # five leaves: one to three steps (an odd node is carried up without one)
        sides |= {side for side, _ in proof}
        report = offline.verify_path(dossier.directory)
        assert report["valid"] is True, report["problems"]
    assert sides == {"L", "R"}
    # All five came from one checkpoint signed after the last registration.
    assert len(runtime.checkpoints.manifests()) == 1


def test_a_returned_and_designated_case_shows_every_clock_and_says_so_in_chinese(runtime, clock, tmp_path):
    from application import commands as cmd
    from domain.values import Actor, Role
    from tests.application._support import register_body
    from tests.dossier.conftest import CLERK_TAX, _c

    app = runtime.fengqiao
    hrss = Actor("handler-hrss", Role.HANDLER, "hrss")
    gov = Actor("clerk-gov", Role.CLERK, "gov_office")
    clock.set(datetime(2026, 11, 25, 3, tzinfo=UTC))
    case = app.register(_c(cmd.RegisterDispute, **register_body(people_involved=6)), CLERK_TAX, None).case_number
    for hour in (4, 6):
        clock.set(datetime(2026, 11, 25, hour, tzinfo=UTC))
        app.transfer(case, _c(cmd.Transfer, to_unit="hrss", note="属人社局职责"), CLERK_TAX)
        clock.set(datetime(2026, 11, 25, hour + 1, tzinfo=UTC))
        app.return_case(case, _c(cmd.Return, reason="非本单位职责"), hrss)
    clock.set(datetime(2026, 11, 26, 2, tzinfo=UTC))
    app.transfer(case, _c(cmd.Transfer, to_unit="hrss", note="指定人社局承办"), gov)

    dossier = write_dossier(app, runtime.reads, runtime.checkpoints, case, LEGAL, tmp_path)
    compact = flat(pdf_text(dossier.directory / "dossier.pdf"))

    assert "市人社局退回，理由：非本单位职责" in compact
    assert "第二次退回，待市政府办公室或工作专班指定承办" in compact
    assert "指定承办：由市政府办公室指定市人社局承办（不得退回）" in compact
    assert "风险类型：群体性风险；风险等级：中" in compact
    assert compact.count("因退回终止") == 2
