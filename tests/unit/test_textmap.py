"""TextMap: every rewrite keeps each character's origin in the submitted text."""

from __future__ import annotations

import re

from services.enrich.pipeline.clean import clean_text
from services.enrich.pipeline.textmap import TextMap


def test_identity_maps_each_character_to_itself() -> None:
    text = TextMap.identity("abc")
    assert text.raw_span(0, 3) == (0, 3)
    assert text.raw_span(1, 2) == (1, 2)


def test_substitution_maps_replacement_to_the_whole_match() -> None:
    text = TextMap.identity("a&amp;b").sub(re.compile("&amp;"), lambda _: "&")
    assert text.text == "a&b"
    assert text.raw_span(1, 2) == (1, 6)
    assert text.raw_span(2, 3) == (6, 7)


def test_deletion_keeps_neighbours_in_place() -> None:
    text = TextMap.identity("a\u200bb").sub(re.compile("\u200b"), lambda _: "")
    assert text.text == "ab"
    assert text.raw_span(0, 2) == (0, 3)
    assert text.raw_span(1, 2) == (2, 3)


def test_unchanged_text_is_returned_as_is() -> None:
    text = TextMap.identity("plain")
    assert text.sub(re.compile("x"), lambda _: "y") is text


def test_keep_selects_spans_in_order() -> None:
    text = TextMap.identity("one\ntwo\nthree").keep([(0, 4), (8, 13)])
    assert text.text == "one\nthree"
    assert text.raw_span(4, 9) == (8, 13)


def test_empty_span_has_a_position() -> None:
    text = TextMap.identity("abc")
    assert text.raw_span(1, 1) == (1, 1)
    assert text.raw_span(3, 3) == (3, 3)


def test_clean_text_maps_back_through_every_step() -> None:
    raw = "\ufeff  Caf&eacute;\u00a0 owner\r\n\r\nsaid   &quot;yes&quot;  "
    cleaned = clean_text(TextMap.identity(raw))
    assert cleaned.text == 'Café owner\nsaid "yes"'
    start = cleaned.text.index("Café")
    assert raw[slice(*cleaned.raw_span(start, start + 4))] == "Caf&eacute;"
    quote = cleaned.text.index('"yes"')
    assert raw[slice(*cleaned.raw_span(quote, quote + 5))] == "&quot;yes&quot;"
