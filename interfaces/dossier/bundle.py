"""Gather one case into a dossier bundle and write it (directory or zip).

The bundle holds the case's stored events byte for byte (events.jsonl), a signed checkpoint that
covers the case's last event with the Merkle proof of the case's head (checkpoint.json), the
result of verifying both (verification.json), a human-readable PDF in Chinese (dossier.pdf) and a
README. Personal data in the PDF follows the caller's role, exactly as the API shows it; a whole
view is written to the access log.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from application.disputes import Fengqiao
from application.errors import DisputeNotFound, Forbidden
from application.event_codec import decode_event
from application.reads import PartyValues, ReadSide
from domain.values import Actor, Role
from infrastructure.checkpoints import Checkpoint, CheckpointStore, key_id, verify_case
from infrastructure.projection_runner import ConcurrentRunner
from interfaces.dossier import verify as offline
from interfaces.dossier.readme import readme_text
from projections import queries as q
from projections.case_view import CaseView, fold

log = logging.getLogger("fengqiao.dossier")

# Roles that may take a dossier; clerks and handlers only of the cases their unit is part of.
DOSSIER_ROLES = frozenset({Role.LEGAL, Role.AUDITOR, Role.TASKFORCE, Role.CLERK, Role.HANDLER})
DEFAULT_REASON = "dossier export (电子卷宗)"
SYNC_WAIT = 10.0
FILES = ("events.jsonl", "checkpoint.json", "verification.json", "dossier.pdf", "README.txt")
_CHECKPOINT_LOCK = threading.Lock()  # one checkpoint at a time from this process's dossiers


class DossierError(RuntimeError):
    """The dossier cannot be made (no covering checkpoint, no font, …); the message says why."""


@dataclass
class StoredEvent:
    sequence: int
    topic: str
    state: bytes
    hash: str
    event: Any

    @property
    def type(self) -> str:
        return type(self.event).__name__


@dataclass
class CaseRecord:
    """Everything the files of a bundle are made of."""

    view: CaseView  # folded from exactly the events in the bundle
    events: list[StoredEvent]
    checkpoint: Checkpoint
    inclusion: dict[str, Any]
    public_pem: str
    party: PartyValues
    other_contact: str | None  # the other party's contact, whole or masked as for the payer
    units: dict[str, str]
    actor: Actor
    generated_at: datetime
    verification: dict[str, Any] = field(default_factory=dict)

    @property
    def case_number(self) -> str:
        return self.view.case_number


@dataclass
class Dossier:
    case_number: str
    directory: Path
    verification: dict[str, Any]


def check_role(actor: Actor) -> None:
    if actor.role not in DOSSIER_ROLES:
        raise Forbidden(f"role {actor.role} may not take a case's dossier")


def write_dossier(
    fengqiao: Fengqiao,
    reads: ReadSide,
    checkpoints: CheckpointStore,
    ref: str,
    actor: Actor,
    out: Path,
    *,
    reason: str | None = None,
) -> Dossier:
    """Write the bundle to out/<case_number>/ and return where, with the verification result."""
    from interfaces.dossier.fonts import register_fonts

    check_role(actor)
    register_fonts()  # fail before anything is read or logged when there is no CJK font
    record = gather(fengqiao, reads, checkpoints, ref, actor, reason=reason)
    out.mkdir(parents=True, exist_ok=True)
    target = out / record.case_number
    target.mkdir(exist_ok=True)
    for name, data in render_files(record).items():
        _write_atomically(target / name, data)
    return Dossier(record.case_number, target, record.verification)


def dossier_zip(
    fengqiao: Fengqiao,
    reads: ReadSide,
    checkpoints: CheckpointStore,
    ref: str,
    actor: Actor,
    *,
    reason: str | None = None,
) -> tuple[str, bytes]:
    """The bundle as a zip (members under <case_number>/), for a download."""
    from interfaces.dossier.fonts import register_fonts

    check_role(actor)
    register_fonts()
    record = gather(fengqiao, reads, checkpoints, ref, actor, reason=reason)
    buffer = io.BytesIO()
    stamp = record.generated_at.astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in render_files(record).items():
            info = zipfile.ZipInfo(f"{record.case_number}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return record.case_number, buffer.getvalue()


def zip_directory(directory: Path) -> bytes:
    """A written bundle directory as a zip (members under its name)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.iterdir()):
            if path.is_file():
                archive.write(path, f"{directory.name}/{path.name}")
    return buffer.getvalue()


