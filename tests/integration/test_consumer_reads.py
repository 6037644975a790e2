"""Slim, fast reads for consumers (issue 9 item 3) and full-text search (item 1), on both store
pairs. One store is loaded per backend and shared by the module's tests, which only read."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import text

from services.api.snippets import START, STOP, Highlighter, query_lexemes
from tests.support.processes import Proc, wait_until
from tests.support.services import Backend
from tests.support.stack import Stack, reset_store, running_stack

SEED = (Path(__file__).parents[2] / "seeds" / "000_f0d86fc9665b4378.txt").read_text()
PAGE = (
    "<html><head><title>Harbour reopens</title>"
    '<link rel="canonical" href="https://news.example/harbour"></head><body><article>'
    "<h1>Harbour reopens</h1><p>The port of Rotterdam reopened on Tuesday after the storm, "
    "officials in the Netherlands said.</p><p>Shipping companies including Maersk resumed "
    "loading containers at the harbour within hours.</p></article></body></html>"
)
ARTICLES: dict[str, dict[str, Any]] = {
    "seed": {"text": SEED, "source": "seeds", "external_id": "seed"},
    "rates": {
        "text": "The European Central Bank kept interest rates unchanged on Thursday.\n"
        "Christine Lagarde said inflation was easing across the euro area.",
        "source": "wire",
        "external_id": "r1",
        "language": "en",
    },
    "inflation": {
        "text": "Inflation in Japan slowed in May, data showed.\n"
        "The Bank of Japan said interest rates would stay low for now.",
        "source": "wire",
        "external_id": "r2",
    },
    "opinion": {
        "text": "Opinion: interest rates are too high and inflation is not the enemy.\n"
        "Households in Britain feel the squeeze.",
        "source": "columns",
        "external_id": "c1",
    },
    "page": {"html": PAGE, "source": "wire", "external_id": "h1"},
    "german": {
        "text": "Die Bundesregierung hat am Mittwoch den Haushalt für das kommende Jahr "
        "beschlossen. Der Finanzminister sprach von einem schwierigen Kompromiss.",
        "source": "dpa",
        "external_id": "d1",
    },
}


@pytest.fixture(scope="module")
def loaded(backend: Backend, worker: Proc) -> Iterator[tuple[Stack, dict[str, int]]]:
    with pytest.MonkeyPatch.context() as monkeypatch, running_stack(backend, monkeypatch) as s:
        reset_store(s.engine)
        backend.flush_broker()
        ids = {name: s.post(article)["id"] for name, article in ARTICLES.items()}
        for article_id in ids.values():
            assert s.wait_final(article_id)["status"] == "enriched"
        yield s, ids


def _get(stack: Stack, path: str, **params: Any) -> Any:
    response = stack.api.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


# ---- slim records -------------------------------------------------------------------------


def test_default_record_is_slim_and_include_adds_the_heavy_parts(
    loaded: tuple[Stack, dict[str, int]],
) -> None:
    stack, ids = loaded
    slim = _get(stack, f"/v1/articles/{ids['page']}")
    assert "raw" not in slim and "source_text" not in slim
    assert "The port of Rotterdam" in slim["clean_text"]
    assert slim["entities"] and all("mentions" not in e for e in slim["entities"])
    assert {"removals", "metadata", "quality", "stats", "credits"} <= set(slim)
    full = _get(stack, f"/v1/articles/{ids['page']}", include="raw,source_text,mentions")
    assert full["raw"] == PAGE
    assert "Rotterdam" in full["source_text"] and "<p>" not in full["source_text"]
    assert all(e["mentions"] for e in full["entities"])
    mention = full["entities"][0]["mentions"][0]
    assert full["clean_text"][mention["start"] : mention["end"]] == mention["text"]
    only_mentions = _get(stack, f"/v1/articles/{ids['page']}", include="MENTIONS")
    assert "raw" not in only_mentions and only_mentions["entities"][0]["mentions"]


def test_seed_record_is_under_three_times_its_text_and_entities(
    loaded: tuple[Stack, dict[str, int]],
) -> None:
    """The problem: a 5 KB article gave a 30 KB record."""
    stack, ids = loaded
    body = stack.api.get(f"/v1/articles/{ids['seed']}").content
    record = orjson.loads(body)
    essentials = len(record["clean_text"].encode()) + len(orjson.dumps(record["entities"]))
    ratio = len(body) / essentials
    print(f"seed record {len(body)} bytes; clean text + entities {essentials} bytes; {ratio:.2f}x")
    assert ratio < 3, (len(body), essentials)


def test_fields_selects_top_level_fields(loaded: tuple[Stack, dict[str, int]]) -> None:
    stack, ids = loaded
    assert _get(stack, f"/v1/articles/{ids['rates']}", fields="id,title,language") == {
        "id": ids["rates"],
        "title": None,
        "language": "en",
    }
    bad = stack.api.get(f"/v1/articles/{ids['rates']}", params={"fields": "id,body"})
    assert bad.status_code == 422
    assert "'body'" in bad.json()["detail"] and "clean_text" in bad.json()["detail"]
    bad = stack.api.get(f"/v1/articles/{ids['rates']}", params={"include": "html"})
    assert bad.status_code == 422
    assert "'include'" in bad.json()["detail"] and "source_text" in bad.json()["detail"]


def test_gzip_when_asked_for_and_over_one_kilobyte(loaded: tuple[Stack, dict[str, int]]) -> None:
    stack, ids = loaded
    big = stack.api.get(f"/v1/articles/{ids['seed']}", headers={"Accept-Encoding": "gzip"})
    assert big.headers["content-encoding"] == "gzip"
    assert int(big.headers["content-length"]) < len(big.content)  # decoded by the client
    raw = stack.api.build_request(
        "GET", f"/v1/articles/{ids['seed']}", headers={"Accept-Encoding": "gzip"}
    )
    streamed = stack.api.send(raw, stream=True)
    compressed = b"".join(streamed.iter_raw())
    assert orjson.loads(gzip.decompress(compressed))["id"] == ids["seed"]
    plain = stack.api.get(f"/v1/articles/{ids['seed']}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    small = stack.api.get(
        f"/v1/articles/{ids['rates']}",
        params={"fields": "id"},
        headers={"Accept-Encoding": "gzip"},
    )
    assert "content-encoding" not in small.headers


def test_etag_and_304_on_article_and_entity(loaded: tuple[Stack, dict[str, int]]) -> None:
    stack, ids = loaded
    first = stack.api.get(f"/v1/articles/{ids['rates']}")
    tag = first.headers["etag"]
    again = stack.api.get(f"/v1/articles/{ids['rates']}", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.headers["etag"] == tag and again.content == b""
    other = stack.api.get(
        f"/v1/articles/{ids['rates']}", params={"include": "raw"}, headers={"If-None-Match": tag}
    )
    assert other.status_code == 200  # a different representation, a different tag
    entity_id = first.json()["entities"][0]["id"]
    entity = stack.api.get(f"/v1/entities/{entity_id}")
    cached = stack.api.get(
        f"/v1/entities/{entity_id}", headers={"If-None-Match": entity.headers["etag"]}
    )
    assert cached.status_code == 304


def test_unknown_parameters_and_bad_enums_answer_422(loaded: tuple[Stack, dict[str, int]]) -> None:
    """The problems: `since=` silently ignored; `type=person` failing."""
    stack, _ = loaded
    for path, params in [
        ("/v1/articles", {"since": "2025-01-01"}),
        ("/v1/feed", {"after": "0", "entity_typ": "PERSON"}),
        ("/v1/entities", {"kind": "PERSON"}),
    ]:
        response = stack.api.get(path, params=params)
        assert response.status_code == 422, (path, response.text)
        detail = response.json()["detail"]
        unknown = next(k for k in params if k not in ("after",))
        assert repr(unknown) in detail and "limit" in detail
    people = _get(stack, "/v1/entities", type="person")["items"]
    assert people and {e["label"] for e in people} == {"PERSON"}
    assert _get(stack, "/v1/articles", entity_type="Person", status="ENRICHED")["items"]
    wrong = stack.api.get("/v1/entities", params={"type": "persn"})
    assert wrong.status_code == 422
    text_ = str(wrong.json()["detail"])
    assert "type" in text_ and "PERSON" in text_ and "GPE" in text_


def test_entity_detail_and_sources(loaded: tuple[Stack, dict[str, int]]) -> None:
    stack, ids = loaded
    putin = _get(stack, "/v1/entities", name="Putin")["items"][0]
    detail = _get(stack, f"/v1/entities/{putin['id']}")
    assert detail["name"] == "Vladimir Putin" and detail["label"] == "PERSON"
    assert "putin" in detail["aliases"] and detail["article_count"] == 1
    assert [a["id"] for a in detail["recent_articles"]] == [ids["seed"]]
    assert stack.api.get("/v1/entities/999999").status_code == 404
    sources = {s["source"]: s for s in _get(stack, "/v1/sources")["items"]}
    assert sources["wire"]["articles"] == 3 and sources["wire"]["enriched"] == 3
    assert sources["seeds"]["articles"] == 1 and sources["dpa"]["last_enriched_at"]


def test_language_and_enriched_since_filters(loaded: tuple[Stack, dict[str, int]]) -> None:
    stack, ids = loaded
    german = [a["id"] for a in _get(stack, "/v1/articles", language="de")["items"]]
    assert german == [ids["german"]]
    assert ids["rates"] in [a["id"] for a in _get(stack, "/v1/articles", language="EN")["items"]]
    stamps = sorted((_get(stack, f"/v1/articles/{i}")["enriched_at"], i) for i in ids.values())
    since = stamps[-2][0]
    found = {a["id"] for a in _get(stack, "/v1/articles", enriched_since=since)["items"]}
    assert found == {i for stamp, i in stamps if stamp >= since}
    assert len(found) < len(ids)


# ---- full-text search ---------------------------------------------------------------------


def _search(stack: Stack, **params: Any) -> list[int]:
    return [a["id"] for a in _get(stack, "/v1/articles", **params)["items"]]


def test_search_websearch_syntax(loaded: tuple[Stack, dict[str, int]]) -> None:
    """The problem: `q=WeWork` answered 200 with every article."""
    stack, ids = loaded
    assert _search(stack, q="WeWork") == []
    assert set(_search(stack, q="interest rates")) == {
        ids["rates"],
        ids["inflation"],
        ids["opinion"],
    }
    assert set(_search(stack, q='"interest rates" -opinion')) == {ids["rates"], ids["inflation"]}
    assert set(_search(stack, q="Lagarde OR Maersk")) == {ids["rates"], ids["page"]}
    assert set(_search(stack, q='"unchanged rates"')) == set()  # words there, not in this order
    assert set(_search(stack, q='"kept interest rates"')) == {ids["rates"]}
    assert _search(stack, q="container loading") == [ids["page"]]  # stemmed: "containers"
    assert _search(stack, q="Harbour reopens") == [ids["page"]]  # the title counts too
    assert _search(stack, q='-"') == []  # nothing left to search for: no error, no hits


def test_search_combines_with_filters_sort_and_cursor(loaded: tuple[Stack, dict[str, int]]) -> None:
    stack, ids = loaded
    assert set(_search(stack, q="inflation", source="wire")) == {ids["rates"], ids["inflation"]}
    assert _search(stack, q="inflation", entity="Christine Lagarde") == [ids["rates"]]
    newest = _search(stack, q="interest rates", sort="newest")
    assert newest == sorted(newest, reverse=True)
    assert set(newest) == {ids["rates"], ids["inflation"], ids["opinion"]}
    ranked = _get(stack, "/v1/articles", q="inflation interest")["items"]
    ranks = [a["rank"] for a in ranked]
    assert ranks == sorted(ranks, reverse=True) and all(r > 0 for r in ranks)
    walked: list[int] = []
    cursor = None
    while True:
        page = _get(
            stack,
            "/v1/articles",
            q="interest OR inflation",
            limit=1,
            **({"cursor": cursor} if cursor else {}),
        )
        walked += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == _search(stack, q="interest OR inflation")  # one page, same order
    assert {ids["rates"], ids["inflation"], ids["opinion"]} <= set(walked)
    relevance_without_q = stack.api.get("/v1/articles", params={"sort": "relevance"})
    assert relevance_without_q.status_code == 422


def test_search_snippets_are_highlighted_and_escaped(loaded: tuple[Stack, dict[str, int]]) -> None:
    stack, ids = loaded
    hit = _get(stack, "/v1/articles", q="Lagarde")["items"][0]
    assert hit["id"] == ids["rates"]
    assert "<mark>Lagarde</mark>" in hit["snippet"]
    assert _get(stack, "/v1/articles")["items"][0]["snippet"] is None


def test_search_snippets_mark_stemmed_forms_in_context(
    loaded: tuple[Stack, dict[str, int]],
) -> None:
    stack, ids = loaded
    hit = _get(stack, "/v1/articles", q="container loading")["items"][0]
    assert hit["id"] == ids["page"]
    assert "<mark>loading</mark> <mark>containers</mark>" in hit["snippet"]
    seed = _get(stack, "/v1/articles", q="Putin bombers")["items"][0]
    assert seed["id"] == ids["seed"]
    # FTS5's snippet() also puts the delimiter at a cut start or end.
    fragments = [f for f in seed["snippet"].split(" … ") if f]
    assert 1 <= len(fragments) <= 2
    for fragment in fragments:
        assert "<mark>" in fragment and len(fragment.split()) <= 32


# Queries whose words the Python excerpt must find exactly where ts_headline finds them.
HIGHLIGHT_QUERIES = [
    "Putin",
    "ministers said",
    '"peace talks" OR raids',
    "attacking bombings intensity",
    "forcefully responded",
    "discussions regarding Ukraine's",
    "interest rates",
    "containers loading",
    "Finanzminister",
    "15 minute calls",
    "rates or -inflation",
]


def test_postgres_snippet_marks_the_words_ts_headline_marks(
    loaded: tuple[Stack, dict[str, int]],
) -> None:
    """The PostgreSQL excerpt is cut in Python (services/api/snippets.py), with the Snowball
    stemmer and the query's lexemes from PostgreSQL: over every stored text, the words it marks
    are the ones ts_headline (HighlightAll) marks."""
    stack, _ = loaded
    if stack.engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps FTS5's snippet()")
    marks = re.compile(f"{START}(.*?){STOP}", re.DOTALL)
    options = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
    with stack.engine.connect() as connection:
        texts = connection.execute(text("SELECT clean_text FROM article")).scalars().all()
        assert len(texts) >= len(ARTICLES)
        compared = 0
        for query in HIGHLIGHT_QUERIES:
            tsquery = connection.execute(
                text("SELECT websearch_to_tsquery('english', :q)::text"), {"q": query}
            ).scalar_one()
            highlighter = Highlighter(query_lexemes(tsquery))
            for clean in texts:
                headline = connection.execute(
                    text("SELECT ts_headline('english', :t, CAST(:q AS tsquery), :o)"),
                    {"t": clean, "q": tsquery, "o": options},
                ).scalar_one()
                flat = " ".join(clean.split())
                ours = [flat[a:b] for a, b in highlighter.hits(flat)]
                assert ours == marks.findall(headline), (query, clean[:60])
                compared += len(ours)
        assert compared > 30


def test_search_follows_rewrites_of_the_clean_text(loaded: tuple[Stack, dict[str, int]]) -> None:
    """The index is kept by the database, so a re-enrichment (any write of clean_text) is
    searchable at once and the old words are gone."""
    stack, ids = loaded
    with stack.engine.begin() as connection:
        original = connection.execute(
            text("SELECT clean_text FROM article WHERE id = :i"), {"i": ids["german"]}
        ).scalar_one()
        connection.execute(
            text("UPDATE article SET clean_text = :t WHERE id = :i"),
            {"t": "Zebras crossed the savanna near Nairobi.", "i": ids["german"]},
        )
    try:
        assert _search(stack, q="zebras") == [ids["german"]]
        assert _search(stack, q="Finanzminister") == []
    finally:
        with stack.engine.begin() as connection:
            connection.execute(
                text("UPDATE article SET clean_text = :t WHERE id = :i"),
                {"t": original, "i": ids["german"]},
            )
    assert _search(stack, q="Finanzminister") == [ids["german"]]


def test_search_follows_a_revision_and_a_retraction(loaded: tuple[Stack, dict[str, int]]) -> None:
    """Through the real write paths (main's revisions: the re-enriched latest revision replaces
    clean_text and title), not a hand-written UPDATE. Runs last: it adds one article."""
    stack, _ = loaded
    story = {"source": "corrections", "external_id": "v1"}
    first = stack.post({**story, "text": "Glaciers in the Alps retreated again this summer."})
    assert stack.wait_final(first["id"])["status"] == "enriched"
    assert _search(stack, q="glaciers") == [first["id"]]
    second = stack.post({**story, "text": "Volcanoes in Iceland erupted again this summer."})
    assert (second["id"], second["revision"]) == (first["id"], 2)

    def revised() -> bool:
        record = stack.article(first["id"])
        return bool(record["revision"] == 2 and record["status"] == "enriched")

    wait_until(revised, 60, "revision 2 to be enriched")
    assert _search(stack, q="volcanoes") == [first["id"]]
    assert _search(stack, q="glaciers") == []
    gone = stack.ingest.delete(f"/v1/articles/{first['id']}", params={"reason": "legal"})
    assert gone.status_code == 200, gone.text
    # A tombstone is listed only when asked for, search included.
    assert _search(stack, q="volcanoes") == []
