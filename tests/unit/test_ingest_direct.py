"""POST /v1/articles answered below FastAPI (services/ingest/direct.py) gives the answers the
FastAPI route gives: the same requests go to two ingest apps, one with the direct path and one
without, each on a fresh copy of the same SQLite database and the real embedded broker; status,
headers and body must be equal, refusals of every kind included."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from services.ingest.app import create_ingest_app
from services.ingest.body import MAX_JSON_DEPTH
from services.ingest.direct import DirectArticlePost
from shared.settings import Settings

INGEST_KEY, READ_KEY = "ingest-secret", "read-secret"
KEYED = {"authorization": f"Bearer {INGEST_KEY}"}
JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
ARTICLE = {"text": "Rain fell on Lisbon.", "source": "wire", "external_id": "a1"}
UNKNOWN = {"source": "wire", "external_id": "never-posted"}
ICE = orjson.dumps({"text": "Ice on the Neva."})
DEEP = b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)

# (method, path, body, headers): every kind of answer the route gives.
REQUESTS: list[tuple[str, str, bytes, Any]] = [
    ("POST", "/v1/articles", orjson.dumps(ARTICLE), KEYED | JSON),
    ("POST", "/v1/articles", orjson.dumps(ARTICLE), KEYED | JSON),  # duplicate
    ("POST", "/v1/articles", orjson.dumps({**ARTICLE, "text": "Sun in Lisbon."}), KEYED | JSON),
    ("POST", "/v1/articles", orjson.dumps({"html": "<p>Snow in Oslo.</p>"}), KEYED | JSON),
    ("POST", "/v1/articles?from=feed", orjson.dumps({"text": "Wind in Rome."}), KEYED | JSON),
    ("POST", "/v1/articles?from=%00", orjson.dumps({"text": "Hail in Bern."}), KEYED | JSON),
    ("POST", "/v1/articles", orjson.dumps({"text": ""}), KEYED | JSON),
    ("POST", "/v1/articles", orjson.dumps({"text": "a", "colour": "red"}), KEYED | JSON),
    ("POST", "/v1/articles", orjson.dumps({"text": "a\x00b"}), KEYED | JSON),
    ("POST", "/v1/articles", orjson.dumps([{"text": "a"}]), KEYED | JSON),
    ("POST", "/v1/articles", b'{"text": "a"', KEYED | JSON),
    ("POST", "/v1/articles", DEEP, KEYED | JSON),
    ("POST", "/v1/articles", b"text=a", KEYED | FORM),
    ("POST", "/v1/articles", orjson.dumps(ARTICLE), KEYED | JSON | {"content-encoding": "gzip"}),
    ("POST", "/v1/articles", orjson.dumps({"text": "word " * 500}), KEYED | JSON),  # > body limit
    ("POST", "/v1/articles", orjson.dumps({"text": "z" * 150}), KEYED | JSON),  # > text limit
    ("POST", "/v1/articles", orjson.dumps({"url": "http://127.0.0.1:9/page"}), KEYED | JSON),
    ("POST", "/v1/articles", orjson.dumps({**UNKNOWN, "retracted": True}), KEYED | JSON),
    ("POST", "/v1/articles", orjson.dumps({"retracted": True, **ARTICLE}), KEYED | JSON),
    ("POST", "/v1/articles", orjson.dumps(ARTICLE), JSON),  # no key
    ("POST", "/v1/articles", orjson.dumps(ARTICLE), JSON | {"authorization": "Basic abc"}),
    ("POST", "/v1/articles", orjson.dumps(ARTICLE), JSON | {"authorization": "Bearer"}),
    ("POST", "/v1/articles", orjson.dumps(ARTICLE), JSON | {"authorization": "Bearer nope"}),
    ("POST", "/v1/articles", ICE, JSON | {"authorization": f"bearer  {INGEST_KEY} "}),
    ("POST", "/v1/articles", orjson.dumps(ARTICLE), JSON | {"authorization": f"Bearer {READ_KEY}"}),
    ("GET", "/v1/articles", b"", KEYED),
    ("POST", "/v1/articles/", orjson.dumps(ARTICLE), KEYED | JSON),
    # The first of a repeated header counts, as Starlette's Headers.get gives it.
    ("POST", "/v1/articles", ICE, [*KEYED.items(), *FORM.items(), *JSON.items()]),
    ("POST", "/v1/articles", ICE, [*KEYED.items(), *JSON.items(), *FORM.items()]),
    ("POST", "/v1/articles", ICE, [*JSON.items(), ("authorization", "Bearer x"), *KEYED.items()]),
]  # fmt: skip


def _app_client(
    settings: Settings, template: Path, path: Path, *, direct: bool
) -> Iterator[TestClient]:
    shutil.copyfile(template, path)
    own = settings.model_copy(update={"database_url": f"sqlite:///{path}"})
    app = create_ingest_app(own, direct_post=direct)
    assert (DirectArticlePost in [m.cls for m in app.user_middleware]) is direct
    with TestClient(app, follow_redirects=False) as client:
        yield client


Clients = Callable[..., tuple[TestClient, TestClient]]


@pytest.fixture
def clients(
    broker_settings: Settings, migrated_template: Path, tmp_path: Path
) -> Iterator[Clients]:
    """Two apps on the same settings (with these `limits`): FastAPI's route, the direct one."""
    running: list[Iterator[TestClient]] = []

    def make(**limits: Any) -> tuple[TestClient, TestClient]:
        settings = broker_settings.model_copy(
            update={"ingest_keys": INGEST_KEY, "read_keys": READ_KEY, **limits}
        )
        for direct in (False, True):
            path = tmp_path / f"{len(running)}.db"
            running.append(_app_client(settings, migrated_template, path, direct=direct))
        routed, direct_client = (next(c) for c in running[-2:])
        return routed, direct_client

    yield make
    for client in running:
        next(client, None)


