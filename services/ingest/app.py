"""The ingest service: producers POST articles here (default 127.0.0.1:8001)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from services.ingest.direct import DirectArticlePost
from services.ingest.editor import EntityEditor
from services.ingest.fetch import UrlFetcher
from services.ingest.routes import declared_post, router
from services.ingest.service import IngestService
from shared.auth import AccessGate
from shared.celery_app import make_celery
from shared.db import make_engine
from shared.health import health_router
from shared.openapi import documented_app
from shared.schemas import ArticleIn, MergeIn, SplitIn
from shared.service_app import freeze_startup_heap, mount_service
from shared.settings import Settings


def create_ingest_app(
    settings: Settings, *, allow_loopback_fetch: bool = False, direct_post: bool = True
) -> FastAPI:
    """The app with its own engine, broker client, URL fetcher and ingest service.
    `allow_loopback_fetch` is for tests only (their page server listens on 127.0.0.1).
    `direct_post`: POST /v1/articles answered below FastAPI (direct.py); off, by its FastAPI
    route (the tests compare the two)."""
    engine = make_engine(settings.effective_database_url)
    celery = make_celery(settings, producer=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One HTTP client for the process, made here so a closed one is never reused.
        fetcher = UrlFetcher(settings, allow_loopback=allow_loopback_fetch)
        service = IngestService(settings=settings, engine=engine, celery=celery, fetcher=fetcher)
        app.state.ingest = service
        app.state.editor = EntityEditor(engine=engine, celery=celery)
        service.start()
        freeze_startup_heap()
        yield
        await service.stop()
        fetcher.close()
        celery.close()
        engine.dispose()

    app = documented_app(
        title="wirefeed ingest",
        description="Submit raw articles (text or HTML, singly or in batches) for enrichment; "
        "editors correct the entity store (merge, split).",
        extra_models=(ArticleIn, MergeIn, SplitIn),
        lifespan=lifespan,
    )

    def database() -> Engine:
        return engine

    def broker_ping() -> None:
        # The broker being down does not make ingest unready: articles wait for the relay.
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=1)

    gate = AccessGate("ingest", settings)
    if direct_post:
        # Added before mount_service's middleware, so it runs inside them (metrics, headers).
        app.add_middleware(DirectArticlePost, state=app.state, gate=gate, route=declared_post())
    mount_service(
        app,
        router,
        settings=settings,
        role="ingest",
        service="ingest",
        health=health_router(engine=database, extra={"broker": broker_ping}),
        gate=gate,
    )
    return app
