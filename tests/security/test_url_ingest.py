"""URL ingest: the service fetches public pages for producers and refuses everything that would
reach inside the network. Real local servers; loopback is reachable only where a test turns on
the test-only hook (create_ingest_app(allow_loopback_fetch=True))."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from services.ingest.fetch import address_problem
from shared.models import Article
from tests.security.pages import PageServer, page_server
from tests.support.services import Backend
from tests.support.stack import Stack, reset_store, running_stack

FETCH_BOUNDS = {
    "WIREFEED_FETCH_CONNECT_TIMEOUT": "1",
    "WIREFEED_FETCH_READ_TIMEOUT": "1",
    "WIREFEED_FETCH_TOTAL_TIMEOUT": "2",
    "WIREFEED_FETCH_MAX_BYTES": "200000",
    "WIREFEED_FETCH_MAX_REDIRECTS": "3",
}


def _rows(stack: Stack) -> int:
    with Session(stack.engine) as session:
        return session.exec(select(func.count()).select_from(Article)).one()


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with page_server() as server:
        yield server


def _stack(backend: Backend, monkeypatch: pytest.MonkeyPatch, *, loopback: bool):
    return running_stack(backend, monkeypatch, allow_loopback_fetch=loopback, **FETCH_BOUNDS)


@pytest.fixture
def guarded(embedded_store: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The production guard: loopback refused like any internal address."""
    with _stack(embedded_store, monkeypatch, loopback=False) as stack:
        reset_store(stack.engine)
        yield stack


@pytest.fixture
def fixture_reachable(embedded_store: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """Loopback allowed (test-only) so the fixture server can be reached; nothing else is."""
    with _stack(embedded_store, monkeypatch, loopback=True) as stack:
        reset_store(stack.engine)
        yield stack


BLOCKED = [
    ("loopback-ipv4", "http://127.0.0.1:{port}/article", "loopback"),
    ("loopback-ipv6", "http://[::1]:{port}/article", "loopback"),
    ("metadata", "http://169.254.169.254/latest/meta-data/", "link-local"),
    ("private-10", "http://10.0.0.1/", "private"),
    ("private-192", "http://192.168.1.1/", "private"),
    ("decimal-ip", "http://2130706433:{port}/article", "loopback"),
    ("hex-ip", "http://0x7f000001:{port}/article", "loopback"),
    ("octal-ip", "http://0177.0.0.1:{port}/article", "loopback"),
    ("mapped-ipv6", "http://[::ffff:127.0.0.1]:{port}/article", "loopback"),
    ("name-to-loopback", "http://localhost:{port}/article", "loopback"),
    ("unspecified", "http://0.0.0.0:{port}/article", "unspecified"),
    ("shared-cgnat", "http://100.64.0.1/", "not globally routable"),
]


@pytest.mark.parametrize(("case", "url", "reason"), BLOCKED, ids=[c[0] for c in BLOCKED])
def test_internal_addresses_are_refused(
    guarded: Stack, pages: PageServer, case: str, url: str, reason: str
) -> None:
    port = pages.server_address[1]
    response = guarded.ingest.post("/v1/articles", json={"url": url.format(port=port)})
    assert response.status_code == 422, response.text
    detail = str(response.json()["detail"])
    assert reason in detail, detail
    assert pages.hits == []  # refused before connecting
    assert _rows(guarded) == 0


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("ftp://example.com/a", "url"),
        ("file:///etc/passwd", "url"),
        ("http://user:pw@127.0.0.1/", "credentials"),
    ],
)
def test_other_schemes_and_credentials_are_refused(guarded: Stack, url: str, needle: str) -> None:
    response = guarded.ingest.post("/v1/articles", json={"url": url})
    assert response.status_code == 422 and needle in response.text.lower()
    assert _rows(guarded) == 0


