"""Bearer tokens: HS256 JWTs signed with FENGQIAO_SECRET, carrying subject, role, unit, expiry.

PyJWT does the signing and checking (it refuses `alg: none` and any algorithm not listed), which
is safer than a hand-written JWT.
"""

from __future__ import annotations

import functools
import re
import time
import uuid
from collections.abc import Callable, Collection
from typing import Any

import jwt

from domain.values import Actor, Role

ISSUER = "fengqiao"
ALGORITHM = "HS256"
DEFAULT_TTL = 8 * 3600
UNIT_ROLES = frozenset({Role.CLERK, Role.HANDLER, Role.INTEGRATOR})
ISSUABLE_ROLES = frozenset(Role) - {Role.SYSTEM}
ISSUABLE_NAMES = frozenset(r.value for r in ISSUABLE_ROLES)
UNIT_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


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


def verify_token(secret: bytes, token: str, known_units: Callable[[], Collection[str]] | None = None) -> Actor:
    """The token's actor. A token checked once is remembered (bounded), so that a client sending
    the same token with every request pays for the signature check once; its expiry is checked
    on every use, and its unit against the member units when `known_units` is given."""
    actor, expires = _verified(secret, token)
    if time.time() >= expires:
        raise TokenError("the token has expired")
    if known_units is not None and actor.unit is not None and actor.unit not in known_units():
        raise TokenError(f"the token names unit {actor.unit!r}, which is not a member unit")
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
    except jwt.InvalidSignatureError:
        raise TokenError(
            "the token's signature does not match this server's secret: it was issued by another installation, "
            "or before FENGQIAO_SECRET changed; issue a new one with `fengqiao token issue`"
        ) from None
    except (jwt.PyJWTError, TypeError, ValueError):
        raise TokenError("the token is not valid") from None
    return _actor(claims)


def _actor(claims: dict[str, Any]) -> tuple[Actor, float]:
    """Each claim checked by type: anything unexpected is a bad token (401), never a crash."""
    subject, role_name, unit, expires = claims.get("sub"), claims.get("role"), claims.get("unit"), claims.get("exp")
    if not isinstance(subject, str) or not subject.strip():
        raise TokenError("the token's subject (sub) must be a non-empty string")
    if not isinstance(role_name, str) or role_name not in ISSUABLE_NAMES:
        raise TokenError("the token names no known role")
    role = Role(role_name)
    if unit is not None and (not isinstance(unit, str) or not UNIT_CODE.match(unit)):
        raise TokenError("the token's unit must be a unit code")
    if role in UNIT_ROLES and not unit:
        raise TokenError(f"a {role.value} token must name a unit")
    if isinstance(expires, bool) or not isinstance(expires, int | float):
        raise TokenError("the token's expiry (exp) must be a number")
    return Actor(subject=subject, role=role, unit=unit), float(expires)
