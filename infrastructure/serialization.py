"""The event store's mapper: events stored as msgspec JSON (see application.event_codec).

The library's default mapper copies `vars(event)` into a dict and runs its own JSON transcoder,
which knows no `date` and costs more; our events are typed Structs, so msgspec encodes and
decodes them directly (and a schema mismatch fails loudly on decode).
"""

from __future__ import annotations

from typing import Any

import msgspec
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent, Transcoder
from eventsourcing.utils import get_topic

from application.event_codec import decode_event, encode_event


class _UnusedTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:  # pragma: no cover - never called
        raise NotImplementedError

    def decode(self, data: bytes) -> Any:  # pragma: no cover - never called
        raise NotImplementedError


class MsgspecMapper(Mapper[Any]):
    def __init__(self) -> None:
        super().__init__(transcoder=_UnusedTranscoder())

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=encode_event(domain_event),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        try:
            return decode_event(stored_event.topic, stored_event.state)
        except (msgspec.DecodeError, msgspec.ValidationError) as e:
            msg = (
                f"Failed to deserialise stored event {stored_event.topic} "
                f"{stored_event.originator_id} v{stored_event.originator_version}: {e}"
            )
            raise MapperDeserialisationError(msg) from e
