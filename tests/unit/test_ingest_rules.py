"""Pure parts of the ingest side: de-duplication keys, JSON/NDJSON parsing, cursors."""

from __future__ import annotations

import pytest

from services.api.cursor import decode_cursor, encode_cursor
from services.ingest.body import MAX_JSON_DEPTH, LineError, parse_json, parse_ndjson
from services.ingest.store import dedupe_key
from shared.errors import Rejected
from shared.schemas import ArticleIn


def test_external_id_identifies_an_article_within_its_source() -> None:
    a = ArticleIn(text="one", source="s", external_id="1")
    assert dedupe_key(a) == dedupe_key(ArticleIn(text="two", source="s", external_id="1"))
    assert dedupe_key(a) != dedupe_key(ArticleIn(text="one", source="t", external_id="1"))


def test_without_external_id_the_content_identifies_it_whitespace_aside() -> None:
    a = ArticleIn(text="Rain in  Oslo.\n")
    assert dedupe_key(a) == dedupe_key(ArticleIn(text=" Rain in Oslo."))
    b = ArticleIn(text="Rain in  Oslo.\n", source="wire")
    assert dedupe_key(b) == dedupe_key(ArticleIn(text=" Rain in Oslo.", source="wire"))
    # Within one source only: another publisher's copy is an article of its own.
    assert dedupe_key(b) != dedupe_key(ArticleIn(text=" Rain in Oslo.", source="other"))
    assert dedupe_key(b) != dedupe_key(a)
    assert dedupe_key(a) != dedupe_key(ArticleIn(text="Rain in Bergen."))
    assert dedupe_key(a) != dedupe_key(ArticleIn(html="Rain in Oslo."))


def test_deep_json_is_refused_before_validation() -> None:
    deep = b"[" * (MAX_JSON_DEPTH + 5) + b"]" * (MAX_JSON_DEPTH + 5)
    with pytest.raises(Rejected) as refused:
        parse_json(deep)
    assert refused.value.status == 422
    assert "nested deeper" in str(refused.value.detail)


def test_ndjson_keeps_bad_lines_as_errors_in_place() -> None:
    items = parse_ndjson(b'{"text": "a"}\n\n[1,\n{"text": "b"}\n')
    assert items[0] == {"text": "a"}
    assert isinstance(items[1], LineError) and "line 3" in items[1].message
    assert items[2] == {"text": "b"}


def test_cursor_round_trip_and_tampering() -> None:
    assert decode_cursor(encode_cursor(42, 7), arity=2) == [42, 7]
    for bad in ("", "!!!", encode_cursor(1), encode_cursor(1, 2, 3), "W3RydWVd"):
        with pytest.raises(Rejected) as refused:
            decode_cursor(bad, arity=2)
        assert (refused.value.status, refused.value.field) == (422, "cursor")
