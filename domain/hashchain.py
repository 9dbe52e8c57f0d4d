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
