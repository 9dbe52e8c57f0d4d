"""Personal data at rest (PIPL, sensitive level): ID numbers and phones are stored encrypted
(AES-256-GCM), with masked forms beside them and a keyed digest for exact-match search.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_PREFIX = "enc1:"


class PrivacyError(RuntimeError):
    """Ciphertext that this key cannot open (wrong key or altered bytes)."""


class Privacy:
    def __init__(self, data_key: bytes) -> None:
        # Separate derived keys: one encrypts, one makes search digests.
        self._aead = AESGCM(hashlib.sha256(b"fengqiao/encrypt/" + data_key).digest())
        self._digest_key = hashlib.sha256(b"fengqiao/digest/" + data_key).digest()

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), b"fengqiao-pii")
        return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str) -> str:
        if not token.startswith(_PREFIX):
            raise PrivacyError("not an encrypted value")
        raw = base64.urlsafe_b64decode(token[len(_PREFIX) :])
        try:
            return self._aead.decrypt(raw[:12], raw[12:], b"fengqiao-pii").decode()
        except InvalidTag as e:
            raise PrivacyError("personal data cannot be decrypted with the configured FENGQIAO_DATA_KEY") from e

    def digest(self, value: str) -> str:
        return hmac.new(self._digest_key, value.strip().upper().encode(), hashlib.sha256).hexdigest()
