"""Find the occurrences the model missed of names it found elsewhere in the same article.

The small model tags "Villa" in one sentence and not in the next; a reader would not. Every
capitalised surface form tagged somewhere, and the surname of every full PERSON name, is looked
for at its other exact occurrences (whole words, not inside a longer capitalised name, not
inside a span already tagged) and given the same label there. In a line written in capitals
(a wire headline: "SOCCER - SHEARER NAMED ENGLAND CAPTAIN") it is looked for in capitals too,
where the model, which reads case, sees no name at all; a one-word name only when the article
never writes it as a lowercase word ("BUSH" is Bush unless the article speaks of a bush).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator

from services.enrich.pipeline.entities import RawMention
from services.enrich.pipeline.prose import lowercase_words, opens_sentence, shouting_lines

MIN_CHARS = 3
_WORD_BEFORE = re.compile(r"([\w'’.-]+)\s$")
_WORD_AFTER = re.compile(r"^\s([\w'’-]+)")


def _majority_labels(mentions: list[RawMention]) -> dict[str, str]:
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for m in mentions:
        votes[m.text][m.label] += 1
    return {surface: counts.most_common(1)[0][0] for surface, counts in votes.items()}


def _surnames(mentions: list[RawMention]) -> dict[str, str]:
    surnames: dict[str, set[str]] = defaultdict(set)
    for m in mentions:
        words = m.text.split()
        if m.label == "PERSON" and len(words) > 1:
            surnames[words[-1]].add(m.text)
    # A surname two people share stays ambiguous: it is not propagated.
    return {s: "PERSON" for s, owners in surnames.items() if len(owners) == 1}


def _part_of_longer_name(text: str, start: int, end: int) -> bool:
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    after = _WORD_AFTER.match(text[end : end + 40])
    if after and after.group(1)[:1].isupper():
        return True
    return bool(before and before.group(1)[:1].isupper() and not opens_sentence(text, start))


# Where a name may begin: a word not glued to a letter, digit, "&", apostrophe or hyphen before it.
_WORD_START = re.compile(r"(?<![\w&'’-])\w+")
_NAME_END = re.compile(r"[\w&-]")


class _Surfaces:
    """The names to look for, found by dictionary lookups at each word start instead of one
    regex alternation: an alternation of 100,000 names is tried name by name at every word
    (quadratic), a lookup costs one probe per distinct name length."""

    def __init__(self, surfaces: list[str]) -> None:
        self._by_first_word: dict[str, tuple[list[int], set[str]]] = {}
        for surface in surfaces:
            first = _WORD_START.match(surface)
            if first is None:
                continue
            lengths, names = self._by_first_word.setdefault(first.group(0), ([], set()))
            names.add(surface)
            if len(surface) not in lengths:
                lengths.append(len(surface))
        for lengths, _ in self._by_first_word.values():
            lengths.sort(reverse=True)  # longest first: "Aston Villa" wins over "Villa"

    def finditer(self, text: str) -> Iterator[tuple[str, int, int]]:
        """(surface, start, end) of each whole-word occurrence, left to right, not overlapping."""
        resume = 0
        for word in _WORD_START.finditer(text):
            start = word.start()
            if start < resume or word.group(0) not in self._by_first_word:
                continue
            lengths, names = self._by_first_word[word.group(0)]
            for length in lengths:
                end = start + length
                if text[start:end] in names and not _NAME_END.match(text, end):
                    yield text[start:end], start, end
                    resume = end
                    break


def propagate(mentions: list[RawMention], text: str) -> list[RawMention]:
    wanted = {**_surnames(mentions), **_majority_labels(mentions)}
    surfaces = [s for s in wanted if len(s) >= MIN_CHARS and s[:1].isupper()]
    if not surfaces:
        return mentions
    covered = bytearray(len(text))
    for m in mentions:
        covered[m.start : m.end] = b"\x01" * (m.end - m.start)
    lowercase = lowercase_words(text)
    added: list[RawMention] = []
    for surface, start, end in _Surfaces(surfaces).finditer(text):
        if any(covered[start:end]) or _part_of_longer_name(text, start, end):
            continue
        # A sentence-initial "Rice" is the grain if the article also writes "rice".
        if " " not in surface and surface.lower() in lowercase and opens_sentence(text, start):
            continue
        added.append(RawMention(surface, wanted[surface], start, end))
    for surface, start, end in _in_capitals(surfaces, text, lowercase):
        if not any(covered[start:end]):
            added.append(RawMention(text[start:end], wanted[surface], start, end))
    return sorted([*mentions, *added], key=lambda m: m.start)


MIN_CAPITALS_CHARS = 4


def _in_capitals(
    surfaces: list[str], text: str, lowercase: frozenset[str]
) -> Iterator[tuple[str, int, int]]:
    """(surface, start, end) of each name written in capitals in a line that shouts."""
    by_capitals = {
        s.upper(): s
        for s in surfaces
        if s.upper() != s
        and (" " in s or (len(s) >= MIN_CAPITALS_CHARS and s.lower() not in lowercase))
    }
    if not by_capitals:
        return
    shouts = shouting_lines(text)
    if not shouts:
        return
    finder = _Surfaces(list(by_capitals))
    for position, line in shouts:
        for capitals, start, end in finder.finditer(line):
            yield by_capitals[capitals], position + start, position + end
