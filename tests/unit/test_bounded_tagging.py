"""Tagging in bounded pieces: where long paragraphs are cut, that offsets stay exact, that a name
cut by a piece border is read whole, and that propagation finds names in linear time."""

from __future__ import annotations

import re
from typing import Any

import pytest

from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich
from services.enrich.pipeline.entities import RawMention, paragraphs, tag_texts
from services.enrich.pipeline.pieces import MAX_PIECE_CHARS, OVERLAP_CHARS, split_paragraph
from services.enrich.pipeline.propagate import _Surfaces
from tests.support.hostile_shapes import SHAPES

FILLER = "the committee discussed the budget with the teachers and the nurses "


def _covers(paragraph: str, offset: int, pieces: list[Any]) -> None:
    """Pieces read back exactly, cover every non-space character, and stay within the bound."""
    seen = bytearray(len(paragraph))
    for piece in pieces:
        assert len(piece.text) <= MAX_PIECE_CHARS
        local = piece.start - offset
        assert paragraph[local : local + len(piece.text)] == piece.text
        seen[local : local + len(piece.text)] = b"\x01" * len(piece.text)
    assert all(seen[i] or paragraph[i].isspace() for i in range(len(paragraph)))


def test_short_paragraphs_are_one_piece() -> None:
    text = "Angela Merkel met Emmanuel Macron in Berlin. " * 40
    assert [(p.start, p.text, p.seam) for p in split_paragraph(text[:1999], 7)] == [
        (7, text[:1999], None)
    ]


def test_prose_is_cut_after_sentence_ends_without_overlap() -> None:
    text = SHAPES["one-line"].build(20_000)
    pieces = list(split_paragraph(text, 100))
    _covers(text, 100, pieces)
    assert len(pieces) > 10
    for before, after in zip(pieces, pieces[1:], strict=False):
        assert before.text.endswith("."), before.text[-20:]
        assert after.text[:1].isupper() and after.seam is None


def test_text_without_sentences_is_cut_at_spaces_with_an_overlap() -> None:
    text = FILLER * 100
    pieces = list(split_paragraph(text))
    _covers(text, 0, pieces)
    for before, after in zip(pieces, pieces[1:], strict=False):
        assert after.seam == before.end
        assert before.end - OVERLAP_CHARS <= after.start < before.end
        assert text[after.start - 1] == " " and text[before.end] == " "


def test_text_without_spaces_is_cut_hard_at_the_bound() -> None:
    text = SHAPES["no-space"].build(10_000)
    pieces = list(split_paragraph(text))
    _covers(text, 0, pieces)
    assert [len(p.text) for p in pieces[:-1]] == [MAX_PIECE_CHARS] * (len(pieces) - 1)
    assert all(p.seam == p.start + OVERLAP_CHARS for p in pieces[1:])


def test_paragraphs_are_the_non_empty_lines_with_their_offsets() -> None:
    text = "\nfirst line\n\nsecond\n"
    assert list(paragraphs(text)) == [(1, "first line"), (13, "second")]


def _name_across_the_border(name: str) -> tuple[str, int]:
    """A paragraph with no sentence end whose first cut falls between the name's two words."""
    first = name.split()[0]
    head = (FILLER * 40)[: MAX_PIECE_CHARS - 1 - len(first)]
    head = head[: head.rstrip().rfind(" ") + 1]
    pad = MAX_PIECE_CHARS - 1 - len(first) - len(head)
    head = head + "x" * pad + " " if pad else head
    return head + name + " said on Monday that the plan would pass " + FILLER * 5, len(head)


@pytest.mark.parametrize(
    ("name", "label"),
    [("Barack Obama", "PERSON"), ("Angela Merkel", "PERSON"), ("Goldman Sachs", "ORG")],
)
def test_a_name_cut_by_a_piece_border_is_read_whole(
    name: str, label: str, pipeline_config: PipelineConfig
) -> None:
    text, at = _name_across_the_border(name)
    first_piece = next(iter(split_paragraph(text)))
    assert first_piece.end == at + len(name.split()[0])  # the cut is inside the name
    [found] = tag_texts(pipeline_config.nlp, [text])
    assert RawMention(name, label, at, at + len(name)) in found
    assert not [m for m in found if m.start < at + len(name) and m.end > at and m.text != name]


def test_offsets_hold_in_a_paragraph_of_many_pieces(pipeline_config: PipelineConfig) -> None:
    """A 60,000-character paragraph with entities all along it: every mention's offsets read as
    the mention, in the clean and in the submitted text, and none are lost at the borders."""
    sentence = "In Lisbon, Maria Silva met executives from Siemens and Toyota on Monday. "
    body = "\u200b" + (sentence + FILLER) * 420
    enriched = enrich(SubmittedDocument(text=body), pipeline_config)
    mentions = [m for e in enriched.entities for m in e.mentions]
    for m in mentions:
        assert enriched.clean_text[m.start : m.end] == m.text
        assert enriched.source_text[m.raw_start : m.raw_end] == m.text
    by_name = {e.name: e.count for e in enriched.entities}
    assert by_name.get("Maria Silva", 0) >= 400, by_name


def _regex_reference(surfaces: list[str], text: str) -> list[tuple[str, int, int]]:
    """What propagation used to run: one alternation, longest first."""
    alternatives = "|".join(re.escape(s) for s in sorted(surfaces, key=len, reverse=True))
    pattern = rf"(?<![\w&'’-])(?:{alternatives})(?![\w&-])"
    return [(m.group(0), m.start(), m.end()) for m in re.finditer(pattern, text)]


def test_name_lookup_finds_what_the_alternation_found() -> None:
    surfaces = ["Villa", "Aston Villa", "U.S.", "U.S. Army", "AT&T", "O'Neil", "Rice", "Ann"]
    text = (
        "Aston Villa beat Villa Park's Villa. Villanova and AT&T; AT&Tx. U.S. Army, U.S.A and "
        "the U.S.. -Villa 'Villa O'Neil's Rice rice Ann-Marie Ann Anna U.S.Villa Villa&Co "
        "Villa_x Villa-x Villa's Aston Villa."
    )
    assert list(_Surfaces(surfaces).finditer(text)) == _regex_reference(surfaces, text)
