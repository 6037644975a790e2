"""The read API: consumers read the enriched store here (default 127.0.0.1:8002)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.middleware.gzip import GZipMiddleware

from services.api.routes import router
from services.api.stream import router as stream_router
from services.api.webhooks import router as webhooks_router
from shared.aliases import load_aliases
from shared.db import get_read_engine
from shared.health import health_router
from shared.openapi import documented_app
from shared.service_app import mount_service
from shared.settings import get_settings


def create_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.aliases = load_aliases(get_settings().aliases_path)
        yield

    app = documented_app(
        title="wirefeed API",
        description="Read enriched articles: search, filter by entity, follow the change feed "
        "(polling /v1/feed, Server-Sent Events on /v1/stream, or webhooks).",
        lifespan=lifespan,
    )
    routes = APIRouter()
    routes.include_router(router)
    routes.include_router(stream_router)
    routes.include_router(webhooks_router)
    mount_service(
        app, routes, role="read", service="api", health=health_router(engine=get_read_engine)
    )
    # Outermost, so metrics and headers see the uncompressed response; only when the client
    # asks (Accept-Encoding: gzip) and only bodies over 1 KB. The SSE stream is left alone.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    return app
