"""The application's own errors; delivery layers map each to one answer."""

from __future__ import annotations

from domain.errors import CommandRejected, DomainError, InvalidCommand

__all__ = [
    "CommandRejected",
    "ConcurrencyConflict",
    "ConcurrentRunner",
    "DisputeNotFound",
    "DomainError",
    "Forbidden",
    "IdempotencyInProgress",
    "IdempotencyMismatch",
    "InvalidCommand",
    "RateLimited",
    "StoreUnavailable",
]


class DisputeNotFound(DomainError):
    """Unknown, or outside the caller's reach: the two answer alike (HTTP 404)."""

    def __init__(self, ref: str) -> None:
        super().__init__(f"no case {ref}")
        self.ref = ref


class Forbidden(DomainError):
    """The caller's role or unit may not do this (HTTP 403)."""


class ConcurrencyConflict(DomainError):
    """Another change to the case won the race; nothing of this one was recorded (HTTP 409)."""

    def __init__(self, status: str) -> None:
        super().__init__("the case was changed concurrently; reload it and retry")
        self.status = status


class ConcurrentRunner(RuntimeError):
    """Another projection runner advanced a read model under this one's batch; the batch rolled
    back. Whoever runs the projections on demand then waits for that other runner instead."""


class IdempotencyMismatch(DomainError):
    """The key was used before with a different request (HTTP 422)."""


class IdempotencyInProgress(DomainError):
    """The first request with this key is still running (HTTP 409)."""


class StoreUnavailable(DomainError):
    """The event store does not answer (HTTP 503)."""



class RateLimited(DomainError):
    """The caller asked too often (HTTP 429, GraphQL RATE_LIMITED); retry after `retry_after`
    seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
