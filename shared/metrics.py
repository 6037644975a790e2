"""Prometheus metrics shared by the HTTP services: request counts and latencies, ingest counters,
and the `/metrics` endpoint.

One process: the default registry. Several processes behind one port (`uvicorn --workers N`,
the Celery prefork pool): set PROMETHEUS_MULTIPROC_DIR to an empty directory before start, and
the exposition merges every process's values (prometheus_client multiprocess mode).
"""

from __future__ import annotations

import os
import time
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

# Buckets around the targets: a few ms for ingest and reads, seconds for enrichment.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

HTTP_REQUESTS = Counter(
    "wirefeed_http_requests_total",
    "HTTP requests answered",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "wirefeed_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["service", "method", "route"],
    buckets=LATENCY_BUCKETS,
)
ARTICLES_INGESTED = Counter("wirefeed_articles_ingested_total", "New articles stored and queued")
ARTICLES_DUPLICATE = Counter("wirefeed_articles_duplicate_total", "Articles already stored")
ARTICLES_REJECTED = Counter(
    "wirefeed_articles_rejected_total", "Articles refused (invalid, too large)"
)


def record_ingest(*, accepted: int = 0, duplicates: int = 0, rejected: int = 0) -> None:
    """Called by the ingest service only (services/ingest/service.py), once per submission."""
    ARTICLES_INGESTED.inc(accepted)
    ARTICLES_DUPLICATE.inc(duplicates)
    ARTICLES_REJECTED.inc(rejected)


def registry() -> CollectorRegistry | None:
    """The registry to expose: merged across processes in multiprocess mode, else the default."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    merged = CollectorRegistry()
    multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
    return merged


def metrics_router() -> APIRouter:
    router = APIRouter(tags=["metrics"])

    @router.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        chosen = registry()
        body = generate_latest(chosen) if chosen is not None else generate_latest()
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return router


class MetricsMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware: it would add a task per request). Labels use the route
    template (`/v1/articles/{article_id}`), never the raw path, so label sets stay bounded."""

    def __init__(self, app: Any, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            if route != "/metrics":
                method = scope["method"]
                HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
                HTTP_LATENCY.labels(self.service, method, route).observe(
                    time.perf_counter() - start
                )
