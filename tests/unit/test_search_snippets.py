"""The PostgreSQL search excerpt cut in Python (services/api/snippets.py). Pure: the lexemes are
written as PostgreSQL's websearch_to_tsquery('english', ...) prints them; that the words marked
are those ts_headline marks is checked on a real PostgreSQL (integration/test_consumer_reads)."""

from __future__ import annotations

import re

from services.api.search import to_html_snippet
from services.api.snippets import (
    FRAGMENT_DELIMITER,
    MAX_WORDS,
    MIN_WORDS,
    START,
    STOP,
    Highlighter,
    query_lexemes,
)

FILLER = " ".join(f"filler{i}" for i in range(200))


def _marked(snippet: str) -> list[str]:
    return re.findall(f"{START}(.*?){STOP}", snippet)


def _words(snippet: str) -> int:
    return len(snippet.replace(START, "").replace(STOP, "").split())


def test_lexemes_come_from_the_tsquery_text() -> None:
    assert query_lexemes("'prime' <-> 'minist'") == {"prime", "minist"}
    assert query_lexemes("'glacier' | 'vaccin' & !'opinion'") == {"glacier", "vaccin", "opinion"}
    assert query_lexemes("'o''brien' & 'covid-19'") == {"o'brien", "covid-19"}
    assert query_lexemes("") == frozenset()


def test_stemmed_forms_are_marked_and_others_are_not() -> None:
    highlighter = Highlighter(query_lexemes("'minist' | 'die' | 'abil'"))
    text = "Ministers met the minister's aides; the ministry, a mini bus. Dying: abilities."
    # "ministry" stems to ministri: not the same word for PostgreSQL either.
    assert _marked(highlighter.snippet(text)) == ["Ministers", "minister", "Dying", "abilities"]


def test_lexemes_with_other_characters_match_whole() -> None:
    highlighter = Highlighter(query_lexemes("'3.5' & 'covid-19'"))
    assert _marked(highlighter.snippet("Rates rose 3.5 per cent; covid-19 cases, 3.55 not.")) == [
        "3.5",
        "covid-19",
    ]


def test_one_window_of_max_words_around_a_single_hit() -> None:
    text = f"{FILLER} Lagarde spoke. {FILLER}"
    snippet = Highlighter(query_lexemes("'lagard'")).snippet(text)
    assert _marked(snippet) == ["Lagarde"]
    assert FRAGMENT_DELIMITER not in snippet
    assert _words(snippet) == MAX_WORDS
    before, _, after = snippet.partition(START)
    assert abs(len(before.split()) - len(after.split())) <= 2  # the hit in the middle


def test_two_fragments_in_text_order_the_best_window_first_chosen() -> None:
    text = f"rates {FILLER} interest rates {FILLER} rates rates {FILLER} rates"
    snippet = Highlighter(query_lexemes("'interest' | 'rate'")).snippet(text)
    fragments = snippet.split(FRAGMENT_DELIMITER)
    assert len(fragments) == 2
    # Both words beat a window with one word twice; the second fragment is the next best.
    assert _marked(fragments[0]) == ["interest", "rates"]
    assert _marked(fragments[1]) == ["rates", "rates"]
    assert all(_words(f) == MAX_WORDS for f in fragments)


def test_without_a_hit_in_the_text_the_first_words() -> None:
    snippet = Highlighter(query_lexemes("'harbour'")).snippet(FILLER)
    assert snippet == " ".join(FILLER.split()[:MIN_WORDS])
    assert Highlighter(frozenset()).snippet("short text") == "short text"


def test_short_text_whole_and_whitespace_folded() -> None:
    snippet = Highlighter(query_lexemes("'harbour'")).snippet("The\n\nharbour  reopened.\n")
    assert snippet == f"The {START}harbour{STOP} reopened."


def test_html_is_escaped_before_the_marks() -> None:
    snippet = Highlighter(query_lexemes("'tag'")).snippet("<b>tags</b> & <script>")
    assert to_html_snippet(snippet) == "&lt;b&gt;<mark>tags</mark>&lt;/b&gt; &amp; &lt;script&gt;"


def test_a_signed_number_lexeme_may_follow_a_letter() -> None:
    highlighter = Highlighter(query_lexemes("'covid' <-> '-19'"))
    assert _marked(highlighter.snippet("The covid-19 wave")) == ["covid", "-19"]


def test_a_letter_whose_lower_case_is_longer_keeps_the_offsets() -> None:
    """`"İ".lower()` is two characters: the hits are then found word by word in the text."""
    highlighter = Highlighter(query_lexemes("'minist'"))
    assert _marked(highlighter.snippet("İstanbul: the ministers met.")) == ["ministers"]


def test_starts_found_by_find_are_those_the_alternation_finds() -> None:
    """hits() looks for word-like lexemes' starts with str.find; the spans must be the
    alternation's: each start run on to its word's end, none inside an earlier span."""
    highlighter = Highlighter(query_lexemes("'prime' <-> 'minist' | 'mini'"))
    assert highlighter._candidates is not None
    text = (
        "primeminister, a comprised ministry; mini-ministers priced prime ministers out. "
        "PRIMATES primed mini minis_ministers"
    ).lower()
    expected = [m.span() for m in highlighter._candidates.finditer(text)]
    assert highlighter._spans_of_starts(text) == expected
    assert (0, 13) in expected  # one word, though two starts stand in it
    # "ministry" stems to ministri, "primates" to primat: no hits.
    assert [text[a:b] for a, b in highlighter.hits(text)] == [
        "mini",
        "ministers",
        "prime",
        "ministers",
        "primed",
        "mini",
    ]
