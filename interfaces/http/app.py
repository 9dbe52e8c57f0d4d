"""The Litestar application: REST commands, probes, and the OpenAPI description at /schema."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
from litestar import Litestar, MediaType, Response, get, head
from litestar.config.cors import CORSConfig
from litestar.di import NamedDependency, Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

from application.audit.checkpoints import CheckpointStore
from application.disputes import Fengqiao
from application.reads import ReadSide
from application.settings import Settings
from application.subscriptions import SubscriptionService
from interfaces.http import openapi
from interfaces.http.commands import COMMAND_HANDLERS, add_unit, get_dispute, list_units
from interfaces.http.errors import EXCEPTION_HANDLERS
from interfaces.http.limits import refuse_deep_bodies
from interfaces.http.metrics import Metrics, metrics_route
from interfaces.http.security import authentication
from interfaces.http.subscriptions import subscription_routes

STATIC = Path(__file__).parent / "static"  # bundled: nothing is fetched from a CDN
VENDOR = "/static/vendor"
READY_WAIT = 5.0
NOT_READY_RETRY = 5  # seconds a probe is told to wait before asking again
MAX_BODY = 256 * 1024  # a ledger entry is a few KB; anything near this is not a dispute
log = logging.getLogger("fengqiao.http")


@get("/health", media_type=MediaType.JSON, tags=["probes"], operation_id="getHealth", summary="The process is up")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@head("/health", tags=["probes"], operation_id="headHealth", summary="The process is up (no body)")
async def health_head() -> None:
    return None


class DeliveryStatus:
    """The webhook worker's status as /ready and /metrics show it (absent: no worker wired)."""

    def __init__(self, status: Callable[[], dict[str, Any]] | None) -> None:
        self.status = status


async def _readiness(fengqiao: Fengqiao, reads: ReadSide, webhooks: DeliveryStatus) -> tuple[int, dict[str, Any]]:
    code, body = await _store_readiness(fengqiao, reads)
    if body.get("store") == "up":
        deliveries = webhooks.status
        if deliveries is not None:
            try:
                body["deliveries"] = await anyio.to_thread.run_sync(deliveries)
            except Exception as e:  # noqa: BLE001 - webhooks never make the API unready
                body["deliveries"] = {"error": f"{type(e).__name__}: {e}"}
    return code, body


async def _store_readiness(fengqiao: Fengqiao, reads: ReadSide) -> tuple[int, dict[str, Any]]:
    try:
        head = await anyio.to_thread.run_sync(fengqiao.recorder.max_notification_id) or 0
        caught_up = await anyio.to_thread.run_sync(reads.runner.wait_for, head, READY_WAIT)
        status = await anyio.to_thread.run_sync(reads.runner.status)
    except Exception as e:  # noqa: BLE001 - any store failure means "not ready"
        log.warning("readiness: store does not answer: %s", e)
        return 503, {"status": "unavailable", "store": "down"}
    body = {"status": "ready" if caught_up else "lagging", "store": "up", "head": head, "projections": status["projections"]}
    return (200 if caught_up else 503), body


def _not_ready_headers(code: int) -> dict[str, str] | None:
    return {"Retry-After": str(NOT_READY_RETRY)} if code == 503 else None


@get(
    "/ready",
    media_type=MediaType.JSON,
    tags=["probes"],
    operation_id="getReadiness",
    summary="The store answers and projections are caught up",
    responses={503: ResponseSpec(dict[str, Any], description="Not ready: the store is down or the read models lag; "
                                 "retry after Retry-After seconds.", generate_examples=False)},
)
async def ready(
    fengqiao: NamedDependency[Fengqiao], reads: NamedDependency[ReadSide], webhooks: NamedDependency[DeliveryStatus]
) -> Response[dict[str, Any]]:
    code, body = await _readiness(fengqiao, reads, webhooks)
    return Response(body, status_code=code, headers=_not_ready_headers(code))


@head("/ready", tags=["probes"], operation_id="headReadiness", summary="Ready (200) or not (503), without a body")
async def ready_head(
    fengqiao: NamedDependency[Fengqiao], reads: NamedDependency[ReadSide], webhooks: NamedDependency[DeliveryStatus]
) -> Response[None]:
    code, _ = await _readiness(fengqiao, reads, webhooks)
    return Response(None, status_code=code, headers=_not_ready_headers(code))


