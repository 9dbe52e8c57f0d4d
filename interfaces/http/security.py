"""Bearer-token authentication for every path but the probes and the API description."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware

from interfaces.auth import TokenError, verify_token

# Anchored: Litestar treats these as regular expressions.
PUBLIC_PATHS = [
    "^/health$", "^/ready$", "^/schema(/.*)?$", "^/metrics$",
    # The web console's sign-in page and static files (interfaces.console.auth.PUBLIC_PATHS); its
    # other pages opt out of this middleware and read the token from their own cookie instead.
    "^/console/sign-in$", "^/console/static/.+$",
]


class BearerAuthentication(AbstractAuthenticationMiddleware):
    def __init__(self, app: Any, secret: bytes, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._secret = secret

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("a bearer token is required (Authorization: Bearer …)")
        try:
            actor = verify_token(self._secret, token.strip())
        except TokenError as e:
            raise NotAuthorizedException(str(e)) from None
        return AuthenticationResult(user=actor, auth=token)


def authentication(secret: bytes) -> DefineMiddleware:
    return DefineMiddleware(BearerAuthentication, secret=secret, exclude=PUBLIC_PATHS)
