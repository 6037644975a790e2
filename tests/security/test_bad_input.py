"""The bad-input catalogue: every case is refused with a 4xx whose message names the problem,
and the store is left exactly as it was (rows counted before and after), on both stores."""

from __future__ import annotations

import base64
import gzip
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from shared.models import Article, Entity
from tests.support.stack import Stack

JSON = {"content-type": "application/json"}
NDJSON = {"content-type": "application/x-ndjson"}
OK = {"text": "Lisbon council met on Monday."}


@dataclass(frozen=True)
class Case:
    name: str
    service: str  # "ingest" | "api"
    method: str
    path: str
    status: int
    needle: str  # must appear in the answer: the problem is named
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


def post(name: str, body: Any, status: int, needle: str, path: str = "/v1/articles") -> Case:
    return Case(name, "ingest", "POST", path, status, needle, json=body)


def raw(
    name: str,
    content: bytes,
    status: int,
    needle: str,
    headers: dict[str, str] | None = None,
    path: str = "/v1/articles",
) -> Case:
    return Case(
        name,
        "ingest",
        "POST",
        path,
        status,
        needle,
        content=content,
        headers=JSON if headers is None else headers,
    )


def get(name: str, path: str, params: dict[str, str], status: int, needle: str) -> Case:
    return Case(name, "api", "GET", path, status, needle, params=params)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _cursor(value: Any) -> str:
    return _b64(orjson.dumps(value))


CASES = [
    # -- ingest: the body is not JSON, or not an article -------------------------------------
    raw("malformed-json", b'{"text": "a"', 422, "not valid JSON"),
    raw("trailing-garbage", b'{"text": "a"} x', 422, "not valid JSON"),
    raw("empty-body", b"", 422, "empty"),
    raw("whitespace-body", b"  \n\t ", 422, "empty"),
    raw("invalid-utf8", b'{"text": "caf\xe9 \xff\xfe"}', 422, "UTF-8"),
    raw("lone-surrogate", b'{"text": "\\ud800 x"}', 422, "not valid JSON"),
    raw("json-null", b"null", 422, "JSON object"),
    raw("json-string", b'"an article"', 422, "JSON object"),
    raw("json-number", b"42", 422, "JSON object"),
    post("array-to-single", [OK], 422, "JSON object"),
    raw(
        "deeply-nested",
        b'{"text": "a", "title": ' + b"[" * 40 + b"]" * 40 + b"}",
        422,
        "nested deeper",
    ),
    raw("bottomless-nesting", b"[" * 100_000, 422, "not valid JSON"),
    # -- ingest: wrong types and empty values ---------------------------------------------
    post("text-number", {"text": 42}, 422, "text"),
    post("text-list", {"text": ["a"]}, 422, "text"),
    post("text-object", {"text": {"a": 1}}, 422, "text"),
    post("text-empty", {"text": ""}, 422, "empty"),
    post("text-whitespace", {"text": " \n\t\u00a0 "}, 422, "empty"),
    post("html-whitespace", {"html": "   "}, 422, "empty"),
    post("no-body", {"title": "x"}, 422, "exactly one of 'text' or 'html'"),
    post("text-and-html", {"text": "a", "html": "<p>a</p>"}, 422, "exactly one"),
    post("unknown-field", {**OK, "colour": "red"}, 422, "colour"),
    post("nul-in-text", {"text": "Lisbon\x00council"}, 422, "NUL"),
    post("nul-in-title", {**OK, "title": "a\x00b"}, 422, "NUL"),
    post("nul-in-source", {**OK, "source": "\x00"}, 422, "NUL"),
    post("naive-date", {**OK, "published_at": "2025-06-04T12:00:00"}, 422, "published_at"),
    post("garbage-date", {**OK, "published_at": "yesterday"}, 422, "published_at"),
    post("bad-language", {**OK, "language": "english'; DROP TABLE article;--"}, 422, "language"),
    post("bad-url", {**OK, "url": "not a url"}, 422, "url"),
    post("javascript-url", {**OK, "url": "javascript:alert(1)"}, 422, "url"),
    post("empty-external-id", {**OK, "external_id": ""}, 422, "external_id"),
    post("long-external-id", {**OK, "external_id": "x" * 501}, 422, "external_id"),
    # A well-formed tag longer than the column (found by the schema fuzzer on PostgreSQL).
    post("long-language", {**OK, "language": "en-" + "-".join(["abcdefgh"] * 3)}, 422, "language"),
    post("long-source", {**OK, "source": "s" * 201}, 422, "source"),
    post("long-title", {**OK, "title": "t" * 1001}, 422, "title"),
    post("huge-single-line", {"text": "word " * 220_000}, 413, "limit is 1000000"),
    # -- ingest: transport-level refusals ---------------------------------------------------
    raw(
        "text-plain",
        b"Lisbon council met.",
        415,
        "unsupported content type",
        {"content-type": "text/plain"},
    ),
    raw("no-content-type", orjson.dumps(OK), 415, "unsupported content type", {}),
    raw(
        "form-encoded",
        b"text=a",
        415,
        "unsupported content type",
        {"content-type": "application/x-www-form-urlencoded"},
    ),
    raw(
        "gzip-bomb",
        gzip.compress(b'{"text": "' + b"A" * 20_000_000 + b'"}'),
        415,
        "uncompressed",
        {**JSON, "content-encoding": "gzip"},
    ),
    raw(
        "declared-too-long",
        b"{}",
        413,
        "exceeds the limit",
        {**JSON, "content-length": str(10**12)},
    ),
    # -- ingest: batches --------------------------------------------------------------------
    post("batch-object", OK, 422, "JSON array", path="/v1/articles/batch"),
    post("batch-empty", [], 422, "empty", path="/v1/articles/batch"),
    post(
        "batch-all-invalid",
        [{"text": ""}, {"text": 1}],
        422,
        "invalid article",
        path="/v1/articles/batch",
    ),
    raw(
        "ndjson-all-bad", b"{oops\n[1,\n", 422, "not valid JSON", NDJSON, path="/v1/articles/batch"
    ),
    raw(
        "batch-wrong-type",
        b"<xml/>",
        415,
        "unsupported content type",
        {"content-type": "application/xml"},
        path="/v1/articles/batch",
    ),
    # -- read API: paging ---------------------------------------------------------------------
    get("limit-zero", "/v1/articles", {"limit": "0"}, 422, "limit"),
    get("limit-negative", "/v1/articles", {"limit": "-5"}, 422, "limit"),
    get("limit-huge", "/v1/articles", {"limit": "1000000000"}, 422, "limit"),
    get("limit-text", "/v1/entities", {"limit": "ten"}, 422, "limit"),
    get("cursor-garbage", "/v1/articles", {"cursor": "%%%not-base64"}, 422, "invalid cursor"),
    get("cursor-not-list", "/v1/articles", {"cursor": _cursor({"id": 1})}, 422, "invalid cursor"),
    get("cursor-wrong-arity", "/v1/entities", {"cursor": _cursor([1])}, 422, "invalid cursor"),
    get(
        "cursor-huge-number",
        "/v1/articles",
        {"cursor": _b64(b"[1" + b"0" * 30 + b"]")},
        422,
        "cursor",
    ),
    get("cursor-too-long", "/v1/articles", {"cursor": "A" * 201}, 422, "cursor"),
    get("feed-negative", "/v1/feed", {"after": "-1"}, 422, "after"),
    get("feed-too-big", "/v1/feed", {"after": "9" * 20}, 422, "after"),
    get("feed-limit-huge", "/v1/feed", {"limit": "501"}, 422, "limit"),
    get("article-id-text", "/v1/articles/abc", {}, 422, "article_id"),
    get("article-id-huge", f"/v1/articles/{10**30}", {}, 422, "article_id"),
    get("article-id-missing", "/v1/articles/987654", {}, 404, "no article with id 987654"),
    # -- read API: SQL and script fragments in filters ---------------------------------------
    get("sql-in-after", "/v1/feed", {"after": "1 OR 1=1"}, 422, "after"),
    get(
        "sql-in-entity-type",
        "/v1/articles",
        {"entity_type": "PERSON' OR '1'='1"},
        422,
        "entity_type",
    ),
    get("sql-in-status", "/v1/articles", {"status": "enriched' OR '1'='1"}, 422, "status"),
    get("script-in-status", "/v1/articles", {"status": "<script>alert(1)</script>"}, 422, "status"),
    get("script-in-type", "/v1/entities", {"type": "<SCRIPT>"}, 422, "type"),
    get("salience-over-1", "/v1/articles", {"min_salience": "2"}, 422, "min_salience"),
    get("salience-nan", "/v1/articles", {"min_salience": "nan"}, 422, "min_salience"),
    get("bad-date-filter", "/v1/articles", {"published_from": "last week"}, 422, "published_from"),
    get("nul-in-entity", "/v1/articles", {"entity": "Lis\x00bon"}, 422, "NUL"),
    get("nul-in-source-filter", "/v1/articles", {"source": "\x00"}, 422, "NUL"),
    get("long-entity", "/v1/entities", {"name": "n" * 301}, 422, "name"),
]


