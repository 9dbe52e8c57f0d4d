"""Expected failures of the domain, each mapped to one answer of the contract."""

from __future__ import annotations


class DomainError(Exception):
    """Base of the project's own errors."""


class InvalidCommand(DomainError):
    """Bad input: the field named is missing, malformed or out of range (HTTP 400)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class CommandRejected(DomainError):
    """Not allowed in the case's current state (HTTP 409); names the status."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
