"""Signed checkpoints: tamper evidence that does not trust the database.

A checkpoint is a manifest (JSON) plus a hashes file, written to a directory outside the event
store. The hashes file lists `case_id version hash` for every event recorded since the previous
checkpoint; the manifest holds the store position, a Merkle root over every case's head
(`case_id:version:hash`), the access log's head, the SHA-256 of the hashes file and of the
previous manifest, and an Ed25519 signature over all of that. Together the checkpoints hold every
event hash, signed, so a changed, deleted, reordered or inserted event, a truncated tail, or a
forged event whose hash was recomputed in the database is found and its first sequence named.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from domain.hashchain import GENESIS, leaf, link, merkle_proof, merkle_root
from infrastructure.readstore import ReadStore

FORMAT = "fengqiao-checkpoint/1"


class CheckpointError(RuntimeError):
    """A checkpoint file is missing, malformed, or its signature does not hold."""


def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def public_key_pem(seed: bytes) -> str:
    key = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def verify_signature(manifest: dict[str, Any], trusted_public_raw: bytes | None = None) -> None:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    public_raw = base64.b64decode(manifest["public_key"])
    if trusted_public_raw is not None and public_raw != trusted_public_raw:
        raise CheckpointError("the checkpoint is signed by another key than the trusted one")
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(base64.b64decode(manifest["signature"]), canonical(body))
    except (InvalidSignature, ValueError) as e:
        raise CheckpointError("the checkpoint's signature does not verify") from e


@dataclass
class Checkpoint:
    manifest: dict[str, Any]
    path: Path
    hashes: dict[tuple[str, int], str] = field(default_factory=dict)  # this checkpoint's new event hashes

    @property
    def position(self) -> int:
        return int(self.manifest["position"])

    @property
    def sequence(self) -> int:
        return int(self.manifest["sequence"])


@dataclass
class CaseVerification:
    case_id: str
    valid: bool
    events: int
    head_hash: str
    first_invalid_sequence: int | None
    problems: list[str]
    checkpointed_version: int


class CheckpointStore:
    """The published checkpoints of one deployment (a directory of files)."""

    def __init__(self, directory: Path, seed: bytes) -> None:
        self.directory = directory
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_raw = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._loaded: dict[Path, Checkpoint] = {}  # manifests never change once written

    # --- reading ------------------------------------------------------------------------

    def manifests(self) -> list[Path]:
        if not self.directory.exists():
            return []
        return sorted(self.directory.glob("checkpoint-*.json"))

    def load(self, path: Path, *, with_hashes: bool = True) -> Checkpoint:
        cached = self._loaded.get(path)
        if cached is not None:
            return cached
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise CheckpointError(f"{path.name}: unreadable ({e})") from e
        verify_signature(manifest, self.public_raw)
        checkpoint = Checkpoint(manifest=manifest, path=path)
        if with_hashes:
            hashes_path = path.with_name(manifest["hashes_file"])
            data = hashes_path.read_bytes() if hashes_path.exists() else b""
            if hashlib.sha256(data).hexdigest() != manifest["hashes_sha256"]:
                raise CheckpointError(f"{hashes_path.name}: does not match its signed digest")
            for line in data.decode().splitlines():
                case_id, version, digest = line.split(" ")
                checkpoint.hashes[(case_id, int(version))] = digest
            self._loaded[path] = checkpoint
        return checkpoint

    def latest(self) -> Checkpoint | None:
        paths = self.manifests()
        return self.load(paths[-1]) if paths else None

    def all(self) -> list[Checkpoint]:
        return [self.load(p) for p in self.manifests()]

    def signed_hashes(self) -> dict[tuple[str, int], str]:
        """Every event hash any checkpoint signed."""
        merged: dict[tuple[str, int], str] = {}
        for checkpoint in self.all():
            merged.update(checkpoint.hashes)
        return merged

    # --- writing ------------------------------------------------------------------------

    def create(self, reads: ReadStore, now: datetime) -> Checkpoint | None:
        """Sign the read models' current position; None when nothing happened since the last one."""
        self.directory.mkdir(parents=True, exist_ok=True)
        # One signer at a time (workers, the CLI): sequences and files must not interleave.
        with open(self.directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                return self._create(reads, now)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _create(self, reads: ReadStore, now: datetime) -> Checkpoint | None:
        previous = self.latest()
        since = previous.position if previous is not None else 0
        with reads.transaction(readonly=True) as cur:
            cur.execute("SELECT MIN(position) FROM rm_tracking")
            position = int((cur.fetchone() or (0,))[0] or 0)
            cur.execute(
                "SELECT case_id, version, hash FROM rm_timeline WHERE position > ? AND position <= ? "
                "ORDER BY case_id, version",
                (since, position),
            )
            new_rows = [(str(c), int(v), str(h)) for c, v, h in cur.fetchall()]
            cur.execute(
                "SELECT t.case_id, t.version, t.hash FROM rm_timeline t JOIN ("
                "SELECT case_id, MAX(version) AS version FROM rm_timeline WHERE position <= ? GROUP BY case_id"
                ") h ON t.case_id = h.case_id AND t.version = h.version ORDER BY t.case_id",
                (position,),
            )
            heads = [(str(c), int(v), str(h)) for c, v, h in cur.fetchall()]
            cur.execute("SELECT id, hash FROM access_log ORDER BY id DESC LIMIT 1")
            access = cur.fetchone()
        if previous is not None and position <= since and (access is None or previous.manifest["access_log"]["id"] == int(access[0])):
            return None
        hashes_data = "".join(f"{c} {v} {h}\n" for c, v, h in new_rows).encode()
        sequence = previous.sequence + 1 if previous is not None else 1
        stem = f"checkpoint-{sequence:08d}"
        body = {
            "format": FORMAT,
            "sequence": sequence,
            "created_at": now.astimezone(UTC).isoformat(),
            "position": position,
            "cases": len(heads),
            "root": merkle_root([leaf(c, v, h) for c, v, h in heads]),
            "heads_file": f"{stem}.heads",
            "hashes_file": f"{stem}.hashes",
            "hashes_sha256": hashlib.sha256(hashes_data).hexdigest(),
            "events_signed": len(new_rows),
            "previous": hashlib.sha256(previous.path.read_bytes()).hexdigest() if previous is not None else None,
            "access_log": {"id": int(access[0]) if access else 0, "hash": str(access[1]) if access else GENESIS},
            "public_key": base64.b64encode(self.public_raw).decode(),
            "key_id": key_id(self.public_raw),
        }
        body["signature"] = base64.b64encode(self._key.sign(canonical(body))).decode()
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / body["hashes_file"]).write_bytes(hashes_data)
        (self.directory / body["heads_file"]).write_text("".join(f"{c} {v} {h}\n" for c, v, h in heads))
        path = self.directory / f"{stem}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(canonical(body))
        tmp.replace(path)  # the manifest appears whole or not at all
        checkpoint = Checkpoint(manifest=body, path=path)
        checkpoint.hashes = {(c, v): h for c, v, h in new_rows}
        self._loaded[path] = checkpoint
        return checkpoint

    def heads(self, checkpoint: Checkpoint) -> list[tuple[str, int, str]]:
        data = checkpoint.path.with_name(checkpoint.manifest["heads_file"]).read_text()
        rows = [(c, int(v), h) for c, v, h in (line.split(" ") for line in data.splitlines())]
        if merkle_root([leaf(c, v, h) for c, v, h in rows]) != checkpoint.manifest["root"]:
            raise CheckpointError(f"{checkpoint.manifest['heads_file']}: does not match the signed root")
        return rows

    def inclusion(self, checkpoint: Checkpoint, case_id: str) -> dict[str, Any] | None:
        """A Merkle proof that the case's head is in the checkpoint (for offline verification)."""
        rows = self.heads(checkpoint)
        leaves = [leaf(c, v, h) for c, v, h in rows]
        for index, (c, v, h) in enumerate(rows):
            if c == case_id:
                return {"case_id": c, "version": v, "head": h, "index": index, "proof": merkle_proof(leaves, index)}
        return None

    def consistency(self, older: Checkpoint, newer: Checkpoint) -> list[str]:
        """Problems if `newer` does not extend `older` (empty when it does)."""
        problems: list[str] = []
        if newer.position < older.position:
            problems.append("the later checkpoint has an earlier store position")
        chain = [older]
        for path in self.manifests():
            candidate = self.load(path, with_hashes=False)
            if older.sequence < candidate.sequence <= newer.sequence:
                chain.append(candidate)
        for before, after in zip(chain, chain[1:], strict=False):
            if after.manifest["previous"] != hashlib.sha256(before.path.read_bytes()).hexdigest():
                problems.append(f"checkpoint {after.sequence} does not name checkpoint {before.sequence} as its previous")
        newer_heads = {c: (v, h) for c, v, h in self.heads(newer)}
        signed = self.signed_hashes()
        for case_id, version, head in self.heads(older):
            later = newer_heads.get(case_id)
            if later is None or later[0] < version:
                problems.append(f"case {case_id}: the later checkpoint lost events after version {version}")
            elif signed.get((case_id, version)) not in (None, head):
                problems.append(f"case {case_id}: version {version} was signed with two different hashes")
        if newer.manifest["access_log"]["id"] < older.manifest["access_log"]["id"]:
            problems.append("the access log shrank between the checkpoints")
        return problems


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


