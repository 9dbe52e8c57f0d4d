"""One case gathered for its legal dossier (电子卷宗): the stored events byte for byte with their
chained hashes, a signed checkpoint that covers the last of them with the Merkle proof of the case's
head, the party's personal data as the caller may see them, and the verification of it all.

The two files of a bundle that prove (events.jsonl, checkpoint.json) are made here, because the
verification checks exactly those bytes, as the offline verifier will; the interfaces write the
bundle. A whole view of personal data is written to the access log, exactly as for the API.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent as Recorded

from application.audit import offline
from application.audit.chain import GENESIS, link
from application.audit.checkpoints import Checkpoint, CheckpointStore, public_pem_of
from application.audit.ports import CaseSource
from application.audit.verification import verify_case
from application.errors import ConcurrentRunner, DisputeNotFound
from application.event_codec import decode_event
from application.privacy import is_sealed
from application.read_gates import ReadGate
from application.reads import OtherPartyValues, PartyValues, ReadSide
from domain.values import Actor
from projections.case_view import CaseView, fold

log = logging.getLogger("fengqiao.dossier")

DEFAULT_REASON = "dossier export (电子卷宗)"
SYNC_WAIT = 10.0
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
    other: OtherPartyValues | None  # the other party, whole or masked as for the payer
    units: dict[str, str]
    actor: Actor
    generated_at: datetime
    verification: dict[str, Any] = field(default_factory=dict)
    personal: list[dict[str, Any]] | None = None  # opened personal fields, for a legal dossier

    @property
    def case_number(self) -> str:
        return self.view.case_number


def check_role(reads: ReadSide, actor: Actor) -> None:
    """The read side's gate for a dossier (403 before any work)."""
    reads.admit(actor, ReadGate.DOSSIER)


def gather(
    cases: CaseSource,
    reads: ReadSide,
    checkpoints: CheckpointStore,
    ref: str,
    actor: Actor,
    *,
    reason: str | None = None,
) -> CaseRecord:
    """The case `ref` (its id or case number) as `actor` may take it, verified."""
    check_role(reads, actor)
    sync_read_models(cases, reads)
    found = _find(reads, ref, actor)
    case_id = UUID(found.id)
    events, checkpoint, inclusion = _events_and_checkpoint(cases, reads, checkpoints, case_id)
    view: CaseView | None = None
    for item in events:
        view = fold(view, item.event)
    if view is None:
        raise DisputeNotFound(ref)
    # The caller may see the case (checked on the read model); the masking follows the case as
    # it stands in the bundle, and a whole view is logged, exactly as for the API.
    why = reason or DEFAULT_REASON
    party = reads.party(actor, view, view.payer, ["idNumber", "phone", "name"], why)
    other = None if view.other_party is None else reads.other_party(actor, view, view.other_party, why)
    record = CaseRecord(
        view=view,
        events=events,
        checkpoint=checkpoint,
        inclusion=inclusion,
        public_pem=public_pem_of(checkpoints.public_raw),
        party=party,
        other=other,
        units=cases.units(),
        actor=actor,
        generated_at=cases.clock(),
    )
    if party.unmasked:
        # A legal dossier: the sealed values of the stored events, opened, beside them.
        record.personal = _opened(reads, view, events)
    record.verification = _verify(cases, reads, checkpoints, record)
    return record


def _opened(reads: ReadSide, view: CaseView, events: list[StoredEvent]) -> list[dict[str, Any]]:
    """Each personal field of the stored events: its stored text (as in events.jsonl) and its value."""
    case_id = UUID(view.id)
    entries: list[dict[str, Any]] = []
    for item in events:
        stored = json.loads(item.state)
        for path in offline.PERSONAL_FIELDS.get(item.type, ()):
            value = offline.field_at(stored, path)
            if isinstance(value, str) and is_sealed(value):
                entries.append({"sequence": item.sequence, "field": path, "stored": value,
                                "value": reads.privacy.open(case_id, value)})
    return entries


