"""Personal data at rest (PIPL, sensitive level).

Names, ID numbers, phones and contacts (a phone or an address) of the payer and of an individual
other party are stored in the events themselves sealed (AES-256-GCM) under the case's own data
key, with masked forms and keyed search digests beside them, so that the stored bytes (which the
hash chain and the dossier carry) hold none of them in clear. A case's key is kept in the event
store wrapped (AES-256-GCM) by a key derived from FENGQIAO_DATA_KEY; destroying it (crypto-
shredding, `retention shred`) leaves the chain intact and the sealed values unreadable for good.

Values stored before per-case keys still read: "enc1:" values were sealed under FENGQIAO_DATA_KEY
itself, and a value without a prefix was stored in clear (names, before this).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable
from uuid import UUID

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.errors import StoreUnavailable

_LEGACY = "enc1:"  # sealed under FENGQIAO_DATA_KEY itself (before per-case keys)
_SEALED = "enc2:"  # sealed under the case's own key
DESTROYED = "已销毁"  # what a personal field reads once its case's key was destroyed
CACHE_SIZE = 20_000  # unwrapped case keys kept per process (32 bytes and a cipher each)


class PrivacyError(RuntimeError):
    """Ciphertext that this key cannot open (wrong key or altered bytes)."""


class CaseKeyDestroyed(RuntimeError):
    """The case's key was destroyed (crypto-shredding): its personal data is gone for good."""


class PersonalDataUnavailable(StoreUnavailable):
    """The case's personal data cannot be read: its key is missing, or FENGQIAO_DATA_KEY does not
    unwrap it. Said loudly (HTTP 503), never answered with masked values instead."""


class CaseKeyRow(msgspec.Struct, frozen=True):
    """A case's key as the event store keeps it: wrapped, or None once destroyed."""

    case_id: UUID
    wrapped: bytes | None
    key_id: str  # which FENGQIAO_DATA_KEY wrapped it (a fingerprint, not the key)
    created_at: datetime
    destroyed_at: datetime | None = None


@runtime_checkable
class CaseKeyStore(Protocol):
    """Where case keys are kept (the event store's database; implemented by the recorders).
    A new case's key is inserted with its registration's events (`save(..., case_key=row)`)."""

    def case_key(self, case_id: UUID) -> CaseKeyRow | None: ...

    def destroy_case_key(self, case_id: UUID, at: datetime) -> bool:
        """Overwrite the wrapped key with nothing, keep the row as a tombstone; False if no row."""
        ...

    def case_key_rows(self) -> list[CaseKeyRow]:
        """Every kept key (destroyed ones included), for rewrapping under a new FENGQIAO_DATA_KEY."""
        ...

    def rewrap_case_key(self, row: CaseKeyRow) -> None: ...


class Sealer:
    """Seals a case's values under its key; the AAD binds each value to its case."""

    def __init__(self, case_id: UUID, key: bytes) -> None:
        self.case_id = case_id
        self.key = key
        self._aead = AESGCM(key)
        self._aad = b"fengqiao-pii/" + case_id.bytes

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), self._aad)
        return _SEALED + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, token: str) -> str:
        raw = base64.urlsafe_b64decode(token[len(_SEALED) :])
        return self._aead.decrypt(raw[:12], raw[12:], self._aad).decode()


def is_sealed(value: str) -> bool:
    return value.startswith((_SEALED, _LEGACY))


