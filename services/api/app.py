"""The read API: consumers read the enriched store here (default 127.0.0.1:8002)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from services.api.routes import router
from shared.aliases import load_aliases
from shared.auth import access_guard
from shared.db import get_read_engine
from shared.errors import ERROR_RESPONSES
from shared.health import health_router
from shared.metrics import MetricsMiddleware, metrics_router
from shared.query_guard import no_nul_in_query
from shared.security_headers import SecurityHeadersMiddleware
from shared.settings import get_settings


def create_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.aliases = load_aliases(get_settings().aliases_path)
        yield

    app = FastAPI(
        title="wirefeed API",
        version="0.1.0",
        description="Read enriched articles: filter by entity, follow the change feed.",
        lifespan=lifespan,
    )
    # Every /v1 route needs a key once keys are configured; health probes and /docs stay open.
    app.include_router(
        router,
        dependencies=[Depends(access_guard("read", get_settings())), Depends(no_nul_in_query)],
        responses=ERROR_RESPONSES,
    )
    app.include_router(metrics_router())
    app.add_middleware(MetricsMiddleware, service="api")
    app.include_router(health_router(engine=get_read_engine))
    app.add_middleware(SecurityHeadersMiddleware)
    return app
