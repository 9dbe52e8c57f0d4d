"""Prometheus-style /metrics: request counts and latencies per operation, errors, projection lag.

prometheus_client does the exposition format and histogram buckets; each process keeps its own
registry (scrape every worker, or run one per container).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from typing import Any

from litestar import Request, Response, get
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from application.reads import ReadSide
from interfaces.auth import TokenError


class Metrics:
    def __init__(
        self, reads: ReadSide, *, token: str = "", deliveries: Callable[[], dict[str, Any]] | None = None
    ) -> None:
        self.token = token
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "fengqiao_requests_total", "HTTP requests by operation and status code", ["operation", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "fengqiao_request_seconds", "HTTP request latency by operation", ["operation"], registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.errors = Counter(
            "fengqiao_errors_total", "Answers 5xx by operation", ["operation"], registry=self.registry,
        )
        self.registry.register(_ProjectionCollector(reads))
        if deliveries is not None:
            self.registry.register(_DeliveryCollector(deliveries))
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)

    def middleware(self, app: ASGIApp) -> ASGIApp:
        async def measured(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            status = {"code": 500}

            async def capture(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status["code"] = int(message["status"])
                await send(message)

            try:
                await app(scope, receive, capture)
            except Exception as e:
                # Raised by a middleware (authentication answers 401 this way) and answered by
                # the exception handlers outside this one: count the status they will send.
                status["code"] = _status_of(e)
                raise
            finally:
                handler = scope.get("route_handler")
                operation = getattr(handler, "operation_id", None) or getattr(handler, "handler_name", None) or "unrouted"
                if not isinstance(operation, str):
                    operation = "graphql" if scope.get("path", "").startswith("/graphql") else "other"
                self.requests.labels(operation, str(status["code"])).inc()
                self.latency.labels(operation).observe(time.perf_counter() - started)
                if status["code"] >= 500:
                    self.errors.labels(operation).inc()

        return measured


def _status_of(error: Exception) -> int:
    if isinstance(error, HTTPException):
        return int(error.status_code)
    if isinstance(error, TokenError):
        return 401
    return 500


class _DeliveryCollector(Collector):
    """Webhook deliveries: how far behind the log, how old the oldest waiting, how many failed."""

    def __init__(self, status: Callable[[], dict[str, Any]]) -> None:
        self.status = status

    def collect(self) -> Any:
        try:
            status = self.status()
        except Exception:  # noqa: BLE001 - the store being down shows in /ready and the error counters
            return
        yield GaugeMetricFamily("fengqiao_webhook_lag", "Events the delivery scan is behind the store", value=status["lag"])
        yield GaugeMetricFamily(
            "fengqiao_webhook_oldest_pending_seconds", "Age of the oldest delivery waiting to be sent",
            value=status["oldest_pending_seconds"],
        )
        counts = GaugeMetricFamily("fengqiao_webhook_deliveries", "Deliveries waiting and dead", labels=["status"])
        for name in ("pending", "dead"):
            counts.add_metric([name], status[name])
        yield counts
        yield GaugeMetricFamily(
            "fengqiao_webhook_sent", "Deliveries answered 2xx, sent by this process", value=status["sent_here"]
        )
        yield GaugeMetricFamily(
            "fengqiao_webhook_failures", "Failed delivery attempts in this process", value=status["failures_here"]
        )


class _ProjectionCollector(Collector):
    def __init__(self, reads: ReadSide) -> None:
        self.reads = reads

    def collect(self) -> Any:
        lag = GaugeMetricFamily("fengqiao_projection_lag", "Events the read model is behind the store", labels=["projection"])
        position = GaugeMetricFamily("fengqiao_projection_position", "Last notification applied", labels=["projection"])
        try:
            status = self.reads.runner.status()
        except Exception:  # noqa: BLE001 - the store being down shows in /ready and the error counters
            return
        for name, item in status["projections"].items():
            lag.add_metric([name], item["lag"])
            position.add_metric([name], item["position"])
        yield lag
        yield position
        yield GaugeMetricFamily("fengqiao_event_store_head", "Highest notification id in the store", value=status["head"])


def metrics_route(metrics: Metrics) -> Any:
    @get("/metrics", include_in_schema=False, sync_to_thread=True)
    def scrape(request: Request[Any, Any, Any]) -> Response[bytes]:
        if metrics.token:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), metrics.token.encode()):
                raise NotAuthorizedException("/metrics needs the FENGQIAO_METRICS_TOKEN as a bearer token")
        return Response(generate_latest(metrics.registry), media_type="text/plain; version=0.0.4")

    return scrape
