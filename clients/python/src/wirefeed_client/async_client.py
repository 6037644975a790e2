"""The asynchronous client: the same calls as `Client`, awaited."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
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


class AsyncClient:
    def __init__(
        self,
        api_url: str = "http://127.0.0.1:8002",
        ingest_url: str = "http://127.0.0.1:8001",
        *,
        read_key: str | None = None,
        ingest_key: str | None = None,
        timeout: float = 30.0,
        backoff: Backoff | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.ingest_url = ingest_url.rstrip("/")
        self.read_key, self.ingest_key = read_key, ingest_key
        self.backoff = backoff or Backoff()
        self.http = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def _call(self, method: str, url: str, *, key: str | None, **kw: Any) -> httpx.Response:
        for attempt in range(self.backoff.retries + 1):
            last = attempt == self.backoff.retries
            try:
                response = await self.http.request(method, url, headers=auth(key), **kw)
            except httpx.TransportError:
                if last:
                    raise
                await asyncio.sleep(self.backoff.delay(attempt))
                continue
            if response.status_code in RETRY_STATUSES and not last:
                await asyncio.sleep(self.backoff.delay(attempt, response))
                continue
            raise_for(response)
            return response
        raise AssertionError("unreachable")

    async def post_article(self, article: dict[str, Any]) -> IngestResult:
        url = f"{self.ingest_url}/v1/articles"
        response = await self._call("POST", url, key=self.ingest_key, json=article)
        return cast(IngestResult, response.json())

    async def post_articles(self, articles: list[dict[str, Any]]) -> BatchResult:
        url = f"{self.ingest_url}/v1/articles/batch"
        response = await self._call("POST", url, key=self.ingest_key, json=articles)
        return cast(BatchResult, response.json())

    async def get_article(self, article_id: int, *, include: tuple[str, ...] = ()) -> Article:
        response = await self._call(
            "GET",
            f"{self.api_url}/v1/articles/{article_id}",
            key=self.read_key,
            params=params({"include": include or None}),
        )
        return cast(Article, response.json())

    async def search(self, q: str | None = None, **filters: Any) -> AsyncIterator[ArticleListItem]:
        query = params({"q": q, **filters})
        while True:
            response = await self._call(
                "GET", f"{self.api_url}/v1/articles", key=self.read_key, params=query
            )
            page = response.json()
            for item in page["items"]:
                yield item
            if not page["next_cursor"]:
                return
            query["cursor"] = page["next_cursor"]

    async def follow(self, after: int = 0, **filters: Any) -> AsyncIterator[FeedItem]:
        """Every feed item after `after`, forever, over the SSE stream; resumes after the last
        item seen when the connection drops (backoff; Retry-After on 429/503)."""
        position = after
        failures = 0
        while True:
            try:
                async for item in self._stream_once(position, filters):
                    position, failures = item["seq"], 0
                    yield item
            except (httpx.TransportError, WirefeedError) as exc:
                if isinstance(exc, WirefeedError) and exc.status not in RETRY_STATUSES:
                    raise
            await asyncio.sleep(self.backoff.delay(failures))
            failures += 1

    async def _stream_once(self, position: int, filters: dict[str, Any]) -> AsyncIterator[FeedItem]:
        headers = {**auth(self.read_key), "Last-Event-ID": str(position)}
        timeout = httpx.Timeout(self.http.timeout.connect, read=None)
        async with self.http.stream(
            "GET",
            f"{self.api_url}/v1/stream",
            headers=headers,
            params=params(filters),
            timeout=timeout,
        ) as response:
            if response.status_code in RETRY_STATUSES:
                await asyncio.sleep(self.backoff.delay(0, response))
                return
            if response.status_code >= 400:
                await response.aread()
                raise_for(response)
            parser = SseParser()
            async for line in response.aiter_lines():
                for _id, _event, data in parser.feed([line]):
                    yield cast(FeedItem, json.loads(data))
