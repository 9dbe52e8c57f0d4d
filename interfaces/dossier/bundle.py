"""Write one case's dossier bundle (a directory, or a zip for a download).

The bundle holds the case's stored events byte for byte (events.jsonl), a signed checkpoint that
covers the case's last event with the Merkle proof of the case's head (checkpoint.json), the
result of verifying both (verification.json), a human-readable PDF in Chinese (dossier.pdf) and a
README. What goes in is gathered and verified by the audit (application/audit/dossier.py).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from application.audit.checkpoints import CheckpointStore
from application.audit.dossier import CaseRecord, check_role, checkpoint_json, events_jsonl, gather, personal_json
from application.audit.ports import CaseSource
from application.reads import ReadSide
from domain.values import Actor
from interfaces.dossier.fonts import register_fonts
from interfaces.dossier.pdf import render_pdf
from interfaces.dossier.readme import readme_text


@dataclass
class Dossier:
    case_number: str
    directory: Path
    verification: dict[str, Any]


def write_dossier(
    cases: CaseSource,
    reads: ReadSide,
    checkpoints: CheckpointStore,
    ref: str,
    actor: Actor,
    out: Path,
    *,
    reason: str | None = None,
) -> Dossier:
    """Write the bundle to out/<case_number>/ and return where, with the verification result."""
    check_role(reads, actor)
    register_fonts()  # fail before anything is read or logged when there is no CJK font
    record = gather(cases, reads, checkpoints, ref, actor, reason=reason)
    out.mkdir(parents=True, exist_ok=True)
    target = out / record.case_number
    target.mkdir(mode=0o700, exist_ok=True)
    for name, data in render_files(record).items():
        _write_atomically(target / name, data)
    return Dossier(record.case_number, target, record.verification)


def dossier_zip(
    cases: CaseSource,
    reads: ReadSide,
    checkpoints: CheckpointStore,
    ref: str,
    actor: Actor,
    *,
    reason: str | None = None,
) -> tuple[str, bytes]:
    """The bundle as a zip (members under <case_number>/), for a download."""
    check_role(reads, actor)
    register_fonts()
    record = gather(cases, reads, checkpoints, ref, actor, reason=reason)
    buffer = io.BytesIO()
    stamp = record.generated_at.astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in render_files(record).items():
            info = zipfile.ZipInfo(f"{record.case_number}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16  # unpacked owner-only: it may hold personal data
            archive.writestr(info, data)
    return record.case_number, buffer.getvalue()


def render_files(record: CaseRecord) -> dict[str, bytes]:
    files = {
        "events.jsonl": events_jsonl(record),
        "checkpoint.json": checkpoint_json(record),
        "verification.json": (json.dumps(record.verification, ensure_ascii=False, indent=2) + "\n").encode(),
        "dossier.pdf": render_pdf(record),
        "README.txt": readme_text(record.case_number).encode(),
    }
    personal = personal_json(record)
    if personal is not None:
        files["personal_data.json"] = personal  # a legal dossier: the sealed fields opened
    return files


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o600)  # owner-only, as every export: a legal dossier holds personal data
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