# --- gathering -------------------------------------------------------------------------------


def gather(
    fengqiao: Fengqiao,
    reads: ReadSide,
    checkpoints: CheckpointStore,
    ref: str,
    actor: Actor,
    *,
    reason: str | None = None,
) -> CaseRecord:
    check_role(actor)
    sync_read_models(fengqiao, reads)
    found = _find(reads, ref, actor)
    case_id = UUID(found.id)
    events, checkpoint, inclusion = _events_and_checkpoint(fengqiao, reads, checkpoints, case_id)
    view: CaseView | None = None
    for item in events:
        view = fold(view, item.event)
    if view is None:
        raise DisputeNotFound(ref)
    # The caller may see the case (checked on the read model); the masking follows the case as
    # it stands in the bundle, and a whole view is logged, exactly as for the API.
    why = reason or DEFAULT_REASON
    party = reads.party(actor, view, view.payer, ["idNumber", "phone", "name"], why)
    other_contact = None
    if view.other_party is not None:
        other_contact = reads.other_party_contact(actor, view, view.other_party, why)
    public_pem = _pem(checkpoints.public_raw)
    record = CaseRecord(
        view=view,
        events=events,
        checkpoint=checkpoint,
        inclusion=inclusion,
        public_pem=public_pem,
        party=party,
        other_contact=other_contact,
        units=fengqiao.units(),
        actor=actor,
        generated_at=fengqiao.clock(),
    )
    record.verification = _verify(fengqiao, reads, checkpoints, record)
    return record


def sync_read_models(fengqiao: Fengqiao, reads: ReadSide) -> None:
    """Bring the read models up to the store's head: wait for the background runner when one is
    running (a served process), else run the projections here (the command line)."""
    head = fengqiao.recorder.max_notification_id() or 0
    if reads.runner.wait_for(head, 0.0):
        return
    if not reads.runner.running:
        try:
            reads.runner.catch_up()
            return
        except ConcurrentRunner:
            pass  # another process runs the projections: wait for it as a server does
    if not reads.runner.wait_for(head, SYNC_WAIT):
        raise DossierError("the read models are behind the event store; try again shortly")


def _find(reads: ReadSide, ref: str, actor: Actor) -> CaseView:
    text = ref.strip()
    reach = reads.reach(actor)
    view: CaseView | None
    try:
        view = reads.query(q.find_case, case_id=str(UUID(text)), reach=reach)
    except ValueError:
        view = reads.query(q.find_case, case_number=text.upper(), reach=reach)
    if view is None or not reads.can_read(actor, view):
        raise DisputeNotFound(ref)
    return view


def _events_and_checkpoint(
    fengqiao: Fengqiao, reads: ReadSide, checkpoints: CheckpointStore, case_id: UUID
) -> tuple[list[StoredEvent], Checkpoint, dict[str, Any]]:
    """The case's stored events and a checkpoint whose proven head is the last of them.

    A fresh checkpoint is signed when the latest does not cover the last event; when a newer
    event lands meanwhile, the events are read again."""
    key = str(case_id)
    for _attempt in range(5):
        stored = list(fengqiao.recorder.select_events(case_id))
        count = len(stored)
        checkpoint = checkpoints.latest()
        inclusion = checkpoints.inclusion(checkpoint, key) if checkpoint is not None else None
        if inclusion is None or inclusion["version"] < count:
            sync_read_models(fengqiao, reads)
            with _CHECKPOINT_LOCK:
                try:
                    made = checkpoints.create(reads.store, fengqiao.clock())
                except OSError as e:  # another signer wrote the same sequence at the same moment
                    log.warning("checkpoint for a dossier collided with another signer (%s); retrying", e)
                    time.sleep(0.05)
                    continue
            checkpoint = made or checkpoints.latest()
            inclusion = checkpoints.inclusion(checkpoint, key) if checkpoint is not None else None
        if checkpoint is None or inclusion is None:
            continue
        if inclusion["version"] == count:
            return _chain(case_id, stored), checkpoint, inclusion
        # Covers fewer events (the projections lag) or more (an event landed meanwhile): again.
    raise DossierError(f"no signed checkpoint covers the last event of case {key}; try again shortly")


