"""The ingest service: producers POST articles here (default 127.0.0.1:8001)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from services.ingest.batcher import IngestBatcher
from services.ingest.fetch import UrlFetcher
from services.ingest.routes import router, store_and_queue
from shared.celery_app import make_celery
from shared.db import get_engine
from shared.health import health_router
from shared.openapi import documented_app
from shared.schemas import ArticleIn
from shared.service_app import mount_service
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

    app = documented_app(
        title="wirefeed ingest",
        description="Submit raw articles (text or HTML, singly or in batches) for enrichment.",
        extra_models=(ArticleIn,),
        lifespan=lifespan,
    )

    def broker_ping() -> None:
        # The broker being down does not make ingest unready: articles wait for the relay.
        with app.state.celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=1)

    mount_service(
        app,
        router,
        role="ingest",
        service="ingest",
        health=health_router(engine=get_engine, extra={"broker": broker_ping}),
    )
    return app
