"""Cut a long paragraph into pieces the NER model can take in bounded memory.

Where to cut, in order of preference, within the last half of each `MAX_PIECE_CHARS` window:
after the last sentence end (". " before a capital, the word before it lowercase: not "U.S." or
"Dr."), else at the last space, else hard at the bound (a run of letters with no space in it is
no prose). A piece never starts or ends with the space it was cut at. Every cut moves on by at
least half a window, so the number of pieces, and the time to find the cuts, is linear.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Most news paragraphs are far shorter: an ordinary article is tagged exactly as a whole.
MAX_PIECE_CHARS = 2_000
_SENTENCE_GAP = re.compile(
    r"(?:(?<=[a-z0-9][a-z0-9][.!?])|(?<=[a-z0-9][.!?][\"”’)]))[^\S\n]+(?=[\"“‘(]?[A-Z0-9])"
)
_SPACE = re.compile(r"[^\S\n]+")


@dataclass(frozen=True, slots=True)
class Piece:
    start: int  # offset of the piece in the text it was cut from
    text: str
    # Cut at a space or hard, not at a sentence end: a mention ending at the cut and one starting
    # this piece may be halves of one name.
    joins_previous: bool = False
    gap_before: int = 0  # characters of space dropped at the cut before this piece


def _last(pattern: re.Pattern[str], text: str, start: int, end: int) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(text, start, end):  # noqa: B007 - the last one is wanted
        pass
    return found


def split_paragraph(
    paragraph: str, offset: int = 0, *, max_chars: int = MAX_PIECE_CHARS
) -> Iterator[Piece]:
    """`paragraph` (which starts at `offset` in its text) in pieces of at most `max_chars`."""
    position, joins, gap = 0, False, 0
    while len(paragraph) - position > max_chars:
        window_end = position + max_chars
        earliest = position + max_chars // 2
        # endpos one past the window: the capital after a sentence gap may sit just beyond it.
        cut = _last(_SENTENCE_GAP, paragraph, earliest, window_end + 1)
        next_joins = cut is None
        if cut is None:
            cut = _last(_SPACE, paragraph, earliest, window_end + 1)
        end = cut.start() if cut else window_end
        space = _SPACE.match(paragraph, end) if cut else None
        resume = space.end() if space else end
        yield Piece(offset + position, paragraph[position:end], joins, gap)
        position, joins, gap = resume, next_joins, resume - end
    if position < len(paragraph):
        yield Piece(offset + position, paragraph[position:], joins, gap)
