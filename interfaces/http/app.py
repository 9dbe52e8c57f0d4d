"""The Litestar application: REST commands, probes, and the OpenAPI description at /schema."""

from __future__ import annotations

import logging
from typing import Any

import anyio.to_thread
from litestar import Litestar, MediaType, Response, get
from litestar.di import NamedDependency, Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from application.audit.checkpoints import CheckpointStore
from application.disputes import Fengqiao
from application.reads import ReadSide
from infrastructure.settings import Settings
from interfaces.http.commands import COMMAND_HANDLERS, add_unit, list_units
from interfaces.http.errors import EXCEPTION_HANDLERS
from interfaces.http.metrics import Metrics, metrics_route
from interfaces.http.security import authentication

READY_WAIT = 5.0
MAX_BODY = 256 * 1024  # a ledger entry is a few KB; anything near this is not a dispute
log = logging.getLogger("fengqiao.http")


@get("/health", media_type=MediaType.JSON, include_in_schema=True, tags=["probes"], summary="The process is up")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", media_type=MediaType.JSON, tags=["probes"], summary="The store answers and projections are caught up")
async def ready(fengqiao: NamedDependency[Fengqiao], reads: NamedDependency[ReadSide]) -> Response[dict[str, Any]]:
    try:
        head = await anyio.to_thread.run_sync(fengqiao.recorder.max_notification_id) or 0
        caught_up = await anyio.to_thread.run_sync(reads.runner.wait_for, head, READY_WAIT)
        status = await anyio.to_thread.run_sync(reads.runner.status)
    except Exception as e:  # noqa: BLE001 - any store failure means "not ready"
        log.warning("readiness: store does not answer: %s", e)
        return Response({"status": "unavailable", "store": "down"}, status_code=503)
    body = {"status": "ready" if caught_up else "lagging", "store": "up", "head": head, "projections": status["projections"]}
    return Response(body, status_code=200 if caught_up else 503)


def create_app(settings: Settings, fengqiao: Fengqiao, reads: ReadSide, checkpoints: CheckpointStore) -> Litestar:
    from interfaces.console import console_routes
    from interfaces.graphql.controller import graphql_controller
    from interfaces.http.dossier import dossier_route

    def provide_fengqiao() -> Fengqiao:
        return fengqiao

    def provide_reads() -> ReadSide:
        return reads

    metrics = Metrics(reads)

    return Litestar(
        route_handlers=[
            health,
            ready,
            *COMMAND_HANDLERS,
            add_unit,
            list_units,
            graphql_controller(fengqiao, reads, checkpoints, production=settings.production),
            dossier_route(fengqiao, reads, checkpoints),
            metrics_route(metrics),
            *console_routes(settings, fengqiao, reads, checkpoints),
        ],
        dependencies={
            "fengqiao": Provide(provide_fengqiao, use_cache=True, sync_to_thread=False),
            "reads": Provide(provide_reads, use_cache=True, sync_to_thread=False),
        },
        middleware=[metrics.middleware, authentication(settings.secret)],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=MAX_BODY,
        openapi_config=OpenAPIConfig(
            title="Fengqiao",
            version="1.0.0",
            description="Commands of the joint mechanism for social-insurance fee collection disputes "
            "(高政办发〔2024〕20号). Bearer tokens from `fengqiao token issue`.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        debug=False,
    )