def test_public_page_is_fetched_and_stored(fixture_reachable: Stack, pages: PageServer) -> None:
    url = f"{pages.base}/article"
    response = fixture_reachable.ingest.post("/v1/articles", json={"url": url, "source": "t"})
    assert response.status_code == 202, response.text
    record = fixture_reachable.article(response.json()["id"])
    assert record["content_type"] == "html" and "port of Lisbon" in record["raw"]
    assert record["url"] == url
    # Connected to the checked address, with the name kept for the Host header.
    assert pages.hits == [("/article", f"127.0.0.1:{pages.server_address[1]}")]


def test_plain_text_page_and_redirect_followed(fixture_reachable: Stack, pages: PageServer) -> None:
    plain = fixture_reachable.ingest.post("/v1/articles", json={"url": f"{pages.base}/plain"})
    assert plain.status_code == 202
    assert fixture_reachable.article(plain.json()["id"])["content_type"] == "text"
    moved = fixture_reachable.ingest.post("/v1/articles", json={"url": f"{pages.base}/redirect-ok"})
    assert moved.status_code == 202, moved.text
    assert [p for p, _ in pages.hits] == ["/plain", "/redirect-ok", "/article"]


def test_name_is_pinned_to_checked_address(fixture_reachable: Stack, pages: PageServer) -> None:
    port = pages.server_address[1]
    response = fixture_reachable.ingest.post(
        "/v1/articles", json={"url": f"http://localhost:{port}/article"}
    )
    assert response.status_code == 202, response.text
    assert pages.hits == [("/article", f"localhost:{port}")]


HOSTILE = [
    ("redirect-to-metadata", "/redirect-metadata", "link-local"),
    ("redirect-to-private", "/redirect-private", "private"),
    ("redirect-to-file", "/redirect-file", "only http and https"),
    ("redirect-loop", "/redirect-loop", "more than 3 redirects"),
    ("redirect-malformed", "/redirect-malformed", "failed: RemoteProtocolError"),
    ("slow-server", "/slow", "did not answer in time"),
    ("drip-feed", "/drip", "took longer than 2 s"),
    ("endless-body", "/endless", "larger than 200000 bytes"),
    ("image", "/image", "content type 'image/png' is not fetched"),
    ("gzip-encoded", "/gzip", "gzip-encoded"),
    ("not-found", "/missing", "HTTP 404"),
]


@pytest.mark.parametrize(("case", "path", "needle"), HOSTILE, ids=[c[0] for c in HOSTILE])
def test_hostile_pages_are_refused_within_bounds(
    fixture_reachable: Stack, pages: PageServer, case: str, path: str, needle: str
) -> None:
    started = time.monotonic()
    response = fixture_reachable.ingest.post("/v1/articles", json={"url": pages.base + path})
    took = time.monotonic() - started
    assert response.status_code == 422, response.text
    assert needle in response.json()["detail"], response.json()["detail"]
    assert took < 5, f"{case} held the request {took:.1f}s"
    assert _rows(fixture_reachable) == 0


def test_url_only_items_in_a_batch_are_rejected(guarded: Stack) -> None:
    response = guarded.ingest.post(
        "/v1/articles/batch", json=[{"url": "http://example.com/a"}, {"text": "Oslo news."}]
    )
    assert response.status_code == 207
    [bad, good] = response.json()["items"]
    assert not bad["ok"] and "one at a time" in bad["error"] and good["ok"]


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("8.8.8.8", False),
        ("2606:4700::1111", False),
        ("::ffff:10.0.0.1", True),
        ("2002:7f00:1::", True),
        ("fe80::1", True),
        ("fc00::1", True),
        ("ff02::1", True),
        ("224.0.0.1", True),
        ("240.0.0.1", True),
        ("::", True),
        ("198.18.0.1", True),
    ],
)
def test_address_classification(address: str, blocked: bool) -> None:
    assert (address_problem(ipaddress.ip_address(address)) is not None) is blocked


@pytest.mark.parametrize("url", ["http://[::1", "http://exa mple.com/", "http://host:99999/"])
def test_unparsable_urls_are_fetch_errors(url: str) -> None:
    from services.ingest.fetch import FetchError, UrlFetcher
    from shared.settings import Settings

    fetcher = UrlFetcher(Settings())
    try:
        with pytest.raises(FetchError):
            fetcher.fetch(url)
    finally:
        fetcher.close()