def personal_json(record: CaseRecord) -> bytes | None:
    """personal_data.json (legal dossiers only): the personal fields of events.jsonl opened."""
    if record.personal is None:
        return None
    document = {
        "format": offline.PERSONAL_FORMAT,
        "case_id": record.view.id,
        "case_number": record.case_number,
        "note": "events.jsonl holds these fields sealed under the case's key; each value is the opened "
        "text of the stored field beside it. Shown to a role that may see personal data whole (logged).",
        "fields": record.personal,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def sync_read_models(cases: CaseSource, reads: ReadSide) -> None:
    """Bring the read models up to the store's head: wait for the background runner when one is
    running (a served process), else run the projections here (the command line)."""
    head = cases.recorder.max_notification_id() or 0
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
    view = reads.find(actor, ref, ReadGate.DOSSIER)
    if view is None:
        raise DisputeNotFound(ref)
    return view


def _events_and_checkpoint(
    cases: CaseSource, reads: ReadSide, checkpoints: CheckpointStore, case_id: UUID
) -> tuple[list[StoredEvent], Checkpoint, dict[str, Any]]:
    """The case's stored events and a checkpoint whose proven head is the last of them.

    A fresh checkpoint is signed when the latest does not cover the last event; when a newer
    event lands meanwhile, the events are read again."""
    key = str(case_id)
    for _attempt in range(5):
        stored = list(cases.recorder.select_events(case_id))
        count = len(stored)
        checkpoint = checkpoints.latest()
        inclusion = checkpoints.inclusion(checkpoint, key) if checkpoint is not None else None
        if inclusion is None or inclusion["version"] < count:
            sync_read_models(cases, reads)
            with _CHECKPOINT_LOCK:
                try:
                    made = checkpoints.create(reads.store, cases.clock())
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


def _chain(case_id: UUID, stored: list[Recorded]) -> list[StoredEvent]:
    events: list[StoredEvent] = []
    previous = GENESIS
    for item in stored:
        state = bytes(item.state)
        previous = link(previous, case_id, item.originator_version, item.topic, state)
        events.append(StoredEvent(item.originator_version, item.topic, state, previous, decode_event(item.topic, state)))
    return events


# --- the evidence ----------------------------------------------------------------------------


def events_jsonl(record: CaseRecord) -> bytes:
    """events.jsonl: each stored event's bytes (base64) with its chained hash, in version order."""
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
    """checkpoint.json: the covering checkpoint as signed, the case head's Merkle proof, the key."""
    raw = base64.b64decode(record.checkpoint.manifest["public_key"])
    inclusion = record.inclusion
    document = {
        "format": "fengqiao-dossier-checkpoint/1",
        "case_id": record.view.id,
        "case_number": record.case_number,
        "manifest": record.checkpoint.manifest,  # exactly as signed (the signature included)
        "manifest_file": record.checkpoint.name,
        "inclusion": {
            "case_id": inclusion["case_id"],
            "version": inclusion["version"],
            "head": inclusion["head"],
            "index": inclusion["index"],
            "leaf": offline.leaf(inclusion["case_id"], inclusion["version"], inclusion["head"]),
            "proof": [list(step) for step in inclusion["proof"]],
        },
        "public_key": {
            "algorithm": "Ed25519",
            "raw_base64": base64.b64encode(raw).decode(),
            "pem": record.public_pem,
            "key_id": offline.key_id(raw),
        },
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def _verify(cases: CaseSource, reads: ReadSide, checkpoints: CheckpointStore, record: CaseRecord) -> dict[str, Any]:
    """The bundle verified as a stranger would (offline, under the deployment's key), and the
    case verified against the event store and every signed checkpoint."""
    bundle = offline.verify_bundle(
        events_jsonl(record), checkpoint_json(record), record.public_pem.encode(), personal_json(record)
    )
    store = verify_case(cases, reads.store, checkpoints, UUID(record.view.id))
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
