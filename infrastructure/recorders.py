"""What the SQLite and PostgreSQL recorders add to the library's, alike on both.

Each implements `application.ports.CommandStore`: a command's whole transaction (take the case's
turn, read, insert the events with the caller's idempotency key), the key's lookup and purge, and
a stored event looked up with its notification id (to tell a lost acknowledgement from a real
conflict). The key is stored in the same transaction as the events it acknowledges, so a crash
cannot separate them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from application.idempotency import IdempotencyRecord
from application.policy import StorePolicy


class StoredAnswer(msgspec.Struct, frozen=True):
    request_hash: str
    response: dict[str, Any]
    created_at: datetime


def answer(record: IdempotencyRecord, notification_ids: Sequence[int] | None) -> bytes:
    """The answer kept under a key: the command's result, its position the last notification id."""
    response = dict(record.response)
    response["position"] = max(notification_ids) if notification_ids else None
    return msgspec.json.encode(response)


class Wired:
    """Set by `infrastructure/store.py` when the application is built, before the first command:
    the library constructs the recorders itself, from its environment mapping."""

    policy: StorePolicy = StorePolicy()
    snapshots_table: str | None = None  # the table the application's snapshot store writes
