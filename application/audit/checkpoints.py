"""Signed checkpoints: tamper evidence that does not trust the database.

A checkpoint is a manifest (JSON) plus a hashes file and a heads file, published outside the event
store. The hashes file lists `case_id version hash` for every event projected since the previous
checkpoint; the heads file every case's head. The manifest holds the store position, a Merkle root
over the heads, the access log's head, the SHA-256 of the hashes file and of the previous manifest,
and an Ed25519 signature over all of that. Together the checkpoints hold every event hash, signed,
so a changed, deleted, reordered or inserted event, a truncated tail, or a forged event whose hash
was recomputed in the database is found and its first sequence named.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from application.audit.chain import GENESIS, leaf, merkle_proof, merkle_root
from application.audit.offline import canonical, key_id
from application.audit.ports import AuditRows, CheckpointFiles, CheckpointRows, EventHash
from application.reads import ReadModelStore

FORMAT = "fengqiao-checkpoint/1"


class CheckpointError(RuntimeError):
    """A checkpoint file is missing, malformed, or its signature does not hold."""


def public_key_pem(seed: bytes) -> str:
    """The public key (PEM) of a signing seed, as published for verifiers."""
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return public_pem_of(public.public_bytes(Encoding.Raw, PublicFormat.Raw))


def public_pem_of(public_raw: bytes) -> str:
    """A raw Ed25519 public key as PEM."""
    key = Ed25519PublicKey.from_public_bytes(public_raw)
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


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
    name: str  # the manifest's file name
    hashes: dict[tuple[str, int], str] = field(default_factory=dict)  # this checkpoint's new event hashes

    @property
    def position(self) -> int:
        return int(self.manifest["position"])

    @property
    def sequence(self) -> int:
        return int(self.manifest["sequence"])


class CheckpointStore:
    """The published checkpoints of one deployment, signed with its key."""

    def __init__(self, files: CheckpointFiles, rows: AuditRows, seed: bytes) -> None:
        self.files = files
        self.rows = rows
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_raw = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._loaded: dict[str, Checkpoint] = {}  # manifests never change once written

    # --- reading ------------------------------------------------------------------------

    def manifests(self) -> list[str]:
        return self.files.manifests()

    def load(self, name: str, *, with_hashes: bool = True) -> Checkpoint:
        cached = self._loaded.get(name)
        if cached is not None:
            return cached
        try:
            manifest = json.loads(self.files.read(name).decode("utf-8"))
        except (OSError, ValueError) as e:
            raise CheckpointError(f"{name}: unreadable ({e})") from e
        verify_signature(manifest, self.public_raw)
        checkpoint = Checkpoint(manifest=manifest, name=name)
        if with_hashes:
            hashes_file = manifest["hashes_file"]
            data = self.files.read(hashes_file) if self.files.exists(hashes_file) else b""
            if hashlib.sha256(data).hexdigest() != manifest["hashes_sha256"]:
                raise CheckpointError(f"{hashes_file}: does not match its signed digest")
            for line in data.decode().splitlines():
                case_id, version, digest = line.split(" ")
                checkpoint.hashes[(case_id, int(version))] = digest
            self._loaded[name] = checkpoint
        return checkpoint

    def latest(self) -> Checkpoint | None:
        names = self.manifests()
        return self.load(names[-1]) if names else None

    def all(self) -> list[Checkpoint]:
        return [self.load(name) for name in self.manifests()]

    def signed_hashes(self) -> dict[tuple[str, int], str]:
        """Every event hash any checkpoint signed."""
        merged: dict[tuple[str, int], str] = {}
        for checkpoint in self.all():
            merged.update(checkpoint.hashes)
        return merged

    def heads(self, checkpoint: Checkpoint) -> list[EventHash]:
        data = self.files.read(checkpoint.manifest["heads_file"]).decode()
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
        for name in self.manifests():
            candidate = self.load(name, with_hashes=False)
            if older.sequence < candidate.sequence <= newer.sequence:
                chain.append(candidate)
        for before, after in zip(chain, chain[1:], strict=False):
            if after.manifest["previous"] != self._digest(before):
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

    def _digest(self, checkpoint: Checkpoint) -> str:
        return hashlib.sha256(self.files.read(checkpoint.name)).hexdigest()

    # --- signing ------------------------------------------------------------------------

    def create(self, store: ReadModelStore, now: datetime) -> Checkpoint | None:
        """Sign the read models' current position; None when nothing happened since the last one."""
        with self.files.exclusive():
            previous = self.latest()
            rows = self.rows.checkpoint_rows(store, previous.position if previous is not None else 0)
            if previous is not None and not _news(previous, rows):
                return None
            return self._publish(previous, rows, now)

    def _publish(self, previous: Checkpoint | None, rows: CheckpointRows, now: datetime) -> Checkpoint:
        hashes_data = "".join(f"{c} {v} {h}\n" for c, v, h in rows.new).encode()
        sequence = previous.sequence + 1 if previous is not None else 1
        stem = f"checkpoint-{sequence:08d}"
        access_id, access_hash = rows.access_head or (0, GENESIS)
        body: dict[str, Any] = {
            "format": FORMAT,
            "sequence": sequence,
            "created_at": now.astimezone(UTC).isoformat(),
            "position": rows.position,
            "cases": len(rows.heads),
            "root": merkle_root([leaf(c, v, h) for c, v, h in rows.heads]),
            "heads_file": f"{stem}.heads",
            "hashes_file": f"{stem}.hashes",
            "hashes_sha256": hashlib.sha256(hashes_data).hexdigest(),
            "events_signed": len(rows.new),
            "previous": self._digest(previous) if previous is not None else None,
            "access_log": {"id": access_id, "hash": access_hash},
            "public_key": base64.b64encode(self.public_raw).decode(),
            "key_id": key_id(self.public_raw),
        }
        body["signature"] = base64.b64encode(self._key.sign(canonical(body))).decode()
        self.files.write(body["hashes_file"], hashes_data)
        self.files.write(body["heads_file"], "".join(f"{c} {v} {h}\n" for c, v, h in rows.heads).encode())
        name = f"{stem}.json"
        self.files.write(name, canonical(body))  # last: a checkpoint exists once its manifest does
        checkpoint = Checkpoint(manifest=body, name=name, hashes={(c, v): h for c, v, h in rows.new})
        self._loaded[name] = checkpoint
        return checkpoint


def _news(previous: Checkpoint, rows: CheckpointRows) -> bool:
    """Whether anything was projected or viewed since the previous checkpoint."""
    if rows.position > previous.position:
        return True
    return rows.access_head is not None and previous.manifest["access_log"]["id"] != rows.access_head[0]
