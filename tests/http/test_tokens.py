"""Token claims are checked by type: whatever a token carries, the answer is 401, never a crash."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from interfaces.auth import ALGORITHM, ISSUER


def _token(secret: bytes, **claims: Any) -> str:
    now = int(time.time())
    base: dict[str, Any] = {"iss": ISSUER, "sub": "someone", "role": "clerk", "unit": "tax", "iat": now, "exp": now + 600}
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not ...}, secret, algorithm=ALGORITHM)


BAD_CLAIMS = {
    "unit is a number": {"unit": 7},
    "unit is a list": {"unit": ["tax"]},
    "unit is not a member unit": {"unit": "fire_brigade"},
    "clerk without a unit": {"unit": ...},
    "subject empty": {"sub": "  "},
    "subject a number": {"sub": 42},
    "role unknown": {"role": "admin"},
    "role system": {"role": "system"},
    "role a list": {"role": ["clerk"]},
    "expiry a string": {"exp": "tomorrow"},
    "expiry a boolean": {"exp": True},
}


@pytest.mark.parametrize("claims", BAD_CLAIMS.values(), ids=BAD_CLAIMS.keys())
def test_a_token_with_a_malformed_claim_is_401(runtime, client, claims):
    token = _token(runtime.settings.secret, **claims)
    answer = client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "unauthorized"


def test_a_well_formed_token_passes(runtime, client):
    answer = client.get("/api/v1/units", headers={"Authorization": f"Bearer {_token(runtime.settings.secret)}"})
    assert answer.status_code == 200, answer.text


def test_a_token_signed_with_another_secret_says_the_secret_differs_and_nothing_about_it(runtime, client):
    other = b"another-installation-secret-0123456789abcdef"
    answer = client.get("/api/v1/units", headers={"Authorization": f"Bearer {_token(other)}"})
    assert answer.status_code == 401
    detail = answer.json()["detail"]
    assert "secret" in detail and "another installation" in detail
    assert runtime.settings.secret.decode() not in detail and other.decode() not in detail
