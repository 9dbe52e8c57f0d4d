"""Bearer tokens: HS256 JWTs signed with FENGQIAO_SECRET, carrying subject, role, unit, expiry.

PyJWT does the signing and checking (it refuses `alg: none` and any algorithm not listed), which
is safer than a hand-written JWT.
"""

from __future__ import annotations

import functools
import time
import uuid

import jwt

from domain.values import Actor, Role

ISSUER = "fengqiao"
ALGORITHM = "HS256"
DEFAULT_TTL = 8 * 3600
UNIT_ROLES = frozenset({Role.CLERK, Role.HANDLER, Role.INTEGRATOR})
ISSUABLE_ROLES = frozenset(Role) - {Role.SYSTEM}


class TokenError(ValueError):
    """Missing, malformed, badly signed or expired token (HTTP 401)."""


def issue_token(secret: bytes, *, subject: str, role: Role, unit: str | None, ttl: int = DEFAULT_TTL) -> str:
    if role not in ISSUABLE_ROLES:
        raise ValueError(f"role must be one of {', '.join(sorted(r.value for r in ISSUABLE_ROLES))}")
    if role in UNIT_ROLES and not unit:
        raise ValueError(f"role {role.value} needs --unit")
    if not subject.strip():
        raise ValueError("subject must not be empty")
    if ttl <= 0:
        raise ValueError("ttl must be positive")
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": subject,
        "role": role.value,
        "iat": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    if unit:
        claims["unit"] = unit
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: bytes, token: str) -> Actor:
    """The token's actor. A token checked once is remembered (bounded), so that a client sending
    the same token with every request pays for the signature check once; its expiry is checked
    on every use."""
    actor, expires = _verified(secret, token)
    if time.time() >= expires:
        raise TokenError("the token has expired")
    return actor


@functools.lru_cache(maxsize=4096)
def _verified(secret: bytes, token: str) -> tuple[Actor, float]:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("the token has expired") from None
    except jwt.PyJWTError:
        raise TokenError("the token is not valid") from None
    try:
        role = Role(claims.get("role"))
    except ValueError:
        raise TokenError("the token names no known role") from None
    if role == Role.SYSTEM:
        raise TokenError("the token names no known role")
    unit = claims.get("unit")
    if role in UNIT_ROLES and not unit:
        raise TokenError(f"a {role.value} token must name a unit")
    return Actor(subject=str(claims["sub"]), role=role, unit=unit), float(claims["exp"])
