"""services/ingest/queue.py against a real embedded Valkey broker (no worker): tasks go out by
name after the rows exist, sent rows become `queued`; with the broker down nothing is lost."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import redis
from celery import Celery
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.enrich.limits import announced_chars
from services.ingest.queue import EnrichPublisher, enqueue_articles, mark_queued, send_tasks
from services.ingest.store import store_articles
from shared.celery_app import ARTICLE_CHARS_HEADER, ENRICH_TASK, make_celery
from shared.models import Article, ArticleStatus
from shared.schemas import ArticleIn
from shared.settings import Settings
from tests.unit.conftest import queued_messages


def stored_ids(engine: Engine, count: int) -> list[int]:
    items = [ArticleIn.model_validate({"text": f"Story number {n}."}) for n in range(count)]
    with Session(engine) as session:
        return [s.id for s in store_articles(session=session, items=items)]


def statuses(engine: Engine, ids: list[int]) -> list[str]:
    with Session(engine) as session:
        return [session.get_one(Article, i).status for i in ids]


def test_sent_articles_are_queued_one_task_each(
    engine: Engine, celery: Celery, broker_settings: Settings
) -> None:
    ids = stored_ids(engine, 3)
    assert enqueue_articles(engine=engine, celery=celery, article_ids=ids) == ids
    assert statuses(engine, ids) == [ArticleStatus.queued] * 3
    assert queued_messages(broker_settings) == 3
    with redis.Redis.from_url(broker_settings.broker_url) as client:
        message = json.loads(client.lindex(broker_settings.task_queue, 0) or b"{}")
    assert message["headers"]["task"] == ENRICH_TASK


def test_a_known_size_rides_in_the_message_for_the_workers_time_limits(
    engine: Engine, celery: Celery, broker_settings: Settings
) -> None:
    """The worker's parent reads these headers (Celery's request dict is the message's
    headers) instead of opening a database connection per task to learn the size."""
    known, unknown = stored_ids(engine, 2)
    sent = enqueue_articles(
        engine=engine, celery=celery, article_ids=[known, unknown], sizes={known: 1234}
    )
    assert sent == [known, unknown]
    with redis.Redis.from_url(broker_settings.broker_url) as client:
        raw = client.lrange(broker_settings.task_queue, 0, -1)
    by_id = {json.loads(m)["headers"]["argsrepr"]: json.loads(m)["headers"] for m in raw}
    assert announced_chars(by_id[f"[{known}]"]) == 1234
    assert announced_chars(by_id[f"[{unknown}]"]) is None  # the parent reads the store


def test_broker_down_leaves_articles_pending_for_the_relay(engine: Engine) -> None:
    down = make_celery(
        Settings(_env_file=None, broker_url="redis://127.0.0.1:1/0", publish_timeout=0.5),
        producer=True,
    )
    try:
        ids = stored_ids(engine, 2)
        assert enqueue_articles(engine=engine, celery=down, article_ids=ids) == []
    finally:
        down.close()
    assert statuses(engine, ids) == [ArticleStatus.pending] * 2


def test_nothing_to_send_sends_nothing(
    engine: Engine, celery: Celery, broker_settings: Settings
) -> None:
    assert enqueue_articles(engine=engine, celery=celery, article_ids=[]) == []
    assert queued_messages(broker_settings) == 0


def test_mark_queued_never_undoes_a_final_status(engine: Engine) -> None:
    done, waiting = stored_ids(engine, 2)
    with Session(engine) as session:
        session.get_one(Article, done).status = ArticleStatus.enriched
        session.commit()
    mark_queued(engine=engine, article_ids=[done, waiting])
    assert statuses(engine, [done, waiting]) == [ArticleStatus.enriched, ArticleStatus.queued]


def _normalised(raw: bytes) -> dict[str, Any]:
    """A task message with its random ids replaced by what they must be: equal where Celery
    makes them equal (task id, root id, correlation id), each a version 4 UUID."""
    message = json.loads(raw)
    headers, properties = message["headers"], message["properties"]
    task_id = headers["id"]
    assert headers["root_id"] == properties["correlation_id"] == task_id
    for value in (task_id, properties["delivery_tag"]):
        assert uuid.UUID(value).version == 4 and str(uuid.UUID(value)) == value
    headers["id"] = headers["root_id"] = properties["correlation_id"] = "task"
    properties["delivery_tag"] = "tag"
    message["body"] = json.loads(base64.b64decode(message["body"]))  # (spacing may differ)
    return message


def test_direct_messages_are_the_ones_celery_sends(
    celery: Celery, broker_settings: Settings
) -> None:
    """The publisher fills a template instead of calling send_task: what a worker reads must be
    the same message, with and without the size header, whatever the id."""
    for article_id, chars in ((7, 1234), (123456789, None)):
        headers = {ARTICLE_CHARS_HEADER: chars} if chars is not None else None
        celery.send_task(ENRICH_TASK, args=[article_id], headers=headers)
        send_tasks(celery, [article_id], {article_id: chars} if chars is not None else {})
        with redis.Redis.from_url(broker_settings.broker_url) as client:
            by_celery, direct = reversed(client.lrange(broker_settings.task_queue, 0, 1))
            client.delete(broker_settings.task_queue)
        assert _normalised(direct) == _normalised(by_celery)
        assert direct != by_celery  # ids are fresh per task


def test_direct_messages_have_distinct_ids(celery: Celery) -> None:
    publisher = EnrichPublisher(celery)
    try:
        messages = [json.loads(m) for m in publisher.messages(list(range(100)), {})]
    finally:
        publisher.close()
    ids = {m["headers"]["id"] for m in messages} | {
        m["properties"]["delivery_tag"] for m in messages
    }
    assert len(ids) == 200
    assert [m["headers"]["argsrepr"] for m in messages] == [f"[{n}]" for n in range(100)]
