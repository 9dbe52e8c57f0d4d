"""ASGI entry point for multi-worker serving: `uvicorn --factory interfaces.asgi:create` (what
`fengqiao serve --workers N` runs). Each worker builds its own runtime from the environment;
projections run in whichever worker holds the leadership lock."""

from __future__ import annotations

import os

from litestar import Litestar

from infrastructure.settings import load_settings
from interfaces.runtime import build_runtime


def create() -> Litestar:
    runtime = build_runtime(load_settings())
    background = os.environ.get("FENGQIAO_SERVE_PROJECTIONS", "1") != "0"
    runtime.start_background(projections=background, scheduler=background)
    assert runtime.http is not None
    runtime.http.on_shutdown.append(runtime.close)
    return runtime.http
