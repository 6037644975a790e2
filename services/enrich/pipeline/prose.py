"""Small facts about running text that several entity rules ask."""

from __future__ import annotations

import re
from functools import lru_cache

_SENTENCE_START = re.compile(r"(?:^|[.!?][\"”’)]?\s+|\n)$")
_WORD = re.compile(r"\w+")


def opens_sentence(text: str, start: int) -> bool:
    """Whether the word at `start` begins a sentence or a paragraph."""
    return _SENTENCE_START.search(text, max(0, start - 4), start) is not None


@lru_cache(maxsize=16)  # asked by several rules about the same article in a row
def lowercase_words(text: str) -> frozenset[str]:
    """Words the text writes in lowercase: "rice" makes a sentence-initial "Rice" ordinary."""
    return frozenset(w for w in _WORD.findall(text) if w.islower())
