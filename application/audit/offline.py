"""Offline verification of a dossier bundle: no server, no database, only this file.

Needs the Python standard library and `cryptography` (for Ed25519), nothing of the project, so it
can be copied out and run anywhere (`python offline.py BUNDLE [--public-key KEY.pem]`), or
reimplemented from the README in the bundle. The server's own hash chain (`chain`) is built from
these functions, so what a stranger checks is exactly what the server computes. What it checks:

1. events.jsonl: sequences 1..n without a gap; each event's hash recomputed from its stored bytes:
     hash(v) = SHA-256( prev_hex "\\n" case_id_hex32 "\\n" v "\\n" topic "\\n" || stored bytes )
   with prev_hex = 64 zeros for v = 1.
2. checkpoint.json: the manifest's Ed25519 signature over its canonical JSON without "signature"
   (sorted keys, no spaces, UTF-8) under the public key in the bundle — and, when given, under the
   trusted key (the deployment's published key).
3. The chain at the checkpointed version equals the head the checkpoint proves, and that head's
   Merkle leaf, SHA-256(0x00 || "case_id:version:head"), leads through the inclusion proof
   (node = SHA-256(0x01 || left || right)) to the signed root.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

GENESIS = "0" * 64
EVENTS_FILE = "events.jsonl"
CHECKPOINT_FILE = "checkpoint.json"
PERSONAL_FILE = "personal_data.json"  # legal dossiers only
PERSONAL_FORMAT = "fengqiao-dossier-personal-data/1"
# The fields of stored events that hold personal data (sealed since per-case keys).
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "DisputeRegistered": (
        "payer.name", "payer.id_number", "payer.phone", "other_party.name", "other_party.contact",
    ),
}
MAX_MEMBER = 512 * 1024 * 1024  # a zip member larger than this is refused (zip bombs)


class BundleError(ValueError):
    """The bundle cannot be read at all."""


# --- the algorithms -------------------------------------------------------------------------


def link(previous: str, case_id_hex: str, version: int, topic: str, state: bytes) -> str:
    digest = hashlib.sha256(f"{previous}\n{case_id_hex}\n{version}\n{topic}\n".encode())
    digest.update(state)
    return digest.hexdigest()


def leaf(case_id: str, version: int, head: str) -> str:
    return hashlib.sha256(b"\x00" + f"{case_id}:{version}:{head}".encode()).hexdigest()


def node(left: str, right: str) -> str:
    return hashlib.sha256(b"\x01" + bytes.fromhex(left) + bytes.fromhex(right)).hexdigest()


def root_from_proof(leaf_hash: str, proof: list[Any]) -> str:
    current = leaf_hash
    for side, sibling in proof:
        if side == "L":
            current = node(sibling, current)
        elif side == "R":
            current = node(current, sibling)
        else:
            raise ValueError(f"proof step side must be L or R, not {side!r}")
    return current


def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def public_raw_from_pem(pem: bytes) -> bytes:
    key = load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


# --- reading a bundle ------------------------------------------------------------------------


def read_bundle(path: Path) -> tuple[bytes, bytes, bytes | None]:
    """events.jsonl, checkpoint.json and (a legal dossier's) personal_data.json of a bundle
    directory or a .zip of one."""
    if path.is_dir():
        try:
            personal = path / PERSONAL_FILE
            return (
                (path / EVENTS_FILE).read_bytes(),
                (path / CHECKPOINT_FILE).read_bytes(),
                personal.read_bytes() if personal.exists() else None,
            )
        except OSError as e:
            raise BundleError(f"{path}: not a dossier bundle ({e.strerror}: {Path(str(e.filename)).name})") from e
    if not path.is_file():
        raise BundleError(f"{path}: no such file or directory")
    try:
        with zipfile.ZipFile(path) as archive:
            has_personal = any(i.filename.endswith(PERSONAL_FILE) for i in archive.infolist())
            return (
                _member(archive, EVENTS_FILE),
                _member(archive, CHECKPOINT_FILE),
                _member(archive, PERSONAL_FILE) if has_personal else None,
            )
    except zipfile.BadZipFile as e:
        raise BundleError(f"{path}: neither a bundle directory nor a zip file ({e})") from e


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    found = [i for i in archive.infolist() if i.filename == name or i.filename.endswith("/" + name)]
    if len(found) != 1:
        raise BundleError(f"the zip holds {len(found)} files named {name}; expected exactly one")
    if found[0].file_size > MAX_MEMBER:
        raise BundleError(f"{found[0].filename}: too large ({found[0].file_size} bytes)")
    return archive.read(found[0])


# --- verification ----------------------------------------------------------------------------


def verify_path(path: Path, trusted_pem: bytes | None = None) -> dict[str, Any]:
    try:
        events_data, checkpoint_data, personal_data = read_bundle(path)
    except BundleError as e:
        return _report(problems=[str(e)])
    return verify_bundle(events_data, checkpoint_data, trusted_pem, personal_data)


def _report(**values: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "valid": False,
        "case_id": None,
        "case_number": None,
        "events": 0,
        "head_hash": GENESIS,
        "first_invalid_sequence": None,
        "checkpoint_sequence": None,
        "checkpointed_version": None,
        "key_id": None,
        "trusted_key": False,
        "problems": [],
    }
    report.update(values)
    return report


def verify_bundle(
    events_data: bytes, checkpoint_data: bytes, trusted_pem: bytes | None = None, personal_data: bytes | None = None
) -> dict[str, Any]:
    problems: list[str] = []
    try:
        checkpoint = json.loads(checkpoint_data.decode("utf-8"))
        manifest = checkpoint["manifest"]
        inclusion = checkpoint["inclusion"]
        case_id = str(inclusion["case_id"])
        case_hex = uuid.UUID(case_id).hex
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as e:
        return _report(problems=[f"{CHECKPOINT_FILE}: unreadable ({type(e).__name__}: {e})"])
    report = _report(
        case_id=case_id,
        case_number=checkpoint.get("case_number"),
        checkpoint_sequence=manifest.get("sequence"),
        checkpointed_version=inclusion.get("version"),
        key_id=manifest.get("key_id"),
    )
    if checkpoint.get("case_id") not in (None, case_id):
        problems.append(f"{CHECKPOINT_FILE}: case_id {checkpoint.get('case_id')} differs from the proof's {case_id}")

    # 1. the chain
    chain, first_bad = _walk_chain(events_data, case_hex, problems)
    report["events"] = len(chain)
    report["head_hash"] = chain[-1] if chain else GENESIS

    # 2. the signature
    report["trusted_key"] = _check_signature(checkpoint, manifest, trusted_pem, problems)

    # 3. the chain at the checkpointed version is the proven head, and the head is under the root
    try:
        version = int(inclusion["version"])
        head = str(inclusion["head"])
        if version < 1:
            raise ValueError(f"version {version}")
        if version > len(chain):
            if first_bad is None:
                first_bad = len(chain) + 1
                problems.append(
                    f"the checkpoint covers version {version} but the bundle holds only {len(chain)} valid events"
                )
        elif chain[version - 1] != head:
            problems.append(
                f"the chain at version {version} ({chain[version - 1]}) is not the head the checkpoint proves ({head}): "
                f"an event at or before version {version} was changed"
            )
        if root_from_proof(leaf(case_id, version, head), inclusion["proof"]) != manifest.get("root"):
            problems.append("the inclusion proof does not lead to the checkpoint's signed Merkle root")
    except (KeyError, TypeError, ValueError) as e:
        problems.append(f"{CHECKPOINT_FILE}: malformed inclusion proof ({type(e).__name__}: {e})")

    if personal_data is not None:
        _check_personal(events_data, personal_data, problems)
    report["first_invalid_sequence"] = first_bad
    report["problems"] = problems
    report["valid"] = not problems
    return report


def _walk_chain(events_data: bytes, case_hex: str, problems: list[str]) -> tuple[list[str], int | None]:
    """The recomputed hashes of the valid prefix, and the first invalid sequence (if any)."""
    chain: list[str] = []
    previous = GENESIS
    try:
        lines = events_data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        problems.append(f"{EVENTS_FILE}: not UTF-8")
        return chain, 1
    lines = [line for line in lines if line.strip()]
    for expected, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
            sequence = int(item["sequence"])
            topic = str(item["topic"])
            state = base64.b64decode(item["state_b64"], validate=True)
            listed = str(item["hash"])
        except (ValueError, KeyError, TypeError, binascii.Error) as e:
            problems.append(f"{EVENTS_FILE} line {expected}: unreadable ({type(e).__name__}: {e})")
            return chain, expected
        if sequence != expected:
            problems.append(f"event {expected} is missing (line {expected} holds sequence {sequence})")
            return chain, expected
        previous = link(previous, case_hex, sequence, topic, state)
        if previous != listed:
            problems.append(f"event {sequence}: its stored bytes do not give its hash (recomputed {previous})")
            return chain, sequence
        chain.append(previous)
    return chain, None


def field_at(document: Any, path: str) -> Any:
    """The value at a dotted path of a decoded event, or None."""
    for part in path.split("."):
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document


def _check_personal(events_data: bytes, personal_data: bytes, problems: list[str]) -> None:
    """Each opened value of personal_data.json stands beside a field that events.jsonl really
    holds, as stored (the value itself is the server's to vouch for: it holds the case's key)."""
    try:
        document = json.loads(personal_data.decode("utf-8"))
        entries = list(document["fields"])
        states = {}
        for line in events_data.decode("utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                states[int(item["sequence"])] = json.loads(base64.b64decode(item["state_b64"]))
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, binascii.Error) as e:
        problems.append(f"{PERSONAL_FILE}: unreadable ({type(e).__name__}: {e})")
        return
    for entry in entries:
        try:
            sequence, path, stored = int(entry["sequence"]), str(entry["field"]), entry["stored"]
        except (KeyError, TypeError, ValueError) as e:
            problems.append(f"{PERSONAL_FILE}: malformed entry ({type(e).__name__}: {e})")
            continue
        if field_at(states.get(sequence), path) != stored:
            problems.append(f"{PERSONAL_FILE}: event {sequence} does not hold {path} as listed")


def _check_signature(
    checkpoint: dict[str, Any], manifest: dict[str, Any], trusted_pem: bytes | None, problems: list[str]
) -> bool:
    try:
        signed_raw = base64.b64decode(manifest["public_key"], validate=True)
        signature = base64.b64decode(manifest["signature"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error) as e:
        problems.append(f"the checkpoint manifest has no readable key or signature ({type(e).__name__}: {e})")
        return False
    bundled = checkpoint.get("public_key") or {}
    try:
        bundled_keys = []
        if bundled.get("raw_base64"):
            bundled_keys.append(base64.b64decode(bundled["raw_base64"], validate=True))
        if bundled.get("pem"):
            bundled_keys.append(public_raw_from_pem(str(bundled["pem"]).encode()))
    except (ValueError, TypeError, binascii.Error) as e:
        problems.append(f"the bundle's public key is unreadable ({type(e).__name__}: {e})")
        bundled_keys = [b""]
    if not bundled_keys:
        problems.append(f"{CHECKPOINT_FILE} holds no public key")
    elif any(raw != signed_raw for raw in bundled_keys):
        problems.append("the checkpoint is signed by another key than the public key in the bundle")
    if manifest.get("key_id") != key_id(signed_raw):
        problems.append("the manifest's key_id does not match its public key")
    trusted = False
    if trusted_pem is not None:
        try:
            trusted_raw = public_raw_from_pem(trusted_pem)
        except ValueError as e:
            problems.append(f"the trusted public key is unreadable ({e})")
        else:
            if trusted_raw == signed_raw:
                trusted = True
            else:
                problems.append("the checkpoint is signed by another key than the trusted one")
    body = {k: v for k, v in manifest.items() if k != "signature"}
    try:
        Ed25519PublicKey.from_public_bytes(signed_raw).verify(signature, canonical(body))
    except (InvalidSignature, ValueError):
        problems.append("the checkpoint's signature does not verify: the manifest was changed or forged")
        return False
    return trusted


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="verify-dossier", description="Verify a dossier bundle offline.")
    parser.add_argument("path", help="the bundle directory or a .zip of it")
    parser.add_argument("--public-key", help="the deployment's published public key (PEM) to trust")
    args = parser.parse_args(argv)
    return run(Path(args.path), Path(args.public_key) if args.public_key else None)


def run(path: Path, public_key: Path | None) -> int:
    trusted: bytes | None = None
    if public_key is not None:
        try:
            trusted = public_key.read_bytes()
        except OSError as e:
            print(f"verify-dossier: {public_key}: {e.strerror}", file=sys.stderr)
            return 2
    report = verify_path(path, trusted)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0 if report["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
