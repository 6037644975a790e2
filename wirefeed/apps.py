"""Process entry points: each service built from this process's settings (and, only when
WIREFEED_TESTING=1, the test hooks; see testing.py). `wirefeed serve` hands these factories to
uvicorn; `wirefeed worker` runs the third."""

from __future__ import annotations

from celery import Celery
from fastapi import FastAPI

from services.api.app import create_api_app
from services.enrich.worker import create_worker_app
from services.ingest.app import create_ingest_app
from shared.settings import Settings, get_settings
from wirefeed.testing import installed_hooks


def ingest_app() -> FastAPI:
    hooks = installed_hooks()
    return create_ingest_app(get_settings(), allow_loopback_fetch=hooks.allow_loopback_fetch)


def api_app() -> FastAPI:
    return create_api_app(get_settings())


def worker_app(settings: Settings | None = None) -> Celery:
    """`settings`: this process's, with what `wirefeed worker`'s options changed."""
    return create_worker_app(
        settings or get_settings(), after_claim=installed_hooks().after_claim()
    )
