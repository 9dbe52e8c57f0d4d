"""The hash-chain rule of tamper evidence.

A case's events: hash(v) = SHA-256 over hash(v-1) as 64 hex characters (64 zeros for v = 1), the
case id as 32 hex characters, the version in decimal and the event's topic, each followed by a
newline, then the exact stored bytes of the event with nothing after them. Walked in version order.

A checkpoint signs a Merkle root over every case's head: leaves are SHA-256(0x00 ‖
`case_id:version:head`), nodes SHA-256(0x01 ‖ left ‖ right), and an odd node is carried up unchanged.

The access log is chained like a case: SHA-256 over the previous hash and each field of the entry.

The case chain and the tree are the offline verifier's own functions, so the server computes
exactly what a stranger checks with the verifier shipped beside a bundle.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from application.audit import offline
from application.audit.offline import GENESIS, leaf, node

__all__ = ["GENESIS", "access_link", "leaf", "link", "merkle_proof", "merkle_root"]


def link(previous: str, case_id: UUID, version: int, topic: str, state: bytes) -> str:
    """The hash of event `version` of a case, chained to the hash before it."""
    return offline.link(previous, case_id.hex, version, topic, state)


def merkle_root(leaves: list[str]) -> str:
    """Root over leaves in the given order; an odd node is carried up unchanged."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    level = list(leaves)
    while len(level) > 1:
        level = _parents(level)
    return level[0]


def merkle_proof(leaves: list[str], index: int) -> list[tuple[str, str]]:
    """Sibling hashes from the leaf up: ("L"|"R", hash), the side the sibling sits on."""
    proof: list[tuple[str, str]] = []
    level = list(leaves)
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(("L" if sibling < index else "R", level[sibling]))
        level = _parents(level)
        index //= 2
    return proof


def _parents(level: list[str]) -> list[str]:
    return [node(level[i], level[i + 1]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]


def access_link(previous: str, row: tuple[Any, ...]) -> str:
    """An access log entry's hash: SHA-256(previous hash, then each field of the entry), newline-separated."""
    text = "\n".join([previous, *("" if v is None else str(v) for v in row)])
    return hashlib.sha256(text.encode()).hexdigest()
