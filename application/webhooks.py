"""What a webhook delivery is, independent of how it is sent: the CloudEvents 1.0 message of an
event as a subscriber may read it, its Standard Webhooks signature, the retry schedule and what a
receiver's answer means.

Subscribers are integrators and the task force, neither of which sees personal data whole, so
the message carries the masked forms the events keep beside the ciphertext; nothing here
decrypts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain import events as ev
from domain.identifiers import mask_name
from domain.reference import FENGQIAO_NAMESPACE
from domain.subscription import EVENT_TYPES, TYPE_PREFIX
from domain.values import is_individual
from projections.case_view import CaseView

SOURCE = "https://fengqiao.gaoping.gov.cn/api/v1"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
SECRET_BYTES = 32
TIMEOUT = 10.0  # seconds a receiver has to answer
GIVE_UP_AFTER = timedelta(days=3)  # a subscription failing this long is disabled
# About 5 s, 30 s, 2 min, 10 min, 1 h, then hours, adding up to about 3 days.
DEFAULT_SCHEDULE: tuple[float, ...] = (5, 30, 120, 600, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600, 24 * 3600)
JITTER = 0.2  # each wait is drawn from ±20 % of its step so that failed receivers are not hit in step
_ENVELOPE = ("originator_id", "originator_version", "timestamp", "at", "actor", "command_id")
_encoder = msgspec.json.Encoder()


def event_id(originator_id: UUID, version: int) -> str:
    """The event's identity, the same on every retry and replay: CloudEvents `id` and
    `webhook-id` both."""
    return str(uuid5(FENGQIAO_NAMESPACE, f"event:{originator_id}:{version}"))


def verb_of(event: Any) -> str | None:
    return EVENT_TYPES.get(type(event).__name__)


def event_data(event: ev.DisputeEvent, view: CaseView) -> dict[str, Any]:
    """What an integrator or the task force may read of this event: its own fields, with the
    payer and the other party in their masked forms, and the case as it stands after it."""
    data: dict[str, Any] = msgspec.to_builtins(event)
    for key in _ENVELOPE:
        data.pop(key, None)
    if isinstance(event, ev.DisputeRegistered):
        payer = event.payer
        data["payer"] = {
            "kind": payer.kind.value,
            "name": payer.name_masked,
            "id_number": payer.id_number_masked,
            "phone": payer.phone_masked,
        }
        other = event.other_party
        if other is not None:
            # As the read side masks it for a role that does not see it whole: a private
            # person's name masked (it is sealed in the event), the contact masked.
            individual = other.name_masked is not None or is_individual(other.kind)
            data["other_party"] = {
                "name": other.name_masked or (mask_name(other.name) if individual else other.name),
                "kind": other.kind,
                "contact": other.contact_masked,
            }
    return {
        "case_number": view.case_number,
        "version": event.originator_version,
        "status": view.status.upper(),
        "level": view.level.upper() if view.level else None,
        "accepting_unit": view.accepting_unit,
        "handling_unit": view.handling_unit,
        "external_ref": view.external_ref,
        "acted_at": event.at.isoformat(),
        "recorded_at": event.timestamp.isoformat(),
        "actor": {"role": event.actor.role.value, "unit": event.actor.unit},
        "event": data,
    }


def cloud_event(event: ev.DisputeEvent, view: CaseView) -> bytes:
    """The CloudEvents 1.0 JSON body (structured mode) for one event."""
    verb = verb_of(event) or type(event).__name__.lower()
    message = {
        "specversion": "1.0",
        "id": event_id(event.originator_id, event.originator_version),
        "source": SOURCE,
        "type": TYPE_PREFIX + verb,
        "subject": view.case_number,
        "time": event.at.isoformat(),
        "datacontenttype": "application/json",
        "data": event_data(event, view),
    }
    return _encoder.encode(message)


def new_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` and `webhook-signature` (v1, HMAC-SHA256 over
    `id.timestamp.body` keyed by the secret's decoded bytes)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp), "webhook-signature": f"v1,{digest}"}


class SecretBox:
    """Seals signing secrets under the data key (AES-256-GCM with a key derived for this use
    only), so a stored event or row never holds one in clear."""

    _prefix = "whs1:"

    def __init__(self, data_key: bytes, previous: tuple[bytes, ...] = ()) -> None:
        # Sealed with the current key; opened with it or, during a key rotation, an earlier one.
        self._keys = [AESGCM(hashlib.sha256(b"fengqiao/webhook-secret/" + key).digest()) for key in (data_key, *previous)]

    def seal(self, secret: str) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[0].encrypt(nonce, secret.encode(), b"whsec")
        return self._prefix + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, sealed: str) -> str:
        raw = base64.urlsafe_b64decode(sealed.removeprefix(self._prefix))
        for key in self._keys:
            try:
                return key.decrypt(raw[:12], raw[12:], b"whsec").decode()
            except InvalidTag:
                continue
        raise ValueError("a webhook secret cannot be opened with FENGQIAO_DATA_KEY (nor FENGQIAO_DATA_KEY_PREVIOUS)")


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    gone: bool  # 410: the receiver asks us to stop
    code: int | None
    error: str | None


def outcome(code: int | None, error: str | None = None) -> Outcome:
    if code is not None and 200 <= code < 300:
        return Outcome(True, False, code, None)
    if code == 410:
        return Outcome(False, True, code, "the receiver answered 410 Gone")
    return Outcome(False, False, code, error or f"the receiver answered {code}")


def next_attempt(schedule: tuple[float, ...], attempts: int, now: datetime, rng: random.Random | None = None) -> datetime | None:
    """When to try again after `attempts` failed tries, or None when the schedule is spent."""
    if attempts > len(schedule):
        return None
    step = schedule[attempts - 1]
    factor = 1 + JITTER * (2 * (rng or random).random() - 1)
    return now + timedelta(seconds=step * factor)


def parse_schedule(text: str) -> tuple[float, ...]:
    """`5s,30s,2m,10m,1h,…` (s, m, h, d; a bare number is seconds). Raises ValueError."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    steps: list[float] = []
    for raw in text.split(","):
        item = raw.strip().lower()
        if not item:
            continue
        scale = units.get(item[-1])
        number = item[:-1] if scale else item
        value = float(number) * (scale or 1)
        if not 0 < value <= 7 * 86400:
            raise ValueError(f"{raw.strip()!r}: each step must be more than 0 and at most 7 days")
        steps.append(value)
    if not steps:
        raise ValueError("name at least one step, e.g. 5s,30s,2m,10m,1h")
    return tuple(steps)
