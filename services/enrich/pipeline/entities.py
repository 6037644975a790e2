"""Tag named entities with spaCy, one paragraph (or one bounded piece of it) at a time.

Paragraphs go through `nlp.pipe` separately: with only the NER component loaded there is no parser
to mark sentence ends, and a mention must never run across a paragraph break.

What one Doc costs grows faster than its length (a 950,000-character line took 3.2 GB), so no
Doc is longer than `MAX_PIECE_CHARS`: a longer paragraph is cut where a sentence ends, else at a
space, else hard at the bound (pieces.py); after a cut that is not a sentence end the next piece
overlaps the previous one, so a name the cut split in two is read whole again.
Pieces stream through `nlp.pipe` in batches bounded in characters as well as in count, and only
the mentions of a batch outlive it, so memory stays flat whatever the article's size or shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from services.enrich.pipeline.pieces import MAX_PIECE_CHARS, Piece, split_paragraph
from shared.schemas import EntityLabelName

# OntoNotes names (the stored labels); the numeric types (DATE, MONEY, CARDINAL, ...) are not
# entities to a consumer.
NAMED_LABELS = frozenset(get_args(EntityLabelName))
NER_BATCH_SIZE = 256
# Characters per `nlp.pipe` batch: an ordinary article's paragraphs fit in one; a huge article
# goes through in many, each freed before the next.
NER_BATCH_CHARS = 64 * MAX_PIECE_CHARS // 2


@dataclass(frozen=True, slots=True)
class RawMention:
    """What the model saw: surface text, label, offsets into the clean text."""

    text: str
    label: str
    start: int
    end: int


def paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """(offset, line) for each non-empty line, without a list of all lines."""
    position = 0
    while position <= len(text):
        end = text.find("\n", position)
        if end < 0:
            end = len(text)
        if end > position:
            yield position, text[position:end]
        position = end + 1


@dataclass(frozen=True, slots=True)
class _Job:
    owner: int  # index of the text the piece belongs to
    piece: Piece


def _pieces(texts: Sequence[str]) -> Iterator[_Job]:
    for index, text in enumerate(texts):
        for offset, paragraph in paragraphs(text):
            for piece in split_paragraph(paragraph, offset):
                yield _Job(index, piece)


def _batches(jobs: Iterable[_Job]) -> Iterator[list[_Job]]:
    batch: list[_Job] = []
    chars = 0
    for job in jobs:
        if batch and (
            len(batch) >= NER_BATCH_SIZE or chars + len(job.piece.text) > NER_BATCH_CHARS
        ):
            yield batch
            batch, chars = [], 0
        batch.append(job)
        chars += len(job.piece.text)
    if batch:
        yield batch


def tag_texts(nlp: Any, texts: Sequence[str]) -> list[list[RawMention]]:
    """Mentions for each text (offsets into that text), all texts' pieces streamed through
    `nlp.pipe`."""
    found: list[list[RawMention]] = [[] for _ in texts]
    for batch in _batches(_pieces(texts)):
        docs = nlp.pipe([job.piece.text for job in batch], batch_size=len(batch))
        for job, doc in zip(batch, docs, strict=True):
            mentions = [
                RawMention(ent.text, ent.label_, job.piece.start + ent.start_char,
                           job.piece.start + ent.end_char)
                for ent in doc.ents
                if ent.label_ in NAMED_LABELS
            ]  # fmt: skip
            _append_stitched(found[job.owner], mentions, job.piece)
    return found


def _append_stitched(into: list[RawMention], mentions: list[RawMention], piece: Piece) -> None:
    """Add a piece's mentions. Where it overlaps the previous piece, a mention that ran into that
    piece's end may be half a name ("Barack" | "Obama"): it goes, and this piece, which sees the
    words around the cut whole, reads the overlap; a mention already kept there stays."""
    if piece.seam is not None:
        while into and into[-1].end >= piece.seam:
            into.pop()
        kept_tail = [m for m in into[-8:] if m.end > piece.start]
        mentions = [
            m for m in mentions if not any(m.start < k.end and k.start < m.end for k in kept_tail)
        ]
    into.extend(mentions)
