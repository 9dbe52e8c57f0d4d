"""Idempotency keys: a retried request gets the first answer, never a second effect.

The key is stored with the command's events, in the same transaction, so a retry is not looked
up first: it runs, its key's insert fails (or the case has moved on and refuses it), and only
then is the first answer looked up and replayed. That keeps a lookup off every first request,
which are nearly all of them. While the first request with a key still runs in this process, a
second one with the same key is answered "in progress" instead of racing it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Protocol

import msgspec

from application import commands as cmd
from application.errors import IdempotencyInProgress, IdempotencyMismatch
from domain.values import Actor


class IdempotencyKey(msgspec.Struct, frozen=True):
    key: str
    request_hash: str


class IdempotencyRecord(msgspec.Struct, frozen=True):
    """What the store keeps with the events: the caller's key, the hash of its request, and the
    answer to replay (without "position", which the store fills in from the notification ids)."""

    scope: str
    key: str
    request_hash: str
    response: dict[str, Any]
    created_at: datetime


class StoredAnswer(Protocol):
    """A key's first answer as the store gives it back."""

    @property
    def request_hash(self) -> str: ...
    @property
    def response(self) -> dict[str, Any]: ...


def idempotency_scope(actor: Actor) -> str:
    """Keys are the caller's own: the same key from two callers names two requests."""
    return f"{actor.role}:{actor.unit or ''}:{actor.subject}"


def idempotency_record(
    actor: Actor, idempotency: IdempotencyKey | None, result: cmd.CommandResult, now: datetime
) -> IdempotencyRecord | None:
    if idempotency is None:
        return None
    return IdempotencyRecord(
        scope=idempotency_scope(actor),
        key=idempotency.key,
        request_hash=idempotency.request_hash,
        response=msgspec.to_builtins(msgspec.structs.replace(result, position=None)),
        created_at=now,
    )


def replay(stored: StoredAnswer, idempotency: IdempotencyKey) -> cmd.CommandResult:
    """The first answer, if this retry asks the same as the first request did."""
    if stored.request_hash != idempotency.request_hash:
        raise IdempotencyMismatch("this Idempotency-Key was used with a different request")
    return msgspec.convert(stored.response, cmd.ReplayedResult)


class InFlight:
    """The keys whose first request is still running in this process."""

    def __init__(self) -> None:
        self._keys: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, actor: Actor, idempotency: IdempotencyKey | None) -> Iterator[None]:
        if idempotency is None:
            yield
            return
        token = (idempotency_scope(actor), idempotency.key)
        with self._lock:
            if token in self._keys:
                raise IdempotencyInProgress("a request with this Idempotency-Key is still being processed")
            self._keys.add(token)
        try:
            yield
        finally:
            with self._lock:
                self._keys.discard(token)
