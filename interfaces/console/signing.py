"""Signing in to the console with a pasted token, and out again."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect

from domain.values import Actor
from interfaces.auth import TokenError, verify_token
from interfaces.console.auth import COOKIE, COOKIE_PATH, PUBLIC_OPT, SIGN_IN, clean_token, safe_next, seconds_left
from interfaces.console.site import Console


class SignInController(Controller):
    @get("/sign-in", opt={PUBLIC_OPT: True}, name="console_sign_in")
    async def page(self, request: Request[Any, Any, Any], console: NamedDependency[Console]) -> Response[Any]:
        target = safe_next(request.query_params.get("next"))
        if isinstance(request.scope.get("user"), Actor):
            return Redirect(target, status_code=303)
        t = console.words_for(request)
        notice = None
        if request.query_params.get("expired"):
            notice = t("token_expired")
        elif request.query_params.get("signed_out"):
            notice = t("signed_out")
        elif request.query_params.get("next"):
            notice = t("need_sign_in")
        return console.render(request, "sign_in.html", next=target, notice=notice, problem=None)

    @post("/sign-in", opt={PUBLIC_OPT: True}, status_code=303, name="console_sign_in_post")
    async def sign_in(self, request: Request[Any, Any, Any], console: NamedDependency[Console]) -> Response[Any]:
        form = await request.form()
        target = safe_next(str(form.get("next") or ""))
        token = clean_token(str(form.get("token") or ""))
        try:
            verify_token(console.secret, token)
        except TokenError as e:
            t = console.words_for(request)
            problem = t("bad_token") + t.token_problem(str(e))
            return console.render(request, "sign_in.html", status=401, next=target, notice=None, problem=problem)
        response: Response[Any] = Redirect(target, status_code=303)
        response.set_cookie(
            COOKIE, token, max_age=seconds_left(token), path=COOKIE_PATH, httponly=True, samesite="strict",
            secure=console.secure_cookies(request),
        )
        return response

    @post("/sign-out", opt={PUBLIC_OPT: True}, status_code=303, name="console_sign_out")
    async def sign_out(self) -> Response[Any]:
        response: Response[Any] = Redirect(f"{SIGN_IN}?signed_out=1", status_code=303)
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
        return response
