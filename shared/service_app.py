"""What both HTTP services mount the same way: guarded /v1 routes, metrics, probes, headers, and
the one handler that answers domain errors (`Rejected`)."""

from __future__ import annotations

import gc

from fastapi import APIRouter, Depends, FastAPI

from shared.auth import AccessGate, Kind
from shared.errors import ERROR_RESPONSES, Rejected, answer_rejected
from shared.metrics import MetricsMiddleware, metrics_router
from shared.query_guard import no_nul_in_query
from shared.security_headers import SecurityHeadersMiddleware
from shared.settings import Settings


def mount_service(
    app: FastAPI,
    routes: APIRouter,
    *,
    settings: Settings,
    role: Kind,
    service: str,
    health: APIRouter,
    gate: AccessGate | None = None,
) -> None:
    """`gate`: the app's access gate when a route answered below FastAPI shares it (its rate
    limit with it); made here otherwise."""
    gate = gate or AccessGate(role, settings)
    # Every /v1 route needs a key of `role` once keys are configured; probes and /docs stay open.
    app.include_router(
        routes,
        dependencies=[Depends(gate.dependency()), Depends(no_nul_in_query)],
        responses=ERROR_RESPONSES,
    )
    app.add_exception_handler(Rejected, answer_rejected)
    app.include_router(metrics_router())
    app.add_middleware(MetricsMiddleware, service=service)
    app.include_router(health)
    app.add_middleware(SecurityHeadersMiddleware)


def freeze_startup_heap() -> None:
    """Move everything built at start-up (modules, the app, the alias table) out of the
    collector's reach: a full collection then walks only what requests allocate, instead of
    stalling one request for the whole heap (a p99 spike)."""
    gc.collect()
    gc.freeze()