def _counts(stack: Stack) -> tuple[int, int]:
    with Session(stack.engine) as session:
        articles = session.exec(select(func.count()).select_from(Article)).one()
        entities = session.exec(select(func.count()).select_from(Entity)).one()
    return articles, entities


@pytest.fixture
def seeded(stack: Stack) -> Stack:
    """One stored article, so 'unchanged' means more than 'still empty'."""
    stack.post({"text": "Oslo hosted the summit.", "source": "seed", "external_id": "s1"})
    return stack


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_refused_and_changes_nothing(seeded: Stack, case: Case) -> None:
    before = _counts(seeded)
    client = seeded.ingest if case.service == "ingest" else seeded.api
    response = client.request(
        case.method,
        case.path,
        json=case.json,
        content=case.content,
        headers=case.headers or None,
        params=case.params or None,
    )
    assert response.status_code == case.status, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    assert case.needle.lower() in response.text.lower(), response.text[:500]
    assert _counts(seeded) == before


INERT = [
    {"source": "' OR 1=1 --"},
    {"source": "x'; DROP TABLE article; --"},
    {"entity": "Robert'); DROP TABLE entity;--"},
    {"entity": "<script>alert(1)</script>"},
    {"source": "<img src=x onerror=alert(1)>"},
]


@pytest.mark.parametrize("params", INERT, ids=[str(i) for i in range(len(INERT))])
def test_sql_and_script_in_free_text_filters_are_inert(seeded: Stack, params: dict) -> None:
    """Free-text filters are bound parameters: the fragment matches nothing and runs nothing."""
    before = _counts(seeded)
    response = seeded.api.get("/v1/articles", params=params)
    assert response.status_code == 200 and response.json()["items"] == []
    assert _counts(seeded) == before


def test_catalogue_size() -> None:
    assert len(CASES) >= 40