class Privacy:
    def __init__(self, data_key: bytes, previous: Sequence[bytes] = (), cache_size: int = CACHE_SIZE) -> None:
        # Separate derived keys: one encrypts (legacy values), one makes search digests, one wraps
        # case keys. The digest key stays that of the first key a deployment used (the last of
        # `previous`), so search digests survive a rotation of FENGQIAO_DATA_KEY.
        self._aead = AESGCM(hashlib.sha256(b"fengqiao/encrypt/" + data_key).digest())
        first = previous[-1] if previous else data_key
        self._digest_key = hashlib.sha256(b"fengqiao/digest/" + first).digest()
        self._legacy = [AESGCM(hashlib.sha256(b"fengqiao/encrypt/" + k).digest()) for k in (data_key, *previous)]
        self._wrapping = [_wrapping_key(k) for k in (data_key, *previous)]
        self.key_id = self._wrapping[0][0]
        self._keys: CaseKeyStore | None = None
        self._cache: OrderedDict[UUID, Sealer] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def attach(self, keys: CaseKeyStore) -> None:
        """The store where case keys are kept (set once the event store is built)."""
        self._keys = keys

    # --- a new case -----------------------------------------------------------------------

    @staticmethod
    def fresh_key() -> bytes:
        """A new case key's 256 random bits (drawn before the case's id is known)."""
        return AESGCM.generate_key(bit_length=256)

    def new_case_key(self, case_id: UUID, now: datetime, key: bytes | None = None) -> tuple[CaseKeyRow, Sealer]:
        """A case's key (`key`, or a fresh one): the row to store with its registration, and its sealer."""
        key = key or self.fresh_key()
        key_id, wrapping = self._wrapping[0]
        nonce = os.urandom(12)
        wrapped = nonce + wrapping.encrypt(nonce, key, b"fengqiao-case-key/" + case_id.bytes)
        return CaseKeyRow(case_id, wrapped, key_id, now), Sealer(case_id, key)

    def remember(self, sealer: Sealer) -> None:
        """Keep a stored case's key unwrapped (after its registration committed)."""
        with self._lock:
            self._cache[sealer.case_id] = sealer
            self._cache.move_to_end(sealer.case_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def forget(self, case_id: UUID) -> None:
        with self._lock:
            self._cache.pop(case_id, None)

    # --- reading --------------------------------------------------------------------------

    def open(self, case_id: UUID, value: str) -> str:
        """A stored personal value in clear: sealed under the case's key, under the legacy key,
        or stored in clear before sealing began. CaseKeyDestroyed once the key was destroyed;
        PersonalDataUnavailable when the key is missing or cannot be unwrapped."""
        if value.startswith(_LEGACY):
            return self.decrypt(value)
        if not value.startswith(_SEALED):
            return value
        sealer = self._sealer(case_id)
        try:
            return sealer.open(value)
        except (InvalidTag, ValueError):
            # A key cached from a registration that lost its case number to a rival: load again.
            self.forget(case_id)
            try:
                return self._sealer(case_id).open(value)
            except (InvalidTag, ValueError) as e:
                raise PersonalDataUnavailable(f"personal data of case {case_id} does not open with its key") from e

    def _sealer(self, case_id: UUID) -> Sealer:
        with self._lock:
            cached = self._cache.get(case_id)
        if cached is not None:
            return cached
        if self._keys is None:
            raise PersonalDataUnavailable("no case key store is attached")
        row = self._keys.case_key(case_id)
        if row is None:
            raise PersonalDataUnavailable(
                f"the key of case {case_id} is missing from the store: its personal data cannot be read"
            )
        if row.wrapped is None:
            raise CaseKeyDestroyed(f"the key of case {case_id} was destroyed")
        sealer = Sealer(case_id, self.unwrap(row))
        self.remember(sealer)
        return sealer

    def unwrap(self, row: CaseKeyRow) -> bytes:
        assert row.wrapped is not None
        for key_id, wrapping in self._wrapping:
            if key_id != row.key_id:
                continue
            try:
                return wrapping.decrypt(row.wrapped[:12], row.wrapped[12:], b"fengqiao-case-key/" + row.case_id.bytes)
            except InvalidTag as e:
                raise PersonalDataUnavailable(f"the key of case {row.case_id} was altered: it does not unwrap") from e
        raise PersonalDataUnavailable(
            f"the key of case {row.case_id} is wrapped by data key {row.key_id}, which is neither "
            "FENGQIAO_DATA_KEY nor one of FENGQIAO_DATA_KEY_PREVIOUS"
        )

    def rewrap(self, row: CaseKeyRow) -> CaseKeyRow | None:
        """The row wrapped under the current FENGQIAO_DATA_KEY; None when it already is (or was destroyed)."""
        if row.wrapped is None or row.key_id == self.key_id:
            return None
        key = self.unwrap(row)
        key_id, wrapping = self._wrapping[0]
        nonce = os.urandom(12)
        wrapped = nonce + wrapping.encrypt(nonce, key, b"fengqiao-case-key/" + row.case_id.bytes)
        return msgspec.structs.replace(row, wrapped=wrapped, key_id=key_id)

    def destroy(self, case_id: UUID, at: datetime) -> bool:
        """Destroy a case's key (crypto-shredding); False when the case never had one."""
        if self._keys is None:
            raise PersonalDataUnavailable("no case key store is attached")
        self.forget(case_id)
        return self._keys.destroy_case_key(case_id, at)

    # --- legacy values and digests ---------------------------------------------------------

    def encrypt(self, plaintext: str) -> str:
        """A value in the form stored before per-case keys ("enc1:"): nothing records it any more,
        but the tests that prove old events still read make them with it."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), b"fengqiao-pii")
        return _LEGACY + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str) -> str:
        if not token.startswith(_LEGACY):
            raise PrivacyError("not an encrypted value")
        raw = base64.urlsafe_b64decode(token[len(_LEGACY) :])
        for aead in self._legacy:
            try:
                return aead.decrypt(raw[:12], raw[12:], b"fengqiao-pii").decode()
            except InvalidTag:
                continue
        raise PersonalDataUnavailable("personal data cannot be decrypted with the configured FENGQIAO_DATA_KEY")

    def digest(self, value: str) -> str:
        return hmac.new(self._digest_key, value.strip().upper().encode(), hashlib.sha256).hexdigest()

    def name_keys(self, name: str) -> tuple[str, ...]:
        """What an exact name search matches in the read models: the name's digest, and the name
        itself as cases stored before names were sealed hold it."""
        return (self.digest(name), name.strip())


def _wrapping_key(data_key: bytes) -> tuple[str, AESGCM]:
    derived = hashlib.sha256(b"fengqiao/wrap/" + data_key).digest()
    return hashlib.sha256(b"fengqiao/key-id/" + derived).hexdigest()[:16], AESGCM(derived)
