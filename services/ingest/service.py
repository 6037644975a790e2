"""The ingest service: validate, store, then queue. Routes and the batcher call it; it calls
neither back.

Everything it refuses is raised as `ArticleRejected` (the shared handler answers it), and it is
the one place that counts articles accepted, duplicate and rejected.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import orjson
from celery import Celery
from fastapi import status
from fastapi.concurrency import run_in_threadpool
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.ingest.batcher import IngestBatcher
from services.ingest.body import (
    JSON_TYPES,
    NDJSON_TYPES,
    LineError,
    Upload,
    invalid,
    parse_json,
    parse_ndjson,
    read_body,
    unsupported,
)
from services.ingest.errors import ArticleRejected
from services.ingest.fetch import FetchError, UrlFetcher, article_from_url
from services.ingest.queue import enqueue_articles, mark_queued, mark_queued_in, send_or_leave
from services.ingest.revisions import lock_articles, retract
from services.ingest.store import Stored, store_articles
from shared.metrics import record_ingest
from shared.models import ArticleStatus
from shared.schemas import ArticleIn, IngestResult
from shared.settings import Settings


class IngestService:
    """One per ingest app, built by `create_ingest_app` with that app's engine, broker and
    fetcher. `start`/`stop` run the group-commit batcher for single-article submissions."""

    def __init__(
        self, *, settings: Settings, engine: Engine, celery: Celery, fetcher: UrlFetcher
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.celery = celery
        self.fetcher = fetcher
        self.batcher = IngestBatcher(self._store_and_send, finish=self.mark_sent)
        # Sent by the batcher but not yet marked queued; written with the next group's rows.
        self._owed: list[int] = []
        self._owed_lock = threading.Lock()

    def start(self) -> None:
        self.batcher.start()

    async def stop(self) -> None:
        await self.batcher.stop()
        await run_in_threadpool(self._mark_owed)

    def store_and_queue(
        self, items: list[ArticleIn], *, mark: bool = True, owed: Sequence[int] = ()
    ) -> list[Stored]:
        """Commit the rows, then send the new ones' tasks (persist first, then enqueue), then
        mark them queued: one session (one pooled connection checkout) for both writes.
        `mark=False` leaves the marking to the caller; `owed`: earlier sent ids whose
        pending -> queued update goes into this transaction."""
        with Session(self.engine) as session:
            if owed:
                mark_queued_in(session, owed, relaxed=False)
            stored = store_articles(session=session, items=items)
            # New articles and new revisions; sorted and unique: one task per article. (A refused
            # item, e.g. the retraction of an unknown article, has id 0 and no task.)
            fresh = sorted(
                {
                    s.id
                    for s in stored
                    if not s.duplicate and s.status == ArticleStatus.pending and s.refused is None
                }
            )
            sizes = {s.id: len(item.body) for item, s in zip(items, stored, strict=True)}
            if mark:
                sent = enqueue_articles(
                    engine=self.engine,
                    celery=self.celery,
                    article_ids=fresh,
                    session=session,
                    sizes=sizes,
                )
            else:
                sent = fresh if fresh and send_or_leave(self.celery, fresh, sizes) else []
        # Every result naming a sent article says `queued`, duplicates in the same batch too
        # (one batch used to answer `queued` and `pending` for one id).
        queued = set(sent)
        return [
            replace(s, status=ArticleStatus.queued) if s.id in queued and s.refused is None else s
            for s in stored
        ]

    @contextmanager
    def _taking_owed(self) -> Iterator[list[int]]:
        """The owed ids, taken for writing; owed again if the write fails (the relay covers a
        crash)."""
        with self._owed_lock:
            owed, self._owed = self._owed, []
        try:
            yield owed
        except BaseException:
            with self._owed_lock:
                self._owed += owed
            raise

    def _store_and_send(self, items: list[ArticleIn]) -> list[Stored]:
        """A batcher group: its rows with the marks owed by earlier groups in one transaction
        (under load a group costs one transaction, not two)."""
        with self._taking_owed() as owed:
            return self.store_and_queue(items, mark=False, owed=owed)

    def mark_sent(self, stored: list[Stored]) -> None:
        """After a group's requests were answered: owe the pending -> queued hint of what it
        sent to the next group's transaction, or write it now if no request is waiting.
        Lost (a crash before it is written), the relay re-sends: a duplicate task."""
        sent = {s.id for s in stored if s.status == ArticleStatus.queued and not s.duplicate}
        with self._owed_lock:
            self._owed += sorted(sent)
        if self.batcher.idle():
            self._mark_owed()

    def _mark_owed(self) -> None:
        with self._taking_owed() as owed:
            if owed:
                mark_queued(engine=self.engine, article_ids=owed)

    def retract(self, article_id: int, reason: str | None) -> IngestResult:
        """DELETE /v1/articles/{id}: a tombstone and a `retracted` feed event; a second call
        answers the same tombstone as a duplicate."""
        with Session(self.engine) as session:
            locked = lock_articles(session, [article_id])
            article = locked.get(article_id)
            if article is None:
                raise ArticleRejected(status.HTTP_404_NOT_FOUND, f"no article with id {article_id}")
            changed = retract(session, article, reason)
            revision = article.revision
            session.commit()
        return IngestResult(
            id=article_id,
            status=ArticleStatus.retracted,
            duplicate=not changed,
            revision=revision,
        )

    async def submit_article(self, upload: Upload) -> IngestResult:
        try:
            item = await self._one_article(upload)
        except ArticleRejected as exc:
            record_ingest(rejected=exc.articles)
            raise
        # Grouped with other articles posted at the same moment: one commit and one broker
        # round trip for the group (see batcher.py).
        stored = await self.batcher.submit(item)
        if stored.refused is not None:
            record_ingest(rejected=1)
            raise ArticleRejected(
                status.HTTP_422_UNPROCESSABLE_CONTENT, stored.refused, "external_id"
            )
        record_ingest(accepted=int(not stored.duplicate), duplicates=int(stored.duplicate))
        return _result(stored)

    async def submit_batch(self, upload: Upload) -> BatchAnswer:
        """One result per item; refused whole only if the body is unusable or no item is valid."""
        try:
            checked = await self._checked_batch(upload)
        except ArticleRejected as exc:
            record_ingest(rejected=exc.articles)
            raise
        valid = [c for c in checked if isinstance(c, ArticleIn)]
        if not valid:
            refused = [
                _item_refused(index, c)
                for index, c in enumerate(checked)
                if isinstance(c, ArticleRejected)
            ]
            record_ingest(rejected=len(refused))
            raise ArticleRejected(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "no article in the batch is valid",
                errors=[{k: v for k, v in r.items() if v is not None} for r in refused],
                articles=len(refused),
            )
        stored = iter(await run_in_threadpool(self.store_and_queue, valid))
        outcomes: list[Stored | ArticleRejected] = [
            next(stored) if isinstance(c, ArticleIn) else c for c in checked
        ]
        answer = BatchAnswer.of([_item_result(index, o) for index, o in enumerate(outcomes)])
        record_ingest(
            accepted=answer.accepted, duplicates=answer.duplicates, rejected=answer.rejected
        )
        return answer

    async def _checked_batch(self, upload: Upload) -> list[ArticleIn | ArticleRejected]:
        """Each item as a valid article or why it is refused. A JSON array of valid articles
        (the common batch) is parsed and validated in one compiled pass; any other body takes
        the item-by-item path, which says what is wrong with each item."""
        raw = await self._read(upload)
        if upload.media_type in JSON_TYPES:
            articles = all_valid_articles(raw)
            if articles and len(articles) <= self.settings.max_batch_items:
                return [size_problem(a, self.settings) or a for a in articles]
        payload = self._batch_payload(upload.media_type, raw)
        return [self._batch_item(entry) for entry in payload]

    async def _one_article(self, upload: Upload) -> ArticleIn:
        if upload.media_type not in JSON_TYPES:
            raise unsupported(upload.media_type, JSON_TYPES)
        raw = await self._read(upload)
        item = valid_article(raw)
        if item is None:
            item = _explained_article(raw)
        if item.needs_fetch:  # URL ingest: nothing is stored unless the page could be fetched
            item = await run_in_threadpool(self._fetch, item)
        if (problem := size_problem(item, self.settings)) is not None:
            raise problem
        return item

    def _fetch(self, item: ArticleIn) -> ArticleIn:
        try:
            return article_from_url(item, self.fetcher)
        except FetchError as exc:
            raise ArticleRejected(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"could not fetch 'url': {exc}", "url"
            ) from exc

    def _batch_payload(self, media_type: str, raw: bytes) -> list[Any]:
        if media_type in JSON_TYPES:
            payload = parse_json(raw)
            if not isinstance(payload, list):
                raise ArticleRejected(
                    status.HTTP_422_UNPROCESSABLE_CONTENT, "body must be a JSON array of articles"
                )
        elif media_type in NDJSON_TYPES:
            payload = parse_ndjson(raw)
        else:
            raise unsupported(media_type, JSON_TYPES + NDJSON_TYPES)
        if not payload:
            raise ArticleRejected(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "batch is empty", articles=0
            )
        if len(payload) > self.settings.max_batch_items:
            raise ArticleRejected(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"batch has {len(payload)} items; the limit is {self.settings.max_batch_items}",
                articles=len(payload),
            )
        return payload

    def _batch_item(self, entry: Any) -> ArticleIn | ArticleRejected:
        """The valid article, or why this item is refused (the others go on)."""
        if isinstance(entry, LineError):
            return ArticleRejected(status.HTTP_422_UNPROCESSABLE_CONTENT, entry.message)
        item = validate_article(entry)
        if isinstance(item, ArticleRejected):
            return item
        return size_problem(item, self.settings) or item

    async def _read(self, upload: Upload) -> bytes:
        return await read_body(
            upload, limit=self.settings.max_body_bytes, timeout=self.settings.max_body_seconds
        )


_ARTICLES = TypeAdapter(list[ArticleIn])


def all_valid_articles(raw: bytes) -> list[ArticleIn] | None:
    """The articles of a JSON array body when every item is a valid article, parsed and
    validated by pydantic-core in one pass (no Python objects for the JSON first); None
    otherwise, for the item-by-item path to explain. A valid array nests three deep, within
    MAX_JSON_DEPTH, and pydantic-core refuses what orjson refuses (invalid UTF-8, lone
    surrogates, trailing content, a BOM)."""
    try:
        return _ARTICLES.validate_json(raw)
    except ValidationError:
        return None


def valid_article(raw: bytes) -> ArticleIn | None:
    """The article of a JSON object body that is one valid article, in one compiled pass (as
    `all_valid_articles`); None otherwise."""
    try:
        return ArticleIn.model_validate_json(raw)
    except ValidationError:
        return None


def _explained_article(raw: bytes) -> ArticleIn:
    """The slow path for a body the compiled pass refused: parsed on its own, so that the 422
    says what is wrong (not JSON, too deep, not an object, which fields)."""
    payload = parse_json(raw)
    if not isinstance(payload, dict):
        raise ArticleRejected(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "body must be a JSON object (one article); post arrays to /v1/articles/batch",
        )
    item = validate_article(payload)
    if isinstance(item, ArticleRejected):
        raise item
    return item


def validate_article(payload: Any) -> ArticleIn | ArticleRejected:
    """The article, or a 422 whose errors name every invalid field."""
    try:
        return ArticleIn.model_validate(payload)
    except ValidationError as exc:
        return invalid(exc, "article")


def size_problem(item: ArticleIn, settings: Settings) -> ArticleRejected | None:
    """Why a valid article cannot be stored as it is, or None."""
    if item.needs_fetch:  # batches are not fetched: one slow page would hold the whole batch
        return ArticleRejected(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "url-only articles are fetched one at a time: post them to /v1/articles",
            "url",
        )
    if item.html is not None:
        size = len(item.html.encode("utf-8"))
        if size > settings.max_html_bytes:
            return ArticleRejected(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"'html' is {size} bytes (UTF-8); the limit for a raw HTML page is "
                f"{settings.max_html_bytes} bytes (WIREFEED_MAX_HTML_BYTES)",
                "html",
            )
    elif len(item.body) > settings.max_article_chars:
        return ArticleRejected(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"'text' is {len(item.body)} characters; the limit is {settings.max_article_chars}"
            " (WIREFEED_MAX_ARTICLE_CHARS)",
            "text",
        )
    return None


def _result(stored: Stored) -> IngestResult:
    return IngestResult(
        id=stored.id, status=stored.status, duplicate=stored.duplicate, revision=stored.revision
    )


# A batch item's result as `BatchItemResult` dumps it: every field, in the model's order.
ItemResult = dict[str, Any]


@dataclass(frozen=True, slots=True)
class BatchAnswer:
    """A batch's results as plain data in `BatchResult`'s shape (the route's declared model):
    building and dumping 200 `BatchItemResult` models was ~15 us per item, more than
    validating the article. `json()` is byte for byte the model's `model_dump_json()`
    (tests/unit/test_ingest_service.py holds it so)."""

    accepted: int
    duplicates: int
    rejected: int
    items: list[ItemResult]

    @classmethod
    def of(cls, items: list[ItemResult]) -> BatchAnswer:
        """The items with their totals, counted once."""
        stored = [r["result"] for r in items if r["ok"]]
        duplicates = sum(1 for r in stored if r["duplicate"])
        return cls(len(stored) - duplicates, duplicates, len(items) - len(stored), items)

    def json(self) -> bytes:
        return orjson.dumps(
            {
                "accepted": self.accepted,
                "duplicates": self.duplicates,
                "rejected": self.rejected,
                "items": self.items,
            }
        )


def _item_result(index: int, outcome: Stored | ArticleRejected) -> ItemResult:
    if isinstance(outcome, ArticleRejected):
        return _item_refused(index, outcome)
    if outcome.refused is not None:
        return _item(index, error=outcome.refused)
    result = {
        "id": outcome.id,
        "status": outcome.status.value,
        "duplicate": outcome.duplicate,
        "revision": outcome.revision,
    }
    return {"index": index, "ok": True, "result": result, "error": None, "errors": None}


def _item_refused(index: int, refusal: ArticleRejected) -> ItemResult:
    return _item(index, error=refusal.message, errors=refusal.errors)


def _item(index: int, *, error: str, errors: list[dict[str, Any]] | None = None) -> ItemResult:
    return {"index": index, "ok": False, "result": None, "error": error, "errors": errors}
