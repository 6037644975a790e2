"""The read API: consumers read the enriched store here (default 127.0.0.1:8002)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.api.routes import router
from shared.aliases import load_aliases
from shared.db import get_read_engine
from shared.health import health_router
from shared.service_app import mount_service
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
    mount_service(
        app, router, role="read", service="api", health=health_router(engine=get_read_engine)
    )
    return app
