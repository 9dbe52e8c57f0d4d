"""Verification against the signed checkpoints: a case's chain recomputed from the stored bytes,
and the access log's chain walked up to every head a checkpoint signed."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.audit.chain import GENESIS, access_link, link
from application.audit.checkpoints import CheckpointStore
from application.audit.ports import EventSource
from application.reads import ReadModelStore


@dataclass
class CaseVerification:
    case_id: str
    valid: bool
    events: int
    head_hash: str
    first_invalid_sequence: int | None
    problems: list[str]
    checkpointed_version: int


def verify_events(
    case_id: UUID,
    stored: list[tuple[int, str, bytes]],
    signed: dict[tuple[str, int], str],
    projected: dict[int, str] | None = None,
) -> CaseVerification:
    """Walk the stored events (version, topic, bytes) in order, recomputing the chain, and compare
    it with the hashes signed in checkpoints (and those recorded when the events were projected)."""
    key = str(case_id)
    problems: list[str] = []
    first_bad: int | None = None
    previous = GENESIS
    checkpointed = max((v for (c, v) in signed if c == key), default=0)
    for index, (version, topic, state) in enumerate(stored, start=1):
        if version != index:
            problems.append(f"event {index} is missing (the store holds version {version} in its place)")
            first_bad = first_bad or index
            break
        previous = link(previous, case_id, version, topic, state)
        expected = signed.get((key, version))
        if expected is not None and expected != previous:
            problems.append(f"event {version} differs from the signed checkpoint")
            first_bad = first_bad or version
            break
        recorded = (projected or {}).get(version)
        if recorded is not None and recorded != previous:
            problems.append(f"event {version} differs from the bytes recorded when it was first projected")
            first_bad = first_bad or version
            break
    if first_bad is None and len(stored) < checkpointed:
        first_bad = len(stored) + 1
        problems.append(f"events {len(stored) + 1}..{checkpointed} were signed but are gone from the store")
    if first_bad is None and projected and len(stored) < max(projected):
        first_bad = len(stored) + 1
        problems.append(f"events {len(stored) + 1}..{max(projected)} were projected but are gone from the store")
    return CaseVerification(
        case_id=key,
        valid=not problems,
        events=len(stored),
        head_hash=previous,
        first_invalid_sequence=first_bad,
        problems=problems,
        checkpointed_version=checkpointed,
    )


def verify_case(app: EventSource, store: ReadModelStore, checkpoints: CheckpointStore, case_id: UUID) -> CaseVerification:
    """Recompute one case's chain from the event store and hold it against the signed checkpoints
    and the hashes recorded at projection time."""
    stored = [(e.originator_version, e.topic, bytes(e.state)) for e in app.recorder.select_events(case_id)]
    projected = checkpoints.rows.projected_hashes(store, case_id)
    signed = {k: h for k, h in checkpoints.signed_hashes().items() if k[0] == str(case_id)}
    return verify_events(case_id, stored, signed, projected)


def verify_every_case(
    app: EventSource, store: ReadModelStore, checkpoints: CheckpointStore
) -> list[tuple[str, CaseVerification]]:
    """Every case the read models hold, by case number, with its verification."""
    return [(number, verify_case(app, store, checkpoints, case_id)) for case_id, number in checkpoints.rows.cases(store)]


def verify_access_log(store: ReadModelStore, checkpoints: CheckpointStore) -> list[str]:
    """Walk the access log recomputing its chain; every signed head must lie on it. Problems, or []."""
    problems: list[str] = []
    chain: dict[int, str] = {0: GENESIS}
    previous = GENESIS
    for expected_id, row in enumerate(checkpoints.rows.access_log(store), start=1):
        entry_id = int(row[0])
        if entry_id != expected_id:
            problems.append(f"access log entry {expected_id} is missing")
            break
        previous = access_link(previous, tuple(row[:8]))
        if previous != row[8]:
            problems.append(f"access log entry {entry_id} was altered")
            break
        chain[entry_id] = previous
    for checkpoint in checkpoints.all():
        head = checkpoint.manifest["access_log"]
        if chain.get(int(head["id"])) not in (None, head["hash"]) or (int(head["id"]) not in chain and not problems):
            problems.append(
                f"checkpoint {checkpoint.sequence} signed access log entry {head['id']}, which the log no longer holds as signed"
            )
    return problems
