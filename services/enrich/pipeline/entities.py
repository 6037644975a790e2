"""Tag named entities with spaCy, one paragraph at a time.

Paragraphs go through `nlp.pipe` separately: with only the NER component loaded there is no parser
to mark sentence ends, and a mention must never run across a paragraph break.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# OntoNotes names; the numeric types (DATE, MONEY, CARDINAL, ...) are not entities to a consumer.
NAMED_LABELS = frozenset(
    {
        "PERSON",
        "NORP",
        "FAC",
        "ORG",
        "GPE",
        "LOC",
        "PRODUCT",
        "EVENT",
        "WORK_OF_ART",
        "LAW",
        "LANGUAGE",
    }
)
NER_BATCH_SIZE = 256


@dataclass(frozen=True, slots=True)
class RawMention:
    """What the model saw: surface text, label, offsets into the clean text."""

    text: str
    label: str
    start: int
    end: int


def _paragraphs(text: str) -> list[tuple[int, str]]:
    spans = []
    position = 0
    for line in text.split("\n"):
        if line:
            spans.append((position, line))
        position += len(line) + 1
    return spans


def tag_texts(nlp: Any, texts: Sequence[str]) -> list[list[RawMention]]:
    """Mentions for each text, all texts' paragraphs streamed through one `nlp.pipe`."""
    owners: list[tuple[int, int]] = []  # (text index, paragraph offset) per paragraph
    paragraphs: list[str] = []
    for index, text in enumerate(texts):
        for offset, paragraph in _paragraphs(text):
            owners.append((index, offset))
            paragraphs.append(paragraph)
    found: list[list[RawMention]] = [[] for _ in texts]
    docs: Iterable[Any] = nlp.pipe(paragraphs, batch_size=NER_BATCH_SIZE)
    for (index, offset), doc in zip(owners, docs, strict=True):
        found[index].extend(
            RawMention(ent.text, ent.label_, offset + ent.start_char, offset + ent.end_char)
            for ent in doc.ents
            if ent.label_ in NAMED_LABELS
        )
    return found
