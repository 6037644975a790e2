"""Every rejection is a 4xx naming the problem, and leaves nothing behind in the store."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from shared.models import Article
from tests.support.stack import Stack


def _count(stack: Stack) -> int:
    with Session(stack.engine) as session:
        return session.exec(select(func.count()).select_from(Article)).one()


INVALID: list[tuple[str, Any, str]] = [
    ("no body", {"title": "x"}, "exactly one of 'text' or 'html'"),
    ("both bodies", {"text": "a", "html": "<p>a</p>"}, "exactly one of 'text' or 'html'"),
    ("empty text", {"text": ""}, "empty"),
    ("blank text", {"text": "   \n\t "}, "empty"),
    ("text not a string", {"text": 42}, "text"),
    ("unknown field", {"text": "a", "colour": "red"}, "colour"),
    ("bad url", {"text": "a", "url": "not a url"}, "url"),
    ("naive date", {"text": "a", "published_at": "2025-06-04T12:00:00"}, "published_at"),
    ("bad date", {"text": "a", "published_at": "yesterday"}, "published_at"),
    ("bad language", {"text": "a", "language": "english!"}, "language"),
    ("NUL in text", {"text": "a\x00b"}, "NUL"),
    ("empty external id", {"text": "a", "external_id": ""}, "external_id"),
    ("array for single", [{"text": "a"}], "object"),
]


@pytest.mark.parametrize(("case", "body", "needle"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_article_is_422_naming_the_problem(
    stack: Stack, case: str, body: Any, needle: str
) -> None:
    response = stack.ingest.post("/v1/articles", json=body)
    assert response.status_code == 422, response.text
    assert needle.lower() in response.text.lower()
    assert _count(stack) == 0


def test_malformed_json_is_422(stack: Stack) -> None:
    response = stack.ingest.post(
        "/v1/articles", content=b'{"text": "a"', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["detail"]
    assert _count(stack) == 0


def test_wrong_content_type_is_415(stack: Stack) -> None:
    response = stack.ingest.post(
        "/v1/articles",
        content=b"text=a",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


def test_body_over_the_limit_is_413(backend, worker, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.support.stack import reset_store, running_stack

    with running_stack(backend, monkeypatch, WIREFEED_MAX_BODY_BYTES="1000") as stack:
        reset_store(stack.engine)
        response = stack.ingest.post("/v1/articles", json={"text": "word " * 400})
        assert response.status_code == 413
        assert "1000 bytes" in response.json()["detail"]
        assert _count(stack) == 0


def test_html_has_its_own_size_limit_apart_from_the_text_limit(
    backend, worker, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from tests.support.stack import reset_store, running_stack

    limits = {"WIREFEED_MAX_HTML_BYTES": "3000", "WIREFEED_MAX_ARTICLE_CHARS": "1000"}
    paragraph = "<p>" + "Rain fell on Lisbon on Monday, the weather agency said. " * 4 + "</p>"
    page = f"<html><body><article>{paragraph * 6}</article></body></html>"
    assert 1000 < len(page) < 3000  # over the text limit, under the HTML one
    with running_stack(backend, monkeypatch, **limits) as stack:
        reset_store(stack.engine)
        accepted = stack.ingest.post("/v1/articles", json={"html": page})
        assert accepted.status_code == 202, accepted.text

        too_big = page.replace("</article>", paragraph * 8 + "</article>")
        refused = stack.ingest.post("/v1/articles", json={"html": too_big})
        assert refused.status_code == 413
        detail = refused.json()["detail"]
        assert "'html'" in detail and "3000 bytes" in detail and "WIREFEED_MAX_HTML_BYTES" in detail

        batch = stack.ingest.post("/v1/articles/batch", json=[{"html": too_big}, {"html": page}])
        assert batch.status_code == 207
        items = batch.json()["items"]
        assert not items[0]["ok"] and "WIREFEED_MAX_HTML_BYTES" in items[0]["error"]
        assert items[1]["ok"]

        text = stack.ingest.post("/v1/articles", json={"text": "word " * 300})
        assert text.status_code == 413 and "1000" in text.json()["detail"]
        assert _count(stack) == 1  # the same page twice is one article
        assert stack.wait_final(accepted.json()["id"])["status"] == "enriched"


def test_batch_with_a_bad_item_keeps_the_good_ones(stack: Stack) -> None:
    batch = [
        {"text": "Paris welcomed the delegates on Monday.", "external_id": "b1", "source": "t"},
        {"text": ""},
        {"text": "Rome closed its museums for the holiday.", "external_id": "b2", "source": "t"},
        {"text": "Paris welcomed the delegates on Monday.", "external_id": "b1", "source": "t"},
        {"html": 5},
    ]
    response = stack.ingest.post("/v1/articles/batch", json=batch)
    assert response.status_code == 207, response.text
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 1, 2)
    items = body["items"]
    assert [i["ok"] for i in items] == [True, False, True, True, False]
    assert items[1]["errors"][0]["loc"] == ["text"]
    assert items[3]["result"]["id"] == items[0]["result"]["id"]
    assert items[3]["result"]["duplicate"] is True
    assert _count(stack) == 2
    for item in (items[0], items[2]):
        assert stack.wait_final(item["result"]["id"])["status"] == "enriched"


def test_ndjson_batch_reports_the_bad_line(stack: Stack) -> None:
    body = b'{"text": "Oslo voted on Sunday."}\n{not json}\n\n{"text": "Lima voted too."}\n'
    response = stack.ingest.post(
        "/v1/articles/batch", content=body, headers={"content-type": "application/x-ndjson"}
    )
    assert response.status_code == 207, response.text
    items = response.json()["items"]
    assert [i["ok"] for i in items] == [True, False, True]
    assert "line 2" in items[1]["error"]


def test_batch_of_only_bad_items_is_422_and_stores_nothing(stack: Stack) -> None:
    response = stack.ingest.post("/v1/articles/batch", json=[{"text": ""}, {"nope": 1}])
    assert response.status_code == 422
    assert len(response.json()["detail"]) == 2
    assert _count(stack) == 0


def test_batch_must_be_an_array(stack: Stack) -> None:
    response = stack.ingest.post("/v1/articles/batch", json={"text": "a"})
    assert response.status_code == 422
    assert "array" in response.json()["detail"]


def test_read_api_rejects_bad_parameters(stack: Stack) -> None:
    assert stack.api.get("/v1/articles/999999").status_code == 404
    bad = [
        ("/v1/articles", {"cursor": "garbage!"}, "cursor"),
        ("/v1/articles", {"limit": 0}, "limit"),
        ("/v1/articles", {"limit": 100000}, "limit"),
        ("/v1/articles", {"status": "done"}, "status"),
        ("/v1/articles", {"entity_type": "person; DROP TABLE article"}, "entity_type"),
        ("/v1/feed", {"after": "-1"}, "after"),
        ("/v1/entities", {"cursor": "eyJ"}, "cursor"),
    ]
    for path, params, needle in bad:
        response = stack.api.get(path, params=params)
        assert response.status_code == 422, (path, params, response.text)
        assert needle in response.text
