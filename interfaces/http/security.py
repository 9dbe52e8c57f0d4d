"""Bearer-token authentication for every path but the probes and the API description."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware

from interfaces.auth import TokenError, verify_token

# Anchored: Litestar treats these as regular expressions.
PUBLIC_PATHS = [
    "^/health$", "^/ready$", "^/schema(/.*)?$", "^/metrics$", "^/static/.+$",
    # The web console's sign-in page and static files (interfaces.console.auth.PUBLIC_PATHS); its
    # other pages opt out of this middleware and read the token from their own cookie instead.
    "^/console/sign-in$", "^/console/static/.+$",
]


class BearerAuthentication(AbstractAuthenticationMiddleware):
    def __init__(
        self, app: Any, secret: bytes, known_units: Callable[[], Collection[str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(app, **kwargs)
        self._secret = secret
        self._known_units = known_units

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("a bearer token is required (Authorization: Bearer …)")
        try:
            actor = verify_token(self._secret, token.strip(), self._known_units)
        except TokenError as e:
            raise NotAuthorizedException(str(e)) from None
        return AuthenticationResult(user=actor, auth=token)


def authentication(secret: bytes, known_units: Callable[[], Collection[str]] | None = None) -> DefineMiddleware:
    return DefineMiddleware(BearerAuthentication, secret=secret, known_units=known_units, exclude=PUBLIC_PATHS)
