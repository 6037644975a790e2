"""/ui in a real headless Chromium against a real API process on both store pairs: search with
filters, an article with entities highlighted by label and removed lines struck through with
their rule, an entity page, and the read-key form. Screenshots go to var/test-results/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.api_server import ApiServer
from tests.support.browser import chromium_browser, screenshot
from tests.support.processes import Proc, start_service
from tests.support.services import Backend, free_port
from tests.support.stack import Stack, reset_store, running_stack

SEED = (Path(__file__).parents[2] / "seeds" / "000_f0d86fc9665b4378.txt").read_text()
OTHERS = [
    {
        "text": "Shares in Toyota rose in Tokyo after the United States cut tariffs.\n"
        "Watch| Markets wrap",
        "source": "markets",
        "external_id": "m1",
        "title": "Toyota shares rise",
    },
    {
        "text": "The European Central Bank kept interest rates unchanged on Thursday.",
        "source": "wire",
        "external_id": "w1",
        "title": "ECB holds rates",
    },
]
READ_KEY = "ui-reader-key-0123456789"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium_browser()


@pytest.fixture(scope="module")
def site(
    backend: Backend, worker: Proc, api_server: ApiServer
) -> Iterator[tuple[Stack, str, dict[str, int]]]:
    with pytest.MonkeyPatch.context() as monkeypatch, running_stack(backend, monkeypatch) as s:
        reset_store(s.engine)
        backend.flush_broker()
        ids = {
            "seed": s.post({"text": SEED, "source": "seeds", "title": "Putin warns Trump"})["id"]
        }
        ids |= {a["external_id"]: s.post(a)["id"] for a in OTHERS}
        for article_id in ids.values():
            assert s.wait_final(article_id)["status"] == "enriched"
        yield s, api_server.url, ids


def _tag(backend: Backend) -> str:
    return backend.name.replace("+", "-")


def test_search_page_finds_and_filters(
    browser: Any, site: tuple[Stack, str, dict[str, int]], backend: Backend
) -> None:
    _, base, ids = site
    page = browser.new_page()
    try:
        page.goto(f"{base}/ui/")
        assert page.locator("li.result").count() == 3
        page.get_by_label("Search").fill("Putin")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**q=Putin**")
        results = page.locator("li.result")
        assert results.count() == 1
        assert "Putin warns Trump" in results.first.inner_text()
        assert page.locator("li.result mark").first.inner_text() == "Putin"
        screenshot(page, f"ui-search-{_tag(backend)}")
        page.goto(f"{base}/ui/")
        page.get_by_label("Source").select_option("markets")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**source=markets**")
        assert [t.strip() for t in page.locator("li.result > a").all_inner_texts()] == [
            "Toyota shares rise"
        ]
    finally:
        page.close()


def test_article_page_marks_entities_and_removals(
    browser: Any, site: tuple[Stack, str, dict[str, int]], backend: Backend
) -> None:
    _, base, ids = site
    page = browser.new_page()
    try:
        page.goto(f"{base}/ui/articles/{ids['seed']}")
        assert page.locator("h1").inner_text() == "Putin warns Trump"
        people = page.locator("a.ent[data-label=PERSON]").all_inner_texts()
        assert any("Vladimir Putin" in p for p in people) and any("Trump" in p for p in people)
        assert page.locator("a.ent[data-label=GPE]").count() > 0
        removed = page.locator("del.removed")
        assert removed.count() >= 1
        assert "Read also" in removed.first.inner_text()
        assert removed.first.get_attribute("data-rule") == "read-also"
        assert page.locator("span.rule").first.inner_text() == "read-also"
        # Struck through as a person sees it, not only marked up.
        assert "line-through" in removed.first.evaluate(
            "e => getComputedStyle(e).textDecorationLine"
        )
        assert page.get_by_role("heading", name="Quality").is_visible()
        screenshot(page, f"ui-article-{_tag(backend)}")
        page.locator("a.ent[data-label=PERSON]", has_text="Vladimir Putin").first.click()
        page.wait_for_url("**/ui/entities/**")
        assert "Vladimir Putin" in page.locator("h1").inner_text()
        assert "Putin warns Trump" in page.locator("li.result").first.inner_text()
        screenshot(page, f"ui-entity-{_tag(backend)}")
        page.goto(f"{base}/ui/articles/999999")
        assert "No article 999999" in page.content()
    finally:
        page.close()


def test_read_key_form_when_keys_are_set(
    browser: Any, site: tuple[Stack, str, dict[str, int]], backend: Backend, log_dir: Path
) -> None:
    port = free_port()
    api = start_service(backend, log_dir, "api", port, WIREFEED_READ_KEYS=READ_KEY)
    base = f"http://127.0.0.1:{port}"
    context = browser.new_context()
    page = context.new_page()
    try:
        response = page.goto(f"{base}/ui/")
        assert response is not None and response.status == 401
        page.get_by_label("Read key").fill("wrong-key")
        page.get_by_role("button", name="Open").click()
        assert "not accepted" in page.locator(".error").inner_text()
        page.get_by_label("Read key").fill(READ_KEY)
        page.get_by_role("button", name="Open").click()
        page.wait_for_selector("li.result")
        assert page.locator("li.result").count() == 3
        cookie = next(c for c in context.cookies() if c["name"] == "wirefeed_read_key")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        screenshot(page, f"ui-after-login-{_tag(backend)}")
        assert page.request.get(f"{base}/v1/articles").status == 401  # the API still wants it
    finally:
        context.close()
        api.stop()
