"""The read API over real enriched records: filters, aliases, pagination, entity counts."""

from __future__ import annotations

from tests.support.stack import Stack

ARTICLES = [
    {
        "text": "Vladimir Putin met officials in Moscow on Monday.\nPutin said talks would go on.",
        "source": "wire",
        "external_id": "r1",
        "published_at": "2025-06-01T10:00:00Z",
    },
    {
        "text": "The U.S. and Britain issued a joint statement on trade.\n"
        "Officials in Washington said more talks were planned.",
        "source": "wire",
        "external_id": "r2",
        "published_at": "2025-06-02T10:00:00Z",
    },
    {
        "text": "Shares in Toyota rose in Tokyo after the United States cut tariffs.",
        "source": "markets",
        "external_id": "r3",
        "published_at": "2025-06-03T10:00:00Z",
    },
    {
        "text": "In Kiev, residents cleared debris after overnight strikes.",
        "source": "wire",
        "external_id": "r4",
        "published_at": "2025-06-04T10:00:00Z",
    },
]


def _load(stack: Stack) -> list[int]:
    ids = [stack.post(a)["id"] for a in ARTICLES]
    for article_id in ids:
        assert stack.wait_final(article_id)["status"] == "enriched"
    return ids


def _ids(stack: Stack, **params: object) -> list[int]:
    response = stack.api.get("/v1/articles", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_entity_filter_resolves_aliases_and_surface_forms(stack: Stack) -> None:
    putin, usa, toyota, kyiv = _load(stack)
    assert _ids(stack, entity="Vladimir Putin") == [putin]
    assert _ids(stack, entity="putin") == [putin]  # a surface form seen in an article
    assert _ids(stack, entity="United States") == [toyota, usa]  # "U.S." and "United States"
    assert _ids(stack, entity="USA") == [toyota, usa]  # an alias from the alias table
    assert _ids(stack, entity="Kyiv") == [kyiv]  # the article says "Kiev"
    assert _ids(stack, entity="Kiev") == [kyiv]
    assert _ids(stack, entity="Putin", entity_type="GPE") == []
    assert _ids(stack, entity="Nobody Atall") == []


def test_other_filters_and_newest_first(stack: Stack) -> None:
    putin, usa, toyota, kyiv = _load(stack)
    assert _ids(stack) == [kyiv, toyota, usa, putin]
    assert _ids(stack, source="markets") == [toyota]
    assert _ids(stack, status="enriched", source="wire") == [kyiv, usa, putin]
    assert _ids(stack, status="failed") == []
    assert _ids(
        stack, published_from="2025-06-02T00:00:00Z", published_to="2025-06-04T00:00:00Z"
    ) == [toyota, usa]
    assert putin in _ids(stack, entity_type="PERSON")
    assert _ids(stack, entity="Putin", about=True) == [putin]


def test_cursor_pagination_walks_every_article_once(stack: Stack) -> None:
    ids = _load(stack)
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = stack.api.get("/v1/articles", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)


def test_entities_listing_counts_articles(stack: Stack) -> None:
    _load(stack)
    places = stack.api.get("/v1/entities", params={"type": "GPE", "limit": 100}).json()["items"]
    by_name = {e["name"]: e for e in places}
    assert by_name["United States"]["article_count"] == 2
    assert {"u.s.", "united states"} <= set(by_name["United States"]["aliases"])
    assert by_name["Kyiv"]["article_count"] == 1
    counts = [e["article_count"] for e in places]
    assert counts == sorted(counts, reverse=True)
    first = stack.api.get("/v1/entities", params={"type": "GPE", "limit": 2}).json()
    second = stack.api.get(
        "/v1/entities", params={"type": "GPE", "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert {e["id"] for e in first["items"]}.isdisjoint({e["id"] for e in second["items"]})
    person = stack.api.get("/v1/entities", params={"name": "Putin"}).json()["items"]
    assert [e["name"] for e in person] == ["Vladimir Putin"]


def test_failed_article_shows_its_error(stack: Stack) -> None:
    page = "<html><body><script>var x = 1;</script></body></html>"
    record = stack.wait_final(stack.post({"html": page})["id"])
    assert record["status"] == "failed"
    assert "no article text could be extracted" in record["error"]
    listed = stack.api.get("/v1/articles", params={"status": "failed"}).json()["items"]
    assert [a["error"] for a in listed] == [record["error"]]
