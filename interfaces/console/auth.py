"""Signing in to the console: the bearer token kept in an HttpOnly, SameSite=Strict cookie.

The application's bearer middleware reads only `Authorization: Bearer`. The console's routes opt
out of it (`exclude_from_auth`) and this middleware does the same job for them instead: it reads
the cookie (or an Authorization header, for scripts), checks it with the same
`interfaces.auth.verify_token`, and puts the Actor in `request.user`. A page asked for without a
valid token redirects to the sign-in page; only that page and the static files are public.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import jwt
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

from domain.values import Actor
from interfaces.auth import TokenError, verify_token

COOKIE = "fengqiao_console"
LANG_COOKIE = "fengqiao_lang"
COOKIE_PATH = "/console"
PREFIX = "/console"
SIGN_IN = f"{PREFIX}/sign-in"
PUBLIC_OPT = "console_public"  # route opt: reachable without signing in
# Anchored regular expressions, as in interfaces/http/security.py PUBLIC_PATHS.
PUBLIC_PATHS = [f"^{SIGN_IN}$", f"^{PREFIX}/static/.+$"]


def token_from(scope: Scope) -> str | None:
    connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    cookie = connection.cookies.get(COOKIE)
    return cookie.strip() if cookie else None


def clean_token(text: str) -> str:
    """What a person pastes: maybe with "Bearer " in front, maybe with line breaks."""
    text = "".join(text.split())
    if text.lower().startswith("bearer"):
        text = text[6:]
    return text


def seconds_left(token: str) -> int | None:
    """The remaining life of a token already verified (for the cookie's Max-Age)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return max(0, int(claims["exp"]) - int(time.time()))
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return None


def safe_next(target: str | None) -> str:
    """Only a path of the console itself: no open redirect to another site."""
    if not target or not target.startswith(f"{PREFIX}/") or target.startswith("//") or "\\" in target:
        return f"{PREFIX}/"
    if target.startswith(SIGN_IN):
        return f"{PREFIX}/"
    return target


class ConsoleAuthentication:
    """ASGI middleware of the console router (see the module docstring)."""

    def __init__(self, app: ASGIApp, secret: bytes) -> None:
        self.app = app
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        handler = scope.get("route_handler")
        public = bool(handler is not None and handler.opt.get(PUBLIC_OPT))
        token = token_from(scope)
        actor: Actor | None = None
        problem: str | None = None
        if token:
            try:
                actor = verify_token(self.secret, token)
            except TokenError as e:
                problem = str(e)
        scope["user"] = actor
        scope["auth"] = token if actor is not None else None
        if actor is None and not public:
            await _refuse(scope, send, expired=problem is not None)
            return
        await self.app(scope, receive, send)


async def _refuse(scope: Scope, send: Send, *, expired: bool) -> None:
    headers = [(b"cache-control", b"no-store")]
    if expired:  # a bad or expired cookie: drop it
        headers.append((b"set-cookie", f"{COOKIE}=; Path={COOKIE_PATH}; Max-Age=0; HttpOnly; SameSite=Strict".encode()))
    if scope.get("method") in ("GET", "HEAD"):
        target = scope.get("path", PREFIX + "/")
        query = scope.get("query_string", b"").decode("latin-1")
        if query:
            target += "?" + query
        location = f"{SIGN_IN}?next={quote(target, safe='')}" + ("&expired=1" if expired else "")
        headers += [(b"location", location.encode()), (b"content-type", b"text/plain; charset=utf-8")]
        await _answer(send, 303, headers, b"")
        return
    body = f'<!doctype html><meta charset="utf-8"><title>401</title><p><a href="{SIGN_IN}">登录 / Sign in</a></p>'.encode()
    headers.append((b"content-type", b"text/html; charset=utf-8"))
    await _answer(send, 401, headers, body)


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    whole: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(whole)


def signed_in(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard of every console route: fails closed should the middleware ever not have run."""
    if handler.opt.get(PUBLIC_OPT):
        return
    if not isinstance(connection.scope.get("user"), Actor):
        raise NotAuthorizedException("sign in first")


def same_site_only(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard of the console's forms: a browser says where a request comes from (Sec-Fetch-Site)."""
    if connection.scope.get("method") in ("GET", "HEAD", "OPTIONS"):
        return
    if connection.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise PermissionDeniedException("the console accepts forms only from its own pages")
