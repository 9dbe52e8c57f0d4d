"""The console's routes: one Router under /console holding a Controller per page group, each page
server-rendered with Jinja2 (templates/). What the pages share comes as the dependency `console`."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.middleware.base import DefineMiddleware

from application.disputes import Fengqiao
from interfaces.console.auth import PREFIX, ConsoleAuthentication, same_site_only, signed_in
from interfaces.console.case import CaseController
from interfaces.console.deliveries import DeliveriesController
from interfaces.console.queues import QueueController
from interfaces.console.reading import Reader
from interfaces.console.search import SearchController
from interfaces.console.signing import SignInController
from interfaces.console.site import Console, environment
from interfaces.console.supervision import SupervisionController


def build_router(fengqiao: Fengqiao, reader: Reader, *, secret: bytes, production: bool) -> list[Router]:
    console = Console(fengqiao, reader, environment(), secret=secret, production=production)

    # Plain functions, not bound methods: Litestar deep-copies what a router registers.
    def provide_console() -> Console:
        return console

    def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
        return console.http_error(request, exc)

    def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        return console.internal_error(request, exc)

    router = Router(
        path=PREFIX,
        route_handlers=[
            SignInController, QueueController, CaseController, SearchController, SupervisionController,
            DeliveriesController,
        ],
        dependencies={"console": Provide(provide_console, use_cache=True, sync_to_thread=False)},
        middleware=[DefineMiddleware(ConsoleAuthentication, secret=secret)],
        guards=[signed_in, same_site_only],
        # The application's bearer middleware steps aside; ConsoleAuthentication reads the cookie.
        opt={"exclude_from_auth": True},
        include_in_schema=False,
        exception_handlers={HTTPException: http_error, Exception: internal_error},
    )
    return [router]


__all__ = ["build_router"]
