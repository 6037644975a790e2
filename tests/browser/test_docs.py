"""The API documentation works on a machine without internet: /docs and /redoc of both services
load in a real Chromium with every request staying on our own host, and the ingest request body
(ArticleIn, a dangling $ref before) is shown with its fields."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from tests.support.browser import screenshot
from tests.support.processes import start_service
from tests.support.services import free_port, migrated_backend


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    # The pages do not touch the store: the embedded pair is enough.
    tmp = tmp_path_factory.mktemp("docs")
    with migrated_backend("embedded", tmp) as backend:
        urls: dict[str, str] = {}
        procs = []
        try:
            for name in ("ingest", "api"):
                port = free_port()
                procs.append(start_service(backend, tmp, name, port))
                urls[name] = f"http://127.0.0.1:{port}"
            yield urls
        finally:
            for proc in procs:
                proc.stop()


def _open(browser: Any, url: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context()
    page = context.new_page()
    requested: list[str] = []

    def record(route: Any) -> None:
        # Every request that reaches the network layer; one for an outside host is refused.
        requested.append(route.request.url)
        if route.request.url.startswith(url.rsplit("/", 1)[0]):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", record)
    page.goto(url)
    return context, page, requested


def test_swagger_shows_the_ingest_request_schema_offline(
    browser: Any, services: dict[str, str]
) -> None:
    base = services["ingest"]
    context, page, requested = _open(browser, f"{base}/docs")
    try:
        page.get_by_text("Submit one article (text or HTML)").first.click()
        body = page.locator(".opblock-body").first
        body.get_by_text("Schema", exact=True).first.click()
        schema = body.locator(".model-box").first
        schema.wait_for(timeout=15000)
        schema.get_by_text("external_id").first.wait_for(timeout=15000)
        text = schema.inner_text()
        for field in ("text", "html", "external_id", "published_at", "url"):
            assert field in text, (field, text[:500])
        screenshot(page, "docs-ingest-request-schema")
    finally:
        context.close()
    assert requested and all(u.startswith(base) for u in requested), requested


@pytest.mark.parametrize("service", ["ingest", "api"])
def test_redoc_renders_offline(browser: Any, services: dict[str, str], service: str) -> None:
    base = services[service]
    context, page, requested = _open(browser, f"{base}/redoc")
    try:
        title = "wirefeed ingest" if service == "ingest" else "wirefeed API"
        page.get_by_text(title).first.wait_for(timeout=20000)
        assert page.locator("redoc-wrap, .redoc-wrap, [class*=redoc]").count() > 0
        screenshot(page, f"redoc-{service}")
    finally:
        context.close()
    assert all(u.startswith(base) for u in requested), requested


def test_openapi_has_no_dangling_references(services: dict[str, str]) -> None:
    """The problem: the ingest schema referred to ArticleIn without defining it."""
    for base in services.values():
        text = httpx.get(f"{base}/openapi.json").text
        defined = set(orjson.loads(text)["components"]["schemas"])
        used = set(re.findall(r"#/components/schemas/([A-Za-z0-9_]+)", text))
        assert used <= defined, used - defined
