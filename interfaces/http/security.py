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


def is_ide_page(connection: ASGIConnection[Any, Any, Any, Any], ide_path: str | None) -> bool:
    """A browser asking for GraphiQL's page itself (GET, HTML, no query): the page is static and
    public, so a person can load it and paste a token; every query it sends carries that token."""
    return (
        ide_path is not None
        and connection.scope.get("method") == "GET"
        and connection.scope.get("path") == ide_path
        and "query" not in connection.query_params
        and "text/html" in connection.headers.get("accept", "")
    )


class BearerAuthentication(AbstractAuthenticationMiddleware):
    def __init__(
        self, app: Any, secret: bytes, known_units: Callable[[], Collection[str]] | None = None,
        ide_path: str | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(app, **kwargs)
        self._secret = secret
        self._known_units = known_units
        self._ide_path = ide_path

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        if not header and is_ide_page(connection, self._ide_path):
            return AuthenticationResult(user=None, auth=None)  # the controller answers the page, nothing else
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("a bearer token is required (Authorization: Bearer …)")
        try:
            actor = verify_token(self._secret, token.strip(), self._known_units)
        except TokenError as e:
            raise NotAuthorizedException(str(e)) from None
        return AuthenticationResult(user=actor, auth=token)


def authentication(
    secret: bytes, known_units: Callable[[], Collection[str]] | None = None, *, ide_path: str | None = None
) -> DefineMiddleware:
    """`ide_path`: where GraphiQL's page is served without a token (development only)."""
    return DefineMiddleware(BearerAuthentication, secret=secret, known_units=known_units, ide_path=ide_path,
                            exclude=PUBLIC_PATHS)
