"""SQL literals for the command path's simple queries, which take no bound parameters.

Each function writes its value so that nothing a client sends can end the literal: text and
bytes go as hex (only [0-9a-f] between the quotes) and are decoded by the server; a UUID and a
time are re-formatted by Python before they are quoted, so only their own characters appear.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID


def text(value: str) -> str:
    """A text literal: the UTF-8 bytes in hex, turned back into text by the server."""
    return f"convert_from(decode('{value.encode().hex()}', 'hex'), 'UTF8')"


def bytea(value: bytes) -> str:
    return f"decode('{value.hex()}', 'hex')"


def uuid(value: UUID | str) -> str:
    return f"'{UUID(str(value))}'::uuid"


def timestamptz(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a stored time must carry its offset")
    return f"'{value.isoformat()}'::timestamptz"
