"""The synchronous client."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any, cast

import httpx

from wirefeed_client._policy import (
    RETRY_STATUSES,
    Backoff,
    SseParser,
    WirefeedError,
    auth,
    params,
    raise_for,
)
from wirefeed_client.models import Article, ArticleListItem, BatchResult, FeedItem, IngestResult


class Client:
    """wirefeed over HTTP: one connection pool for the client's life.

    Every call retries connection failures and 429/502/503/504 answers (waiting what
    Retry-After says, else backing off exponentially) up to `backoff.retries` times;
    `follow()` never gives up."""

    def __init__(
        self,
        api_url: str = "http://127.0.0.1:8002",
        ingest_url: str = "http://127.0.0.1:8001",
        *,
        read_key: str | None = None,
        ingest_key: str | None = None,
        timeout: float = 30.0,
        backoff: Backoff | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.ingest_url = ingest_url.rstrip("/")
        self.read_key, self.ingest_key = read_key, ingest_key
        self.backoff = backoff or Backoff()
        self.http = httpx.Client(timeout=timeout, transport=transport)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, method: str, url: str, *, key: str | None, **kw: Any) -> httpx.Response:
        for attempt in range(self.backoff.retries + 1):
            last = attempt == self.backoff.retries
            try:
                response = self.http.request(method, url, headers=auth(key), **kw)
            except httpx.TransportError:
                if last:
                    raise
                time.sleep(self.backoff.delay(attempt))
                continue
            if response.status_code in RETRY_STATUSES and not last:
                time.sleep(self.backoff.delay(attempt, response))
                continue
            raise_for(response)
            return response
        raise AssertionError("unreachable")

    # ---- producers --------------------------------------------------------------------------

    def post_article(self, article: dict[str, Any]) -> IngestResult:
        """Submit one article: {"text"|"html"|"url": ..., "source", "external_id", ...}."""
        url = f"{self.ingest_url}/v1/articles"
        return cast(IngestResult, self._call("POST", url, key=self.ingest_key, json=article).json())

    def post_articles(self, articles: list[dict[str, Any]]) -> BatchResult:
        """Submit many at once; each item's result says whether it was taken."""
        url = f"{self.ingest_url}/v1/articles/batch"
        response = self._call("POST", url, key=self.ingest_key, json=articles)
        return cast(BatchResult, response.json())

    # ---- consumers --------------------------------------------------------------------------

    def get_article(self, article_id: int, *, include: tuple[str, ...] = ()) -> Article:
        """One article; `include` adds "raw", "source_text", "mentions"."""
        response = self._call(
            "GET",
            f"{self.api_url}/v1/articles/{article_id}",
            key=self.read_key,
            params=params({"include": include or None}),
        )
        return cast(Article, response.json())

    def search(self, q: str | None = None, **filters: Any) -> Iterator[ArticleListItem]:
        """Every matching article, page after page (filters as GET /v1/articles takes them)."""
        query = params({"q": q, **filters})
        while True:
            page = self._call(
                "GET", f"{self.api_url}/v1/articles", key=self.read_key, params=query
            ).json()
            yield from page["items"]
            if not page["next_cursor"]:
                return
            query["cursor"] = page["next_cursor"]

    def follow(
        self, after: int = 0, *, stream: bool = True, poll: float = 1.0, **filters: Any
    ) -> Iterator[FeedItem]:
        """Every feed item after position `after`, forever: over the SSE stream (or by polling
        /v1/feed with stream=False), resuming after the last item seen whenever the connection
        drops, with backoff, so no item is missed or repeated."""
        position = after
        failures = 0
        while True:
            try:
                if stream:
                    for item in self._stream_once(position, filters):
                        position, failures = item["seq"], 0
                        yield item
                else:
                    page = self._call(
                        "GET",
                        f"{self.api_url}/v1/feed",
                        key=self.read_key,
                        params=params({"after": position, **filters}),
                    ).json()
                    for item in page["items"]:
                        position, failures = item["seq"], 0
                        yield item
                    if not page["items"]:
                        time.sleep(poll)
                    continue
            except (httpx.TransportError, WirefeedError) as exc:
                if isinstance(exc, WirefeedError) and exc.status not in RETRY_STATUSES:
                    raise
                time.sleep(self.backoff.delay(failures, getattr(exc, "response", None)))
                failures += 1
                continue
            time.sleep(self.backoff.delay(failures))  # the server ended the stream
            failures += 1

    def _stream_once(self, position: int, filters: dict[str, Any]) -> Iterator[FeedItem]:
        headers = {**auth(self.read_key), "Last-Event-ID": str(position)}
        timeout = httpx.Timeout(self.http.timeout.connect, read=None)
        with self.http.stream(
            "GET",
            f"{self.api_url}/v1/stream",
            headers=headers,
            params=params(filters),
            timeout=timeout,
        ) as response:
            if response.status_code in RETRY_STATUSES:
                time.sleep(self.backoff.delay(0, response))
                return
            if response.status_code >= 400:
                response.read()
                raise_for(response)
            for _id, _event, data in SseParser().feed(response.iter_lines()):
                yield cast(FeedItem, json.loads(data))