def _chain(case_id: UUID, stored: list[Any]) -> list[StoredEvent]:
    events: list[StoredEvent] = []
    previous = offline.GENESIS
    for item in stored:
        state = bytes(item.state)
        previous = offline.link(previous, case_id.hex, item.originator_version, item.topic, state)
        events.append(StoredEvent(item.originator_version, item.topic, state, previous, decode_event(item.topic, state)))
    return events


def _pem(public_raw: bytes) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = Ed25519PublicKey.from_public_bytes(public_raw)
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


# --- the files -------------------------------------------------------------------------------


def events_jsonl(record: CaseRecord) -> bytes:
    lines = [
        json.dumps(
            {
                "sequence": e.sequence,
                "topic": e.topic,
                "type": e.type,
                "state_b64": base64.b64encode(e.state).decode(),
                "hash": e.hash,
            },
            ensure_ascii=False,
        )
        for e in record.events
    ]
    return ("\n".join(lines) + "\n").encode()


def checkpoint_json(record: CaseRecord) -> bytes:
    raw = base64.b64decode(record.checkpoint.manifest["public_key"])
    document = {
        "format": "fengqiao-dossier-checkpoint/1",
        "case_id": record.view.id,
        "case_number": record.case_number,
        "manifest": record.checkpoint.manifest,  # exactly as signed (the signature included)
        "manifest_file": record.checkpoint.path.name,
        "inclusion": {
            "case_id": record.inclusion["case_id"],
            "version": record.inclusion["version"],
            "head": record.inclusion["head"],
            "index": record.inclusion["index"],
            "leaf": offline.leaf(record.inclusion["case_id"], record.inclusion["version"], record.inclusion["head"]),
            "proof": [list(step) for step in record.inclusion["proof"]],
        },
        "public_key": {
            "algorithm": "Ed25519",
            "raw_base64": base64.b64encode(raw).decode(),
            "pem": record.public_pem,
            "key_id": key_id(raw),
        },
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def render_files(record: CaseRecord) -> dict[str, bytes]:
    from interfaces.dossier.pdf import render_pdf

    return {
        "events.jsonl": events_jsonl(record),
        "checkpoint.json": checkpoint_json(record),
        "verification.json": (json.dumps(record.verification, ensure_ascii=False, indent=2) + "\n").encode(),
        "dossier.pdf": render_pdf(record),
        "README.txt": readme_text(record.case_number).encode(),
    }


def _verify(fengqiao: Fengqiao, reads: ReadSide, checkpoints: CheckpointStore, record: CaseRecord) -> dict[str, Any]:
    """The bundle verified as a stranger would (offline, under the deployment's key), and the
    case verified against the event store and every signed checkpoint."""
    bundle = offline.verify_bundle(events_jsonl(record), checkpoint_json(record), record.public_pem.encode())
    store = verify_case(fengqiao, reads.store, checkpoints, UUID(record.view.id))
    problems = list(bundle["problems"]) + [f"event store: {p}" for p in store.problems]
    return {
        "case_number": record.case_number,
        "case_id": record.view.id,
        "valid": bool(bundle["valid"] and store.valid),
        "events": bundle["events"],
        "head_hash": bundle["head_hash"],
        "first_invalid_sequence": bundle["first_invalid_sequence"] or store.first_invalid_sequence,
        "checkpoint_sequence": record.checkpoint.sequence,
        "checkpointed_version": record.inclusion["version"],
        "checkpoint_created_at": record.checkpoint.manifest["created_at"],
        "merkle_root": record.checkpoint.manifest["root"],
        "key_id": record.checkpoint.manifest["key_id"],
        "problems": problems,
        "store": {
            "valid": store.valid,
            "events": store.events,
            "head_hash": store.head_hash,
            "first_invalid_sequence": store.first_invalid_sequence,
            "problems": store.problems,
        },
        "verified_at": record.generated_at.astimezone(UTC).isoformat(),
        "verified_by": {"subject": record.actor.subject, "role": record.actor.role.value, "unit": record.actor.unit},
    }


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # noqa: S103 - a dossier is meant to be read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