def create_app(
    settings: Settings,
    fengqiao: Fengqiao,
    reads: ReadSide,
    checkpoints: CheckpointStore,
    *,
    subscriptions: SubscriptionService | None = None,
    deliveries: Callable[[], dict[str, Any]] | None = None,
) -> Litestar:
    from interfaces.console import console_routes
    from interfaces.graphql.controller import graphql_controller
    from interfaces.http.dossier import dossier_route

    def provide_fengqiao() -> Fengqiao:
        return fengqiao

    def provide_reads() -> ReadSide:
        return reads

    metrics = Metrics(reads, token=settings.metrics_token, deliveries=deliveries)
    webhooks = DeliveryStatus(deliveries)

    def provide_webhooks() -> DeliveryStatus:
        return webhooks

    app = Litestar(
        route_handlers=[
            health,
            health_head,
            ready,
            ready_head,
            *COMMAND_HANDLERS,
            get_dispute,
            add_unit,
            list_units,
            graphql_controller(
                fengqiao, reads, checkpoints, production=settings.production, executor=settings.graphql_executor
            ),
            dossier_route(fengqiao, reads, checkpoints),
            metrics_route(metrics),
            create_static_files_router(path="/static", directories=[STATIC], include_in_schema=False),
            *console_routes(settings, fengqiao, reads, checkpoints),
            *(subscription_routes(subscriptions) if subscriptions is not None else []),
        ],
        dependencies={
            "fengqiao": Provide(provide_fengqiao, use_cache=True, sync_to_thread=False),
            "reads": Provide(provide_reads, use_cache=True, sync_to_thread=False),
            "webhooks": Provide(provide_webhooks, use_cache=True, sync_to_thread=False),
        },
        middleware=[
            metrics.middleware,
            authentication(settings.secret, fengqiao.units, ide_path=None if settings.production else "/graphql"),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=refuse_deep_bodies,
        request_max_body_size=MAX_BODY,
        cors_config=_cors(settings.cors_origins),
        openapi_config=OpenAPIConfig(
            title="Fengqiao",
            version="1.0.0",
            description="Commands of the joint mechanism for social-insurance fee collection disputes "
            "(高政办发〔2024〕20号). Bearer tokens from `fengqiao token issue`.",
            path="/schema",
            render_plugins=[
                SwaggerRenderPlugin(
                    js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
                    css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
                    standalone_preset_js_url=f"{VENDOR}/swagger-ui/swagger-ui-standalone-preset.js",
                    favicon="<link rel='icon' href='data:,'>",  # none: a browser would ask for /favicon.ico
                )
            ],
        ),
        debug=False,
    )
    _complete_openapi(app)
    return app


def _complete_openapi(app: Litestar) -> None:
    """Serve the generated description completed (interfaces/http/openapi.py). Litestar builds
    the served document once, lazily, in its own OpenAPI plugin, and offers no hook to edit it:
    this app's plugin becomes one that completes the document when it builds it."""
    from litestar._openapi.plugin import OpenAPIPlugin

    class CompletedOpenAPI(OpenAPIPlugin):
        __slots__ = ()

        def provide_openapi_schema(self) -> dict[str, Any]:
            if not self._openapi_schema:
                self._openapi_schema = openapi.complete(self.provide_openapi().to_schema())
            return self._openapi_schema

    app.plugins.get(OpenAPIPlugin).__class__ = CompletedOpenAPI


# What a browser-based integrator sends and may read (the contract's headers).
CORS_REQUEST_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "X-Consistency-Position", "X-Access-Reason"]
CORS_RESPONSE_HEADERS = ["Location", "Retry-After", "X-Consistency-Reached", "Idempotent-Replayed"]


def _cors(origins: tuple[str, ...]) -> CORSConfig | None:
    if not origins:
        return None  # no browser origin may call the API unless listed in FENGQIAO_CORS_ORIGINS
    return CORSConfig(
        allow_origins=list(origins),
        allow_methods=["GET", "POST", "DELETE", "HEAD", "OPTIONS"],
        allow_headers=CORS_REQUEST_HEADERS,
        expose_headers=CORS_RESPONSE_HEADERS,
        allow_credentials=False,  # bearer tokens, never cookies, cross-origin
        max_age=600,
    )
