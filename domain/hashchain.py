"""The per-case hash chain (tamper evidence).

hash(v) = SHA-256 over: hash(v-1) as 64 hex chars (64 zeros for v = 1), the case id as 32 hex chars,
the version in decimal, the event's topic, and the exact stored bytes of the event, each part
followed by a newline (the stored bytes last, not followed by anything). Walked in version order.
"""

from __future__ import annotations

import hashlib
from uuid import UUID

GENESIS = "0" * 64


def link(previous: str, case_id: UUID, version: int, topic: str, state: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(f"{previous}\n{case_id.hex}\n{version}\n{topic}\n".encode())
    digest.update(state)
    return digest.hexdigest()


def leaf(case_id: str, version: int, head: str) -> str:
    """A case's head as a Merkle leaf (domain-separated from inner nodes)."""
    return hashlib.sha256(b"\x00" + f"{case_id}:{version}:{head}".encode()).hexdigest()


def _node(left: str, right: str) -> str:
    return hashlib.sha256(b"\x01" + bytes.fromhex(left) + bytes.fromhex(right)).hexdigest()


def merkle_root(leaves: list[str]) -> str:
    """Root over leaves in the given order; an odd node is carried up unchanged."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    level = list(leaves)
    while len(level) > 1:
        level = [_node(level[i], level[i + 1]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
    return level[0]


def merkle_proof(leaves: list[str], index: int) -> list[tuple[str, str]]:
    """Sibling hashes from the leaf up: ("L"|"R", hash), the side the sibling sits on."""
    proof: list[tuple[str, str]] = []
    level = list(leaves)
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(("L" if sibling < index else "R", level[sibling]))
        level = [_node(level[i], level[i + 1]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
        index //= 2
    return proof


def root_from_proof(leaf_hash: str, proof: list[tuple[str, str]]) -> str:
    current = leaf_hash
    for side, sibling in proof:
        current = _node(sibling, current) if side == "L" else _node(current, sibling)
    return current
