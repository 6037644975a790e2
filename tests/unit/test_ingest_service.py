"""services/ingest/service.py called directly (no HTTP, no worker): a real SQLite file and a real
embedded Valkey broker. What it refuses it raises as ArticleRejected with the status and message
the HTTP answer carries, and it counts every article once: accepted, duplicate or rejected."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TypeVar

import orjson
import pytest
from celery import Celery
from prometheus_client import REGISTRY
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from services.ingest.body import Upload
from services.ingest.errors import ArticleRejected
from services.ingest.fetch import UrlFetcher
from services.ingest.service import IngestService, all_valid_articles, valid_article
from shared.models import Article, ArticleStatus
from shared.schemas import ArticleIn, BatchResult, IngestResult
from shared.settings import Settings
from tests.unit.conftest import queued_messages

T = TypeVar("T")
NDJSON = "application/x-ndjson"


@pytest.fixture
def service(engine: Engine, celery: Celery, broker_settings: Settings) -> Iterator[IngestService]:
    settings = broker_settings.model_copy(
        update={"max_article_chars": 100, "max_batch_items": 5, "max_body_bytes": 2000}
    )
    fetcher = UrlFetcher(settings)
    yield IngestService(settings=settings, engine=engine, celery=celery, fetcher=fetcher)
    fetcher.close()


def upload(body: bytes | object, media_type: str = "application/json") -> Upload:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)

    async def chunks() -> AsyncIterator[bytes]:
        yield raw

    return Upload(media_type=media_type, encoding="identity", declared_length=None, chunks=chunks())


def running(service: IngestService, call: Callable[[IngestService], Awaitable[T]]) -> T:
    """`call` with the service's batcher running, as in the ingest app's lifespan."""

    async def main() -> T:
        service.start()
        try:
            return await call(service)
        finally:
            await service.stop()

    return asyncio.run(main())


def counted() -> dict[str, float]:
    return {
        name: REGISTRY.get_sample_value(f"wirefeed_articles_{name}_total") or 0.0
        for name in ("ingested", "duplicate", "rejected")
    }


def delta(before: dict[str, float]) -> dict[str, float]:
    return {name: value - before[name] for name, value in counted().items()}


def test_posted_articles_end_up_marked_queued(
    service: IngestService, engine: Engine, broker_settings: Settings
) -> None:
    """The pending -> queued hint is written after the answers (with a later group's rows, or
    on its own when nothing waits); once the service stopped, every sent article says queued."""

    async def many(s: IngestService) -> list[IngestResult]:
        return await asyncio.gather(
            *(
                s.submit_article(upload({"text": f"Story {n}.", "external_id": str(n)}))
                for n in range(30)
            )
        )

    results = running(service, many)
    assert {r.status for r in results} == {ArticleStatus.queued}
    with Session(engine) as session:
        stored = session.exec(select(Article.status)).all()
    assert stored == [ArticleStatus.queued] * 30
    assert queued_messages(broker_settings) == 30


def test_owed_marks_are_written_with_the_next_groups_rows(
    service: IngestService, engine: Engine
) -> None:
    first = service.store_and_queue([ArticleIn(text="One."), ArticleIn(text="Two.")], mark=False)
    owed = [s.id for s in first]
    later = service.store_and_queue([ArticleIn(text="Three.")], mark=False, owed=owed)
    with Session(engine) as session:
        status = dict(session.exec(select(Article.id, Article.status)).all())
    assert [status[i] for i in owed] == [ArticleStatus.queued] * 2
    assert status[later[0].id] == ArticleStatus.pending  # its own mark is owed in turn


def refusal(
    service: IngestService, call: Callable[[IngestService], Awaitable[T]]
) -> ArticleRejected:
    with pytest.raises(ArticleRejected) as raised:
        running(service, call)
    return raised.value


def test_an_article_is_stored_queued_and_counted(
    service: IngestService, broker_settings: Settings
) -> None:
    before = counted()
    article = {"text": "Rain in Lisbon.", "source": "wire", "external_id": "1"}

    async def twice(s: IngestService) -> tuple[IngestResult, IngestResult]:
        return await s.submit_article(upload(article)), await s.submit_article(upload(article))

    first, again = running(service, twice)
    assert (first.status, first.duplicate) == (ArticleStatus.queued, False)
    assert (again.id, again.duplicate) == (first.id, True)
    assert queued_messages(broker_settings) == 1
    assert delta(before) == {"ingested": 1, "duplicate": 1, "rejected": 0}


@pytest.mark.parametrize(
    ("body", "media_type", "status", "words"),
    [
        ({"text": "x"}, "text/plain", 415, "unsupported content type 'text/plain'"),
        ([{"text": "x"}], "application/json", 422, "body must be a JSON object"),
        (b"{not json", "application/json", 422, "body is not valid JSON"),
        (b"x" * 2001, "application/json", 413, "exceeds the limit of 2000 bytes"),
        ({"text": "y" * 101}, "application/json", 413, "'text' is 101 characters"),
    ],
    ids=["type", "array", "json", "body-size", "article-size"],
)
def test_a_refused_article_says_why_and_is_counted_once(
    service: IngestService, body: object, media_type: str, status: int, words: str
) -> None:
    before = counted()
    refused = refusal(service, lambda s: s.submit_article(upload(body, media_type)))
    assert refused.status == status and words in str(refused.detail)
    assert delta(before) == {"ingested": 0, "duplicate": 0, "rejected": 1}


def test_invalid_fields_are_listed_and_named(service: IngestService) -> None:
    refused = refusal(service, lambda s: s.submit_article(upload({"text": "x", "bogus": 1})))
    assert refused.status == 422 and refused.field == "bogus"
    assert isinstance(refused.detail, list) and refused.detail[0]["loc"] == ["bogus"]


def test_a_url_that_reaches_inside_is_refused_before_anything_is_stored(
    service: IngestService,
) -> None:
    refused = refusal(
        service, lambda s: s.submit_article(upload({"url": "http://127.0.0.1:9/page"}))
    )
    assert (refused.status, refused.field) == (422, "url")
    assert "could not fetch 'url'" in refused.message and "loopback" in refused.message


def test_a_batch_takes_the_valid_items_and_reports_each_refused_one(
    service: IngestService, broker_settings: Settings
) -> None:
    before = counted()
    lines = [
        orjson.dumps({"text": "First story."}),
        b"{broken",
        orjson.dumps({"text": "z" * 101}),
        orjson.dumps({"url": "https://example.org/a"}),
        orjson.dumps({"text": "First story."}),
    ]
    result = running(service, lambda s: s.submit_batch(upload(b"\n".join(lines), NDJSON)))
    assert (result.accepted, result.duplicates, result.rejected) == (1, 1, 3)
    assert [item["ok"] for item in result.items] == [True, False, False, False, True]
    errors = [item["error"] or "" for item in result.items]
    assert errors[1].startswith("line 2 is not valid JSON")
    assert errors[2].startswith("'text' is 101 characters; the limit is 100")
    assert errors[3].startswith("url-only articles are fetched one at a time")
    assert queued_messages(broker_settings) == 1
    # Built as plain data, answered as the route's declared model would be, byte for byte.
    declared = BatchResult.model_validate(
        {"accepted": 1, "duplicates": 1, "rejected": 3, "items": result.items}
    )
    assert result.json() == declared.model_dump_json().encode()
    assert delta(before) == {"ingested": 1, "duplicate": 1, "rejected": 3}


def test_a_batch_with_no_valid_item_is_refused_whole(service: IngestService) -> None:
    before = counted()
    refused = refusal(service, lambda s: s.submit_batch(upload([{"text": ""}, {"html": 1}])))
    assert refused.status == 422 and refused.articles == 2
    assert isinstance(refused.detail, list)
    assert [(item["index"], item["ok"], item["error"]) for item in refused.detail] == [
        (0, False, "invalid article"),
        (1, False, "invalid article"),
    ]
    assert delta(before)["rejected"] == 2


@pytest.mark.parametrize(
    ("body", "status", "message", "articles"),
    [
        ([], 422, "batch is empty", 0),
        ([{"text": "x"}] * 6, 413, "batch has 6 items; the limit is 5", 6),
        ({"text": "x"}, 422, "body must be a JSON array of articles", 1),
    ],
    ids=["empty", "too-many", "not-array"],
)
def test_an_unusable_batch_is_refused_whole(
    service: IngestService, body: object, status: int, message: str, articles: int
) -> None:
    before = counted()
    refused = refusal(service, lambda s: s.submit_batch(upload(body)))
    assert (refused.status, refused.detail, refused.articles) == (status, message, articles)
    assert delta(before)["rejected"] == articles


def test_a_json_array_of_valid_articles_gets_the_same_per_item_refusals(
    service: IngestService, broker_settings: Settings
) -> None:
    """A JSON array whose items all validate takes the one-pass validation; what the store or
    the limits refuse is still reported against its item."""
    body = [
        {"text": "First story.", "source": "s", "external_id": "1"},
        {"text": "z" * 101},
        {"url": "https://example.org/a"},
        {"text": "First story.", "source": "s", "external_id": "1"},
        {"retracted": True, "source": "s", "external_id": "never-stored"},
    ]
    assert all_valid_articles(orjson.dumps(body)) is not None
    result = running(service, lambda s: s.submit_batch(upload(body)))
    assert (result.accepted, result.duplicates, result.rejected) == (1, 1, 3)
    assert [item["ok"] for item in result.items] == [True, False, False, True, False]
    assert result.items[3]["result"] == {**result.items[0]["result"], "duplicate": True}
    errors = [item["error"] or "" for item in result.items]
    assert errors[1].startswith("'text' is 101 characters; the limit is 100")
    assert errors[2].startswith("url-only articles are fetched one at a time")
    assert errors[4].startswith("no article with source 's' and external_id 'never-stored'")
    assert queued_messages(broker_settings) == 1


@pytest.mark.parametrize(
    "body",
    [
        b'[{"text": "a"}, {"text": ""}]',  # one invalid item: the per-item path explains it
        b'{"text": "a"}',
        b'[{"text": "a"}',
        b"[" * 40 + b"]" * 40,
        b'[{"text": "a\\ud800"}]',
        b"[]",
    ],
    ids=["invalid-item", "object", "truncated", "deep", "lone-surrogate", "empty"],
)
def test_only_a_wholly_valid_array_takes_the_one_pass_validation(body: bytes) -> None:
    articles = all_valid_articles(body)
    assert articles is None or articles == []


def test_the_one_pass_validation_gives_the_articles_item_validation_gives() -> None:
    items = [
        {
            "text": "Rain.",
            "source": "s",
            "external_id": "1",
            "published_at": "2025-06-04T12:00:00+02:00",
        },
        {"html": "<p>Sun.</p>", "url": "https://news.example/a", "language": "pt-BR", "title": "T"},
        {"retracted": True, "source": "s", "external_id": "1", "retraction_reason": "wrong"},
        {"url": "https://news.example/b"},
    ]
    assert all_valid_articles(orjson.dumps(items)) == [ArticleIn.model_validate(i) for i in items]
    for item in items:
        assert valid_article(orjson.dumps(item)) == ArticleIn.model_validate(item)
    assert valid_article(orjson.dumps(items)) is None  # an array: the slow path says why
