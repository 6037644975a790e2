"""The read API: consumers read the enriched store here (default 127.0.0.1:8002)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from services.api.routes import router
from shared.aliases import load_aliases
from shared.db import make_engine
from shared.health import health_router
from shared.service_app import mount_service
from shared.settings import Settings


def create_api_app(settings: Settings) -> FastAPI:
    """The app with its own read-only engine and alias table (routes reach both through
    `app.state`, see routes.py)."""
    engine = make_engine(settings.effective_database_url, read_only=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.aliases = load_aliases(settings.aliases_path)
        yield
        engine.dispose()

    app = FastAPI(
        title="wirefeed API",
        version="0.1.0",
        description="Read enriched articles: filter by entity, follow the change feed.",
        lifespan=lifespan,
    )
    app.state.engine = engine

    def database() -> Engine:
        return engine

    mount_service(
        app,
        router,
        settings=settings,
        role="read",
        service="api",
        health=health_router(engine=database),
    )
    return app
