"""The Python client (clients/python) against real services in their own processes: its typed
models match the OpenAPI, it posts, reads, searches over every page, follows the stream across
an API restart without missing or repeating an item, and waits out 429 answers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from wirefeed_client import AsyncClient, Backoff, Client, WirefeedError
from wirefeed_client.models import SCHEMAS

from tests.support.api_server import ApiServer
from tests.support.processes import Proc, start_service, wait_until
from tests.support.services import Backend, free_port
from tests.support.stack import reset_store, running_stack

READ_KEY = "client-reader-key-0123456789"


@pytest.fixture(scope="module")
def services(
    backend: Backend, worker: Proc, log_dir: Path, api_server: ApiServer
) -> Iterator[dict[str, Any]]:
    with pytest.MonkeyPatch.context() as monkeypatch, running_stack(backend, monkeypatch) as s:
        reset_store(s.engine)
        backend.flush_broker()
    port = free_port()
    ingest = start_service(backend, log_dir, "ingest", port)
    try:
        yield {
            "server": api_server,
            "backend": backend,
            "log_dir": log_dir,
            "api": api_server.url,
            "ingest": f"http://127.0.0.1:{port}",
        }
    finally:
        ingest.stop()


def test_typed_models_match_the_openapi(services: dict[str, Any]) -> None:
    schemas: dict[str, Any] = {}
    for name in ("api", "ingest"):
        schemas |= httpx.get(f"{services[name]}/openapi.json").json()["components"]["schemas"]
    for component, typed in SCHEMAS.items():
        schema = schemas[component]
        assert set(typed.__annotations__) == set(schema["properties"]), component
        assert typed.__required_keys__ == set(schema.get("required", [])), component  # type: ignore[attr-defined]


def _wait_enriched(client: Client, article_id: int) -> None:
    wait_until(
        lambda: client.get_article(article_id)["status"] == "enriched",
        60,
        f"article {article_id} enriched",
    )


def test_post_read_search_and_follow_across_a_restart(services: dict[str, Any]) -> None:
    with Client(services["api"], services["ingest"], backoff=Backoff(first=0.2)) as client:
        first = client.post_article(
            {
                "text": "Envoys met in Geneva to discuss grain exports.",
                "source": "client",
                "external_id": "c0",
            }
        )
        batch = client.post_articles(
            [
                {
                    "text": f"Grain talk {n}: ministers in Ankara discussed grain corridors.",
                    "source": "client",
                    "external_id": f"c{n}",
                }
                for n in (1, 2)
            ]
        )
        ids = [first["id"], *(i["result"]["id"] for i in batch["items"] if i.get("result"))]
        assert len(ids) == 3
        for article_id in ids:
            _wait_enriched(client, article_id)
        record = client.get_article(ids[0], include=("mentions",))
        assert record["entities"] and "mentions" in record["entities"][0]
        found = [a["id"] for a in client.search("grain", limit=1)]  # one per page
        assert sorted(found) == sorted(ids)
        with pytest.raises(WirefeedError) as refused:
            client.get_article(999999)
        assert refused.value.status == 404

        seen: list[int] = []
        follower = client.follow(after=0, source="client")
        seen += [next(follower)["seq"] for _ in range(3)]
        # The API goes away and comes back on the same port; the follower reconnects and
        # resumes after the last item it got.
        posted: list[int] = []

        def post_while_down() -> None:
            article = {
                "text": "Grain ships left Odesa on Friday.",
                "source": "client",
                "external_id": "c9",
            }
            posted.append(client.post_article(article)["id"])

        services["server"].restart(between=post_while_down)
        more = {"id": posted[0]}
        _wait_enriched(client, more["id"])
        item = next(follower)
        assert item["article"]["id"] == more["id"]
        seen.append(item["seq"])
        assert seen == sorted(set(seen))  # in order, nothing twice


def test_async_client_searches_and_follows(services: dict[str, Any]) -> None:
    async def run() -> tuple[list[int], list[int]]:
        async with AsyncClient(services["api"], services["ingest"]) as client:
            found = [a["id"] async for a in client.search("grain", limit=2)]
            followed: list[int] = []
            async for item in client.follow(after=0, source="client"):
                followed.append(item["article"]["id"])
                if len(followed) == 4:
                    break
            return found, followed

    # Bounded: a missing item must fail the test, not hang it.
    found, followed = asyncio.run(asyncio.wait_for(run(), timeout=60))
    assert len(found) == 4 and sorted(found) == sorted(followed)


class Counting(httpx.HTTPTransport):
    """The real transport, counting answers by status (nothing is faked)."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.statuses.append(response.status_code)
        return response


def test_client_waits_out_rate_limits(services: dict[str, Any]) -> None:
    port = free_port()
    limited = start_service(
        services["backend"],
        services["log_dir"],
        "api",
        port,
        WIREFEED_READ_KEYS=READ_KEY,
        WIREFEED_RATE_LIMIT_PER_SECOND="2",
        WIREFEED_RATE_LIMIT_BURST="1",
    )
    transport = Counting()
    try:
        with Client(f"http://127.0.0.1:{port}", read_key=READ_KEY, transport=transport) as c:
            found = [a["id"] for a in c.search("grain", limit=1)]
    finally:
        limited.stop()
    assert len(found) == 4
    # Refused at least once for going too fast, and still finished: it waited and retried.
    assert 429 in transport.statuses and transport.statuses[-1] == 200
