"""Cut a long paragraph into pieces the NER model can take in bounded memory.

Where to cut, in order of preference, within the last half of each `MAX_PIECE_CHARS` window:
after the last sentence end (". " before a capital, the word before it lowercase: not "U.S." or
"Dr."), else at the last space, else hard at the bound (a run with no space in it is no prose).
A cut at a sentence end is clean: no name runs across it. Any other cut may fall inside a name,
so the next piece starts `OVERLAP_CHARS` earlier (at a word start where there is one) and sees
the words around the cut whole; entities.py keeps one reading of the overlap. Every piece moves
on by at least a third of a window, so the number of pieces, and the work to find the cuts, is
linear in the paragraph's length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Most news paragraphs are far shorter: an ordinary article is tagged exactly as a whole.
MAX_PIECE_CHARS = 2_000
# Longer than any name, so a name cut by a piece's end lies whole inside the next piece.
OVERLAP_CHARS = 200
_SENTENCE_GAP = re.compile(
    r"(?:(?<=[a-z0-9][a-z0-9][.!?])|(?<=[a-z0-9][.!?][\"”’)]))[^\S\n]+(?=[\"“‘(]?[A-Z0-9])"
)
_SPACE = re.compile(r"[^\S\n]+")


@dataclass(frozen=True, slots=True)
class Piece:
    start: int  # offset of the piece in the text its paragraph belongs to
    text: str
    # Where the previous piece ended, when this piece overlaps it (the cut was not at a sentence
    # end); None for the first piece and after a clean cut.
    seam: int | None = None

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _last(pattern: re.Pattern[str], text: str, start: int, end: int) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(text, start, end):  # noqa: B007 - the last one is wanted
        pass
    return found


def split_paragraph(
    paragraph: str,
    offset: int = 0,
    *,
    max_chars: int = MAX_PIECE_CHARS,
    overlap: int = OVERLAP_CHARS,
) -> Iterator[Piece]:
    """`paragraph` (which starts at `offset` in its text) in pieces of at most `max_chars`."""
    position, seam = 0, None
    while len(paragraph) - position > max_chars:
        window_end = position + max_chars
        earliest = position + max_chars // 2
        # endpos one past the window: the capital after a sentence gap may sit just beyond it.
        sentence = _last(_SENTENCE_GAP, paragraph, earliest, window_end + 1)
        if sentence is not None:
            end = sentence.start()
            resume = _SPACE.match(paragraph, end).end()  # type: ignore[union-attr]
        else:
            space = _last(_SPACE, paragraph, earliest, window_end + 1)
            end = space.start() if space else window_end
            back = end - overlap
            word = _SPACE.search(paragraph, back, end)  # start the next piece at a word
            resume = word.end() if word and word.end() < end else back
        yield Piece(offset + position, paragraph[position:end], seam)
        seam = offset + end if sentence is None else None
        position = resume
    if position < len(paragraph):
        yield Piece(offset + position, paragraph[position:], seam)
