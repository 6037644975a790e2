"""Ingest endpoints: validate, store, then queue. Thin: the work is in store.py and queue.py."""

from __future__ import annotations

from typing import Annotated, Any

from celery import Celery
from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.ingest.batcher import IngestBatcher
from services.ingest.body import (
    JSON_TYPES,
    NDJSON_TYPES,
    LineError,
    media_type,
    parse_json,
    parse_ndjson,
    read_body,
    unsupported,
)
from services.ingest.fetch import FetchError, article_from_url
from services.ingest.queue import enqueue_articles
from services.ingest.store import Stored, store_articles
from shared.db import get_engine
from shared.errors import ErrorOut
from shared.metrics import record_ingest
from shared.schemas import ArticleIn, BatchItemResult, BatchResult, IngestResult
from shared.settings import Settings, get_settings

router = APIRouter(prefix="/v1")

SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_celery(request: Request) -> Celery:
    return request.app.state.celery


CeleryDep = Annotated[Celery, Depends(get_celery)]


def get_batcher(request: Request) -> IngestBatcher:
    return request.app.state.batcher


BatcherDep = Annotated[IngestBatcher, Depends(get_batcher)]
EngineDep = Annotated[Engine, Depends(get_engine)]

_EXAMPLES = {
    "text": {
        "summary": "Plain text",
        "value": {
            "text": "Vladimir Putin spoke to Donald Trump.\nRead also| Other story",
            "source": "demo",
            "external_id": "demo-1",
            "published_at": "2025-06-04T12:00:00Z",
        },
    },
    "html": {
        "summary": "An HTML page",
        "value": {
            "html": "<html><body><article><p>Officials in Lisbon said...</p></article></body>"
            "</html>",
            "url": "https://news.example/lisbon",
            "source": "news.example",
        },
    },
    "url": {
        "summary": "Only a URL: the service fetches the page",
        "value": {"url": "https://news.example/lisbon", "source": "news.example"},
    },
}
_ARTICLE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ArticleIn"},
                "examples": _EXAMPLES,
            }
        },
    }
}
_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/ArticleIn"}}
            },
            "application/x-ndjson": {
                "schema": {"type": "string", "description": "One ArticleIn JSON object a line"},
                "example": '{"text": "First story...", "source": "demo"}\n'
                '{"text": "Second story...", "source": "demo"}\n',
            },
        },
    }
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    408: {"description": "The body did not arrive in time", "model": ErrorOut},
    413: {"description": "Body larger than the configured limit", "model": ErrorOut},
    415: {"description": "Unsupported content type", "model": ErrorOut},
    422: {"description": "Invalid article: the message names the field", "model": ErrorOut},
}
_ARTICLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"description": "Stored and queued for enrichment (or a duplicate of a stored one)"},
    **_ERRORS,
}
_BATCH_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"description": "Every item stored and queued (or a duplicate)"},
    207: {"description": "Some items were rejected; each item says why", "model": BatchResult},
    **_ERRORS,
}


def _validation_detail(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]


def store_and_queue(items: list[ArticleIn], *, engine: Engine, celery: Celery) -> list[Stored]:
    with Session(engine) as session:
        stored = store_articles(session=session, items=items)
    fresh = [s.id for s in stored if not s.duplicate]
    sent = set(enqueue_articles(engine=engine, celery=celery, article_ids=fresh))
    return [
        Stored(s.id, "queued", s.duplicate) if s.id in sent and not s.duplicate else s
        for s in stored
    ]


