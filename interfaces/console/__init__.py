"""The web console (查阅控制台): work queues, case timelines with time travel, supervision.

Served by the same process under /console: plain server-rendered HTML (Jinja2) with a little
JavaScript and Chart.js bundled under static/vendor, so nothing is fetched from the internet.
Everything shown is read through the API's own GraphQL schema in process (reading.py), so what a
person sees follows their role and unit exactly as in the API, masking and access log included.

Register with `*console_routes(settings, fengqiao, reads, checkpoints)` in the app's route
handlers; add `interfaces.console.auth.PUBLIC_PATHS` (the sign-in page and the static files) to
the bearer middleware's public paths.
"""

from __future__ import annotations

import logging
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from litestar import MediaType, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from application.audit.checkpoints import CheckpointStore
from application.disputes import Fengqiao
from application.reads import ReadSide
from application.settings import Settings
from interfaces.console.auth import PREFIX, PUBLIC_PATHS

log = logging.getLogger("fengqiao.console")
STATIC = Path(__file__).parent / "static"

__all__ = ["PUBLIC_PATHS", "console_routes"]


@get("/", include_in_schema=False, opt={"exclude_from_auth": True}, name="console_root")
async def _root() -> Redirect:
    """A person who opens the service's address lands on the console."""
    return Redirect(f"{PREFIX}/", status_code=302)


def console_routes(settings: Settings, fengqiao: Fengqiao, reads: ReadSide, checkpoints: CheckpointStore) -> list[Any]:
    static = create_static_files_router(
        path=f"{PREFIX}/static",
        directories=[STATIC],
        name="console_static",
        opt={"exclude_from_auth": True},
        cache_control=CacheControlHeader(max_age=3600),
        include_in_schema=False,
    )
    if find_spec("jinja2") is None:  # the API keeps working; the console says why it does not
        log.error("the web console is off: the jinja2 package is not installed")
        message = "The web console needs the jinja2 package (pip install jinja2)."

        @get(PREFIX, include_in_schema=False, opt={"exclude_from_auth": True}, media_type=MediaType.TEXT, status_code=503)
        async def unavailable() -> Response[str]:
            return Response(message, status_code=503, media_type=MediaType.TEXT)

        return [_root, unavailable]
    from interfaces.console.reading import Reader
    from interfaces.console.router import build_router

    reader = Reader(fengqiao, reads, checkpoints, production=settings.production, executor=settings.graphql_executor)
    return [_root, static, *build_router(fengqiao, reader, secret=settings.secret, production=settings.production)]
