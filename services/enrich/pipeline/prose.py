"""Small facts about running text that several entity rules ask."""

from __future__ import annotations

import re
from functools import lru_cache

_SENTENCE_START = re.compile(r"(?:^|[.!?][\"”’)]?\s+|\n)$")
_WORD = re.compile(r"\w+")


def opens_sentence(text: str, start: int) -> bool:
    """Whether the word at `start` begins a sentence or a paragraph."""
    return _SENTENCE_START.search(text, max(0, start - 4), start) is not None


# Asked by several rules about the same article in a row; kept small so a huge article's words
# do not stay in the worker's memory long after its task.
@lru_cache(maxsize=2)
def lowercase_words(text: str) -> frozenset[str]:
    """Words the text writes in lowercase: "rice" makes a sentence-initial "Rice" ordinary."""
    return frozenset(w for w in _WORD.findall(text) if w.islower())


def shouting(line: str) -> bool:
    """A line written mostly in capitals: a wire headline ("SOCCER - SHEARER NAMED CAPTAIN")."""
    letters = [ch for ch in line if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) > 0.6 * len(letters)


@lru_cache(maxsize=2)
def shouting_lines(text: str) -> tuple[tuple[int, str], ...]:
    """(offset, line) of each line that shouts: asked by two steps about the same article, the
    known names (not looked for there) and propagation (looked for in capitals there)."""
    found, position = [], 0
    for line in text.split("\n"):
        if shouting(line):
            found.append((position, line))
        position += len(line) + 1
    return tuple(found)