def _answer(response: Any) -> tuple[int, dict[str, str], Any]:
    headers = {k: v for k, v in response.headers.items() if k not in ("date", "server")}
    body = response.content
    if response.status_code == 429:  # seconds left to wait, which moved on in between
        headers["retry-after"] = "n"
        body = re.sub(rb"\d+ s", b"n s", body)
    return response.status_code, headers, body


def _same_answers(
    routed: TestClient, direct: TestClient, requests: list[tuple[str, str, bytes, Any]]
) -> list[int]:
    statuses = []
    for method, path, body, headers in requests:
        expected = _answer(routed.request(method, path, content=body, headers=headers))
        got = _answer(direct.request(method, path, content=body, headers=headers))
        assert got == expected, (method, path, body[:60], headers)
        statuses.append(expected[0])
    return statuses


def test_direct_post_answers_as_the_fastapi_route(clients: Clients) -> None:
    routed, direct = clients(max_body_bytes=2000, max_article_chars=100)
    statuses = _same_answers(routed, direct, REQUESTS)
    # Every kind of answer was seen (the list above is not all one status by mistake).
    assert {202, 401, 403, 405, 413, 415, 422} <= set(statuses)


def test_direct_post_shares_the_rate_limit_of_the_other_routes(clients: Clients) -> None:
    routed, direct = clients(rate_limit_per_second=0.0001, rate_limit_burst=2)
    for client in (routed, direct):  # a token taken by another route of the same app
        assert client.delete("/v1/articles/999", headers=KEYED).status_code == 404
    post = ("POST", "/v1/articles", orjson.dumps(ARTICLE), KEYED | JSON)
    assert _same_answers(routed, direct, [post, post]) == [202, 429]


def test_direct_post_is_counted_under_its_route(clients: Clients) -> None:
    _, direct = clients()
    for _ in range(3):
        answer = direct.post("/v1/articles", content=orjson.dumps(ARTICLE), headers=KEYED | JSON)
        assert answer.status_code == 202
    assert answer.headers["x-content-type-options"] == "nosniff"  # our middleware ran
    counted = REGISTRY.get_sample_value(
        "wirefeed_http_requests_total",
        {"service": "ingest", "method": "POST", "route": "/v1/articles", "status": "202"},
    )
    assert counted is not None and counted >= 3
