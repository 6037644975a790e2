"""The read API: consumers read the enriched store here (default 127.0.0.1:8002)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlalchemy.engine import Engine
from starlette.middleware.gzip import GZipMiddleware

from services.api.routes import router
from services.api.stream import router as stream_router
from services.api.ui.pages import BASE as UI_BASE
from services.api.ui.pages import NeedsKey, login_page, static
from services.api.ui.pages import router as ui_router
from services.api.webhooks import router as webhooks_router
from shared.aliases import load_aliases
from shared.db import make_engine
from shared.health import health_router
from shared.openapi import documented_app
from shared.service_app import freeze_startup_heap, mount_service
from shared.settings import Settings


def create_api_app(settings: Settings) -> FastAPI:
    """The app with its own read-only engine and alias table (routes reach both through
    `app.state`, see routes.py). Webhook subscriptions, the one thing consumers write, go
    through a second, writable engine."""
    engine = make_engine(settings.effective_database_url, read_only=True)
    write_engine = make_engine(settings.effective_database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.aliases = load_aliases(settings.aliases_path)
        freeze_startup_heap()
        yield
        engine.dispose()
        write_engine.dispose()

    app = documented_app(
        title="wirefeed API",
        description="Read enriched articles: search, filter by entity, follow the change feed "
        "(polling /v1/feed, Server-Sent Events on /v1/stream, or webhooks).",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.write_engine = write_engine
    app.state.settings = settings

    def database() -> Engine:
        return engine

    routes = APIRouter()
    routes.include_router(router)
    routes.include_router(stream_router)
    routes.include_router(webhooks_router)
    mount_service(
        app,
        routes,
        settings=settings,
        role="read",
        service="api",
        health=health_router(engine=database),
    )
    # The pages: outside /v1 (their key comes as a cookie, see ui/pages.py).
    app.include_router(ui_router)
    app.mount(f"{UI_BASE}/static", static, name="ui-static")
    app.add_exception_handler(NeedsKey, login_page)
    # Outermost, so metrics and headers see the uncompressed response; only when the client
    # asks (Accept-Encoding: gzip) and only bodies over 1 KB. The SSE stream is left alone.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    return app
