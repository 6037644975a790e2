"""Find the occurrences the model missed of names it found elsewhere in the same article.

The small model tags "Villa" in one sentence and not in the next; a reader would not. Every
capitalised surface form tagged somewhere, and the surname of every full PERSON name, is looked
for at its other exact occurrences (whole words, not inside a longer capitalised name, not
inside a span already tagged) and given the same label there.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from services.enrich.pipeline.entities import RawMention
from services.enrich.pipeline.prose import lowercase_words, opens_sentence

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


def propagate(mentions: list[RawMention], text: str) -> list[RawMention]:
    wanted = {**_surnames(mentions), **_majority_labels(mentions)}
    surfaces = [s for s in wanted if len(s) >= MIN_CHARS and s[:1].isupper()]
    if not surfaces:
        return mentions
    covered = bytearray(len(text))
    for m in mentions:
        covered[m.start : m.end] = b"\x01" * (m.end - m.start)
    lowercase = lowercase_words(text)
    # One pass for all names; longest first, so "Aston Villa" wins over "Villa" where both fit.
    alternatives = "|".join(re.escape(s) for s in sorted(surfaces, key=len, reverse=True))
    added: list[RawMention] = []
    for found in re.finditer(rf"(?<![\w&'’-])(?:{alternatives})(?![\w&-])", text):
        surface, (start, end) = found.group(0), found.span()
        if any(covered[start:end]) or _part_of_longer_name(text, start, end):
            continue
        # A sentence-initial "Rice" is the grain if the article also writes "rice".
        if " " not in surface and surface.lower() in lowercase and opens_sentence(text, start):
            continue
        added.append(RawMention(surface, wanted[surface], start, end))
    return sorted([*mentions, *added], key=lambda m: m.start)
