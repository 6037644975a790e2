"""GET /v1/stream (Server-Sent Events) from a real API process: ids are feed positions, a client
that drops the connection mid-stream resumes with Last-Event-ID and sees every item exactly
once, heartbeats keep an idle stream alive, filters and read keys apply."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest

from tests.support.api_server import ApiServer
from tests.support.processes import Proc
from tests.support.services import Backend
from tests.support.stack import Stack, reset_store, running_stack


@dataclass
class Event:
    id: str | None = None
    event: str | None = None
    data: list[str] = field(default_factory=list)

    @property
    def json(self) -> Any:
        return orjson.loads("\n".join(self.data))


def read_events(
    response: httpx.Response, *, count: int, comments: list[str] | None = None
) -> list[Event]:
    """Parse SSE lines until `count` events have arrived (comment lines go to `comments`)."""
    events: list[Event] = []
    current = Event()
    for line in response.iter_lines():
        if line.startswith(":"):
            if comments is not None:
                comments.append(line)
                if count == 0:
                    return events
            continue
        if line == "":
            if current.data:
                events.append(current)
                if len(events) >= count:
                    return events
            current = Event()
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id":
            current.id = value
        elif name == "event":
            current.event = value
        elif name == "data":
            current.data.append(value)
    return events


@pytest.fixture(scope="module")
def served(backend: Backend, worker: Proc, api_server: ApiServer) -> Iterator[tuple[Stack, str]]:
    with pytest.MonkeyPatch.context() as monkeypatch, running_stack(backend, monkeypatch) as s:
        reset_store(s.engine)
        backend.flush_broker()
        yield s, api_server.url


def _post_all(stack: Stack, articles: list[dict[str, Any]]) -> list[int]:
    ids = [stack.post(a)["id"] for a in articles]
    for article_id in ids:
        assert stack.wait_final(article_id)["status"] == "enriched"
    return ids


def _article(n: int, source: str = "wire") -> dict[str, Any]:
    return {
        "text": f"Story {n}: officials in Paris met bankers from Frankfurt on Monday.",
        "source": source,
        "external_id": f"s{n}-{source}",
    }


def test_stream_resumes_exactly_once_after_a_mid_stream_disconnect(
    served: tuple[Stack, str],
) -> None:
    stack, url = served
    first_ids = _post_all(stack, [_article(n) for n in range(6)])
    received: list[Event] = []
    with httpx.Client(base_url=url, timeout=30) as client:
        with client.stream("GET", "/v1/stream", params={"after": "0"}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            received += read_events(response, count=3)
        # Disconnected with items still on the wire; more arrive while away.
        later_ids = _post_all(stack, [_article(n) for n in range(6, 9)])
        headers = {"Last-Event-ID": received[-1].id or ""}
        with client.stream("GET", "/v1/stream", headers=headers) as response:
            received += read_events(response, count=6)
    seqs = [int(e.id or 0) for e in received]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) == 9
    assert [e.json["article"]["id"] for e in received] == first_ids + later_ids
    assert all(
        e.event == e.json["event"] == "created" and e.json["seq"] == int(e.id or 0)
        for e in received
    )
    feed = stack.api.get("/v1/feed", params={"after": "0"}).json()["items"]
    assert [i["seq"] for i in feed] == seqs


def test_stream_after_parameter_filters_and_heartbeats(served: tuple[Stack, str]) -> None:
    stack, url = served
    feed = stack.api.get("/v1/feed", params={"after": "0", "limit": 500}).json()["items"]
    last = feed[-1]["seq"] if feed else 0
    comments: list[str] = []
    with httpx.Client(base_url=url, timeout=30) as client:
        with client.stream(
            "GET", "/v1/stream", params={"after": str(last), "heartbeat": "0.3"}
        ) as response:
            assert read_events(response, count=0, comments=comments) == []
        assert comments and comments[0].startswith(":")
        _post_all(stack, [_article(20, source="markets"), _article(21, source="wire")])
        with client.stream(
            "GET", "/v1/stream", params={"after": str(last), "source": "markets"}
        ) as response:
            only = read_events(response, count=1)
        with client.stream(
            "GET", "/v1/stream", params={"after": str(last), "q": "bankers", "source": "wire"}
        ) as response:
            searched = read_events(response, count=1)
        bad = client.get("/v1/stream", params={"since": "1"})
    assert [e.json["article"]["source"] for e in only] == ["markets"]
    assert [e.json["article"]["external_id"] for e in searched] == ["s21-wire"]
    assert bad.status_code == 422 and "'since'" in bad.json()["detail"]


def test_stream_needs_a_read_key_when_keys_are_set(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_stack(backend, monkeypatch, WIREFEED_READ_KEYS="reader-key-0123456789") as s:
        assert s.api.get("/v1/stream").status_code == 401
        wrong = s.api.get("/v1/stream", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401


def test_stream_sends_one_event_per_feed_event_named_by_its_kind(
    served: tuple[Stack, str],
) -> None:
    """The stream is the event feed: a retraction arrives as its own `retracted` event after the
    article's `created`, and `event=` picks kinds, as on /v1/feed."""
    stack, url = served
    feed = stack.api.get("/v1/feed", params={"after": "0", "limit": 500}).json()["items"]
    last = str(feed[-1]["seq"] if feed else 0)
    [article_id] = _post_all(stack, [_article(30, source="withdrawn")])
    gone = stack.ingest.delete(f"/v1/articles/{article_id}", params={"reason": "legal"})
    assert gone.status_code == 200, gone.text
    with httpx.Client(base_url=url, timeout=30) as client:
        params = {"after": last, "source": "withdrawn"}
        with client.stream("GET", "/v1/stream", params=params) as response:
            both = read_events(response, count=2)
        params = {**params, "event": "retracted"}
        with client.stream("GET", "/v1/stream", params=params) as response:
            retractions = read_events(response, count=1)
    assert [(e.event, e.json["article"]["id"], e.json["revision"]) for e in both] == [
        ("created", article_id, 1),
        ("retracted", article_id, 2),
    ]
    assert both[1].json["cause"] == "retraction"
    assert both[1].json["article"]["status"] == "retracted"
    assert [e.id for e in retractions] == [both[1].id]
    listed = stack.api.get("/v1/feed", params={"after": last, "source": "withdrawn"}).json()
    assert [(i["seq"], i["event"]) for i in listed["items"]] == [
        (int(e.id or 0), e.event) for e in both
    ]
