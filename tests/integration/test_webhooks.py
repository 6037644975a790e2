"""Webhooks end to end: a real deliverer process (Celery worker on its own queue) POSTs feed
items to a real HTTP receiver, signed per Standard Webhooks, in feed order, retried with backoff
(same webhook-id), logged, disabled after failing long enough; URLs pass the SSRF guard."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
from standardwebhooks.webhooks import Webhook

from tests.support.processes import Proc, backend_env, wait_until
from tests.support.services import Backend
from tests.support.stack import Stack, reset_store, running_stack

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    """A real HTTP server: `fail_first[path]` requests to a path answer 500, then 204."""

    port: int = 0
    fail_first: dict[str, int] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def ok(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path and r.answered == 204]


@pytest.fixture(scope="module")
def receiver(backend: Backend) -> Iterator[Receiver]:
    """One per backend: tests count what a path received, so the embedded run's deliveries
    must not be counted again in the production run."""
    state = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with lock:
                seen = sum(1 for r in state.received if r.path == self.path)
                code = 500 if seen < state.fail_first.get(self.path, 0) else 204
                state.received.append(Received(self.path, dict(self.headers), body, code))
            self.send_response(code)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def hooked(backend: Backend, worker: Proc, log_dir: Path) -> Iterator[Stack]:
    env = {
        "WIREFEED_WEBHOOK_ALLOW_PRIVATE": "true",
        "WIREFEED_DELIVER_QUEUE": f"deliver-test-{uuid.uuid4().hex[:8]}",
        "WIREFEED_WEBHOOK_PUMP_INTERVAL": "0.2",
        "WIREFEED_WEBHOOK_DISABLE_AFTER": "3",
    }
    deliverer = Proc("deliverer", ["deliverer"], backend_env(backend, **env), log_dir)
    try:
        deliverer.wait_for_log(" ready.", timeout=120)
        with (
            pytest.MonkeyPatch.context() as monkeypatch,
            running_stack(backend, monkeypatch, **env) as stack,
        ):
            reset_store(stack.engine)
            backend.flush_broker()
            yield stack
    finally:
        deliverer.stop()


def _subscribe(stack: Stack, url: str, **extra: Any) -> dict[str, Any]:
    response = stack.api.post("/v1/webhooks", json={"url": url, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def _post(stack: Stack, n: int, source: str = "wire") -> int:
    article = {
        "text": f"Report {n}: ministers in Rome met envoys from Madrid.",
        "source": source,
        "external_id": f"w{n}-{source}-{uuid.uuid4().hex[:6]}",
    }
    article_id = stack.post(article)["id"]
    assert stack.wait_final(article_id)["status"] == "enriched"
    return article_id


def test_deliveries_are_signed_in_feed_order_and_retried(hooked: Stack, receiver: Receiver) -> None:
    path = "/flaky"
    receiver.fail_first[path] = 2
    sub = _subscribe(hooked, f"http://127.0.0.1:{receiver.port}{path}", secret=SECRET)
    assert sub["secret"] == SECRET and sub["active"]
    ids = [_post(hooked, n) for n in range(4)]
    wait_until(lambda: len(receiver.ok(path)) >= 4, 60, "four deliveries")
    delivered = receiver.ok(path)
    payloads = [Webhook(SECRET).verify(r.body, r.headers) for r in delivered]
    assert [p["data"]["article"]["id"] for p in payloads] == ids  # feed order, each once
    seqs = [p["data"]["seq"] for p in payloads]
    assert seqs == sorted(seqs) and all(p["type"] == "feed.created" for p in payloads)
    attempts = [r for r in receiver.received if r.path == path]
    assert [r.answered for r in attempts[:3]] == [500, 500, 204]
    assert len({r.headers["webhook-id"] for r in attempts[:3]}) == 1  # a retry keeps its id
    forged = dict(delivered[0].headers, **{"webhook-signature": "v1,AAAA"})
    with pytest.raises(Exception, match="signature"):
        Webhook(SECRET).verify(delivered[0].body, forged)
    log = hooked.api.get(f"/v1/webhooks/{sub['id']}/deliveries").json()["items"]
    assert [(d["ok"], d["attempt"]) for d in reversed(log)][:3] == [
        (False, 1),
        (False, 2),
        (True, 3),
    ]
    # The deliverer records its position after the receiver has answered: wait for that write.
    wait_until(
        lambda: _state(hooked, sub)["last_position"] == seqs[-1], 30, "the position to advance"
    )
    assert _state(hooked, sub)["failures"] == 0


def _state(stack: Stack, sub: dict[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = stack.api.get(f"/v1/webhooks/{sub['id']}").json()
    return state


def test_filters_limit_what_is_delivered(hooked: Stack, receiver: Receiver) -> None:
    path = "/markets"
    _subscribe(hooked, f"http://127.0.0.1:{receiver.port}{path}", filters={"source": "markets"})
    wanted = _post(hooked, 10, source="markets")
    _post(hooked, 11, source="wire")
    last = _post(hooked, 12, source="markets")
    wait_until(lambda: len(receiver.ok(path)) >= 2, 60, "two market deliveries")
    time.sleep(1)  # nothing else may follow
    got = [orjson.loads(r.body)["data"]["article"]["id"] for r in receiver.ok(path)]
    assert got == [wanted, last]


def test_a_retraction_is_delivered_as_its_own_event(hooked: Stack, receiver: Receiver) -> None:
    """Deliveries are feed events: `events` picks kinds, the payload type names the kind."""
    path = "/retractions"
    filters = {"source": "recalls", "events": ["retracted"]}
    _subscribe(hooked, f"http://127.0.0.1:{receiver.port}{path}", filters=filters)
    article_id = _post(hooked, 30, source="recalls")
    gone = hooked.ingest.delete(f"/v1/articles/{article_id}", params={"reason": "legal"})
    assert gone.status_code == 200, gone.text
    wait_until(lambda: len(receiver.ok(path)) >= 1, 60, "the retraction's delivery")
    time.sleep(1)  # the `created` event must not follow
    payloads = [orjson.loads(r.body) for r in receiver.ok(path)]
    assert [(p["type"], p["data"]["article"]["id"]) for p in payloads] == [
        ("feed.retracted", article_id)
    ]
    assert (payloads[0]["data"]["cause"], payloads[0]["data"]["revision"]) == ("retraction", 2)
    bad = hooked.api.post(
        "/v1/webhooks",
        json={"url": f"http://127.0.0.1:{receiver.port}/x", "filters": {"events": ["deleted"]}},
    )
    assert bad.status_code == 422 and "events" in bad.text


def test_a_subscription_failing_long_enough_is_disabled(hooked: Stack, receiver: Receiver) -> None:
    path = "/dead"
    receiver.fail_first[path] = 10**6
    sub = _subscribe(hooked, f"http://127.0.0.1:{receiver.port}{path}")
    _post(hooked, 20)

    def disabled() -> bool:
        return not _state(hooked, sub)["active"]

    wait_until(disabled, 30, "the subscription to be disabled")
    state = _state(hooked, sub)
    assert "failed" in state["disabled_reason"] and state["failures"] >= 2
    attempts = [r for r in receiver.received if r.path == path]
    # Backed off (1 s, 2 s, ...): a handful of attempts in the 3 s allowed, not one per pump.
    assert len(attempts) == state["failures"] <= 4
    assert hooked.api.delete(f"/v1/webhooks/{sub['id']}").status_code == 204
    assert hooked.api.get(f"/v1/webhooks/{sub['id']}").status_code == 404
    assert hooked.api.get(f"/v1/webhooks/{sub['id']}/deliveries").status_code == 404


def test_webhook_urls_pass_the_ssrf_guard_and_need_a_read_key(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_stack(
        backend,
        monkeypatch,
        WIREFEED_READ_KEYS="reader-key-0123456789",
        WIREFEED_WEBHOOK_ALLOW_PRIVATE="false",  # the default, whatever the module set
    ) as s:
        key = {"Authorization": "Bearer reader-key-0123456789"}
        assert s.api.get("/v1/webhooks").status_code == 401
        for url, why in [
            ("http://127.0.0.1:9/x", "loopback"),
            ("http://10.1.2.3/x", "private"),
            ("http://169.254.169.254/latest", "link-local"),
            ("ftp://example.com/x", "URL"),
        ]:
            response = s.api.post("/v1/webhooks", json={"url": url}, headers=key)
            assert response.status_code == 422, (url, response.text)
            assert why in str(response.json()["detail"]), (url, response.text)
        bad_secret = s.api.post(
            "/v1/webhooks", headers=key, json={"url": "https://example.com/h", "secret": "hunter2"}
        )
        assert bad_secret.status_code == 422
