"""Invisible characters leave the clean text as audited removals; full-width letters and digits
become the ones a reader sees; every offset still points into the submitted text."""

from __future__ import annotations

import pytest

from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich
from services.enrich.pipeline.clean import clean
from services.enrich.pipeline.document import Removal
from services.enrich.pipeline.textmap import TextMap


def _clean(raw: str) -> tuple[str, list[Removal]]:
    cleaned = clean(TextMap.identity(raw))
    return cleaned.text.text, cleaned.removals


@pytest.mark.parametrize(
    ("raw", "text", "rules"),
    [
        ("Ang\u200bela Merkel", "Angela Merkel", ["zero-width"]),
        ("\ufeffBerlin", "Berlin", ["zero-width"]),
        ("Mer\u2060kel", "Merkel", ["zero-width"]),
        ("\u202aLisbon\u202c is \u2067far\u2069", "Lisbon is far", ["bidi-control"] * 4),
        ("left\u200e\u200fright", "leftright", ["bidi-control"]),
        ("Mer\u00adkel", "Merkel", ["soft-hyphen"]),
        ("bell\x07 and\x1b escape", "bell and escape", ["control-character"] * 2),
        ("a\U000e0001b", "ab", ["format-character"]),  # LANGUAGE TAG
        ("x\u200b\u200ey", "xy", ["zero-width", "bidi-control"]),
        ("Mary\u200dJones", "MaryJones", ["zero-width"]),  # a joiner between Latin letters
    ],
)
def test_invisible_characters_are_removed_with_their_rule_and_span(
    raw: str, text: str, rules: list[str]
) -> None:
    cleaned, removals = _clean(raw)
    assert cleaned == text
    assert [r.rule for r in removals] == rules
    for removal in removals:
        assert raw[removal.raw_start : removal.raw_end] == removal.text
        assert removal.text and not removal.text.isprintable()


@pytest.mark.parametrize(
    "raw",
    [
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian: the non-joiner shapes it
        "\u0915\u094d\u200d\u0937",  # Devanagari half form
        "\U0001f469\u200d\U0001f4bb coder",  # woman technologist emoji
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f flag",
        "\u0600\u0661\u0662 number sign",  # a visible format character
    ],
)
def test_what_changes_how_the_text_looks_stays(raw: str) -> None:
    cleaned, removals = _clean(raw)
    assert cleaned == raw and removals == []


def test_an_escaped_invisible_character_points_at_its_entity() -> None:
    raw = "Ang&#8203;ela &amp; Co"
    cleaned, [removal] = _clean(raw)
    assert cleaned == "Angela & Co"
    assert (removal.rule, removal.text) == ("zero-width", "\u200b")
    assert raw[removal.raw_start : removal.raw_end] == "&#8203;"


def test_full_width_letters_and_digits_read_as_ascii_with_exact_offsets() -> None:
    raw = "Ｍａｒｉａ Ｓｉｌｖａ， ２０２４年"
    cleaned = clean(TextMap.identity(raw)).text
    assert cleaned.text == "Maria Silva， 2024年"  # CJK punctuation and ideographs stay
    for index, char in enumerate(cleaned.text):
        start, end = cleaned.raw_span(index, index + 1)
        assert (start, end) == (index, index + 1)
        assert raw[start] == char or ord(raw[start]) - 0xFEE0 == ord(char)


def test_hidden_names_are_found_and_the_audit_adds_up(pipeline_config: PipelineConfig) -> None:
    raw = (
        "\u202aＴｈｅ\u202c council in \u2067Ｌｉｓｂｏｎ\u2069 met on Monday.\n"
        "Ｍａｒｉａ\u200b Ｓｉｌｖａ, the finance minister, told reporters in Lis\u200bbon that "
        "Siem\u00adens would invest.\n"
    )
    enriched = enrich(SubmittedDocument(text=raw), pipeline_config)
    assert "\u200b" not in enriched.clean_text and "\u202a" not in enriched.clean_text
    names = {e.name for e in enriched.entities}
    assert {"Maria Silva", "Lisbon"} <= names, names
    lisbon = next(e for e in enriched.entities if e.name == "Lisbon")
    assert lisbon.count == 2
    for m in (m for e in enriched.entities for m in e.mentions):
        assert enriched.clean_text[m.start : m.end] == m.text
    assert enriched.removals == sorted(enriched.removals, key=lambda r: r.raw_start)
    for removal in enriched.removals:
        assert raw[removal.raw_start : removal.raw_end] == removal.text
    assert enriched.stats["removed_invisible"] == 7
    assert enriched.stats["removed_lines"] == 0