@router.post(
    "/articles",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=IngestResult,
    openapi_extra=_ARTICLE_BODY,
    responses=_ARTICLE_RESPONSES,
    summary="Submit one article (text or HTML)",
)
async def post_article(
    request: Request, settings: SettingsDep, batcher: BatcherDep
) -> IngestResult:
    kind = media_type(request)
    if kind not in JSON_TYPES:
        raise unsupported(kind, JSON_TYPES)
    payload = parse_json(
        await read_body(request, limit=settings.max_body_bytes, timeout=settings.max_body_seconds)
    )
    if not isinstance(payload, dict):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "body must be a JSON object (one article); post arrays to /v1/articles/batch",
        )
    try:
        item = ArticleIn.model_validate(payload)
    except ValidationError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, _validation_detail(exc)) from exc
    if item.needs_fetch:  # URL ingest: nothing is stored unless the page could be fetched
        try:
            item = await run_in_threadpool(article_from_url, item, request.app.state.fetcher)
        except FetchError as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"could not fetch 'url': {exc}"
            ) from exc
    _check_article_size(item, settings)
    # Grouped with other articles posted at the same moment: one commit and one broker
    # round trip for the group (see batcher.py).
    stored = await batcher.submit(item)
    record_ingest(accepted=int(not stored.duplicate), duplicates=int(stored.duplicate))
    return IngestResult(id=stored.id, status=stored.status, duplicate=stored.duplicate)


def _check_article_size(item: ArticleIn, settings: Settings) -> None:
    if item.needs_fetch:  # batches are not fetched: one slow page would hold the whole batch
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "url-only articles are fetched one at a time: post them to /v1/articles",
        )
    if len(item.body) > settings.max_article_chars:
        field = "text" if item.text is not None else "html"
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"'{field}' is {len(item.body)} characters; the limit is {settings.max_article_chars}",
        )


@router.post(
    "/articles/batch",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BatchResult,
    openapi_extra=_BATCH_BODY,
    responses=_BATCH_RESPONSES,
    summary="Submit many articles as a JSON array or NDJSON; one result per item",
)
async def post_batch(
    request: Request,
    response: Response,
    settings: SettingsDep,
    celery: CeleryDep,
    engine: EngineDep,
) -> BatchResult:
    kind = media_type(request)
    raw = await read_body(request, limit=settings.max_body_bytes, timeout=settings.max_body_seconds)
    if kind in JSON_TYPES:
        payload = parse_json(raw)
        if not isinstance(payload, list):
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "body must be a JSON array of articles"
            )
    elif kind in NDJSON_TYPES:
        payload = parse_ndjson(raw)
    else:
        raise unsupported(kind, JSON_TYPES + NDJSON_TYPES)
    if not payload:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "batch is empty")
    if len(payload) > settings.max_batch_items:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"batch has {len(payload)} items; the limit is {settings.max_batch_items}",
        )

    results: list[BatchItemResult | None] = [None] * len(payload)
    valid: list[tuple[int, ArticleIn]] = []
    for index, entry in enumerate(payload):
        if isinstance(entry, LineError):
            results[index] = BatchItemResult(index=index, ok=False, error=entry.message)
            continue
        try:
            item = ArticleIn.model_validate(entry)
            _check_article_size(item, settings)
        except ValidationError as exc:
            results[index] = BatchItemResult(
                index=index, ok=False, error="invalid article", errors=_validation_detail(exc)
            )
            continue
        except HTTPException as exc:
            results[index] = BatchItemResult(index=index, ok=False, error=str(exc.detail))
            continue
        valid.append((index, item))

    if valid:
        stored = await run_in_threadpool(
            store_and_queue, [item for _, item in valid], engine=engine, celery=celery
        )
        for (index, _), outcome in zip(valid, stored, strict=True):
            results[index] = BatchItemResult(
                index=index,
                ok=True,
                result=IngestResult(
                    id=outcome.id, status=outcome.status, duplicate=outcome.duplicate
                ),
            )
    items = [r for r in results if r is not None]
    record_ingest(
        accepted=sum(1 for r in items if r.ok and r.result and not r.result.duplicate),
        duplicates=sum(1 for r in items if r.ok and r.result and r.result.duplicate),
        rejected=sum(1 for r in items if not r.ok),
    )
    if not valid:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [r.model_dump(exclude_none=True) for r in items],
        )
    # 202 when every item was taken, 207 when some were rejected (see each item's `ok`).
    response.status_code = 202 if len(valid) == len(items) else 207
    return BatchResult(
        accepted=sum(1 for r in items if r.ok and r.result and not r.result.duplicate),
        duplicates=sum(1 for r in items if r.ok and r.result and r.result.duplicate),
        rejected=sum(1 for r in items if not r.ok),
        items=items,
    )