def verify_case(app: Any, reads: ReadStore, checkpoints: CheckpointStore, case_id: UUID) -> CaseVerification:
    """Recompute one case's chain from the event store and hold it against the signed checkpoints
    and the hashes recorded at projection time."""
    stored = [(e.originator_version, e.topic, bytes(e.state)) for e in app.recorder.select_events(case_id)]
    with reads.transaction(readonly=True) as cur:
        cur.execute("SELECT version, hash FROM rm_timeline WHERE case_id = ?", (str(case_id),))
        projected = {int(v): str(h) for v, h in cur.fetchall()}
    signed = {k: h for k, h in checkpoints.signed_hashes().items() if k[0] == str(case_id)}
    return verify_events(case_id, stored, signed, projected)


def verify_access_log(reads: ReadStore, checkpoints: CheckpointStore) -> list[str]:
    """Walk the access log recomputing its chain; every signed head must lie on it. Problems, or []."""
    from infrastructure.access_log import access_link

    with reads.transaction(readonly=True) as cur:
        cur.execute("SELECT id, at, subject, role, unit, case_number, fields, reason, hash FROM access_log ORDER BY id")
        rows = cur.fetchall()
    problems: list[str] = []
    chain: dict[int, str] = {0: GENESIS}
    previous = GENESIS
    for expected_id, row in enumerate(rows, start=1):
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
            problems.append(f"checkpoint {checkpoint.sequence} signed access log entry {head['id']}, which the log no longer holds as signed")
    return problems
