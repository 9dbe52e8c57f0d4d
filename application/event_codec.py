"""Events are msgspec Structs, stored as msgspec JSON under their class's topic.

Readers that show stored events (the timeline, the dossier) decode them here, as the event
store's mapper does, so one definition says what the stored bytes mean.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import msgspec
from eventsourcing.utils import resolve_topic

_encoder = msgspec.json.Encoder()


@cache
def _decoder(cls: type) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(cls)


def encode_event(event: Any) -> bytes:
    return _encoder.encode(event)


def decode_event(topic: str, state: bytes) -> Any:
    return _decoder(resolve_topic(topic)).decode(state)
