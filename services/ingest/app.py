"""The ingest service: producers POST articles here (default 127.0.0.1:8001)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import Depends, FastAPI

from services.ingest.batcher import IngestBatcher
from services.ingest.fetch import UrlFetcher
from services.ingest.routes import router, store_and_queue
from shared.auth import access_guard
from shared.celery_app import make_celery
from shared.db import get_engine
from shared.errors import ERROR_RESPONSES
from shared.health import health_router
from shared.metrics import MetricsMiddleware, metrics_router
from shared.query_guard import no_nul_in_query
from shared.security_headers import SecurityHeadersMiddleware
from shared.settings import get_settings


def create_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.celery = make_celery(get_settings(), producer=True)
        app.state.batcher = IngestBatcher(
            partial(store_and_queue, engine=get_engine(), celery=app.state.celery)
        )
        app.state.batcher.start()
        app.state.fetcher = UrlFetcher(get_settings())  # one HTTP client for the process
        yield
        app.state.fetcher.close()
        await app.state.batcher.stop()
        app.state.celery.close()

    app = FastAPI(
        title="wirefeed ingest",
        version="0.1.0",
        description="Submit raw articles (text or HTML, singly or in batches) for enrichment.",
        lifespan=lifespan,
    )

    def broker_ping() -> None:
        # The broker being down does not make ingest unready: articles wait for the relay.
        with app.state.celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=1)

    # Every /v1 route needs a key once keys are configured; health probes and /docs stay open.
    app.include_router(
        router,
        dependencies=[Depends(access_guard("ingest", get_settings())), Depends(no_nul_in_query)],
        responses=ERROR_RESPONSES,
    )
    app.include_router(metrics_router())
    app.add_middleware(MetricsMiddleware, service="ingest")
    app.include_router(health_router(engine=get_engine, extra={"broker": broker_ping}))
    app.add_middleware(SecurityHeadersMiddleware)
    return app
