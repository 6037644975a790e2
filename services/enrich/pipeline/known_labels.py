"""Names whose label the name alone decides: "Twitter" is a platform, "MacBook Pro" a product,
"Tajik" a nationality, whatever the small model said of one occurrence.

The facts are data (pipeline/data/known_entities.json, built from maintained packages by
`python -m eval.build_known_entities`, merged under shared/data/aliases.json), looked up through
the alias table. This step runs before propagation, so the occurrences the model missed are
added with the right label, and a product's last word ("Pro") is never taken for a surname.
"""

from __future__ import annotations

import re

from services.enrich.pipeline.entities import RawMention
from services.enrich.pipeline.prose import lowercase_words, opens_sentence, shouting_lines
from shared.aliases import AliasTable


def label_known_names(
    mentions: list[RawMention], text: str, aliases: AliasTable
) -> list[RawMention]:
    """The step: known names relabelled, and found where the model missed them."""
    joined = joined_known_names(mentions, text, aliases)
    return untagged_known_names(apply_known_labels(joined, aliases), text, aliases)


# A known name that joins two names ("Trinidad and Tobago", "Bosnia and Herzegovina", "Antigua
# & Barbuda"): the model tags each half, or only the first, and the run of capitalised words
# below stops at the lowercase "and".
_JOINED_TAIL = re.compile(r"\s+(?:and|&)\s+[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,2}")


def joined_known_names(
    mentions: list[RawMention], text: str, aliases: AliasTable
) -> list[RawMention]:
    """A mention followed by "and"/"&" and capitalised words that, together, make a known
    name becomes that name; the mention of its second half goes."""
    result: list[RawMention] = []
    taken_until = -1
    for m in sorted(mentions, key=lambda m: m.start):
        if m.start < taken_until:
            continue
        tail = _JOINED_TAIL.match(text, m.end)
        joined = _longest_known(text, m, tail, aliases) if tail else None
        if joined is not None:
            taken_until = joined.end
            m = joined
        result.append(m)
    return result


def _longest_known(
    text: str, mention: RawMention, tail: re.Match[str], aliases: AliasTable
) -> RawMention | None:
    """The longest known name from the mention through one or more of the tail's words."""
    ends = [tail.start() + word.end() for word in re.finditer(r"\S+", tail.group(0))]
    for stop in reversed(ends[1:]):  # past "and", at least one word
        surface = text[mention.start : stop].rstrip(".'’")
        known = aliases.lookup(surface)
        if known is not None and known.label is not None:
            return RawMention(surface, known.label, mention.start, mention.start + len(surface))
    return None


def apply_known_labels(mentions: list[RawMention], aliases: AliasTable) -> list[RawMention]:
    relabelled = []
    for m in mentions:
        known = aliases.lookup(m.text)
        if known is not None and known.label is not None and known.label != m.label:
            m = RawMention(m.text, known.label, m.start, m.end)
        relabelled.append(m)
    return relabelled


# Runs of name-like words: "Apple Arcade", "MacBook Pro", "iPhone", "Booking.com".
_NAME_RUN = re.compile(
    r"(?:[A-Z0-9]|[a-z][A-Z])[\w&.+'’-]*(?:\s(?:[A-Z0-9]|[a-z][A-Z])[\w&.+'’-]*)*"
)
MAX_WORDS = 4


def untagged_known_names(
    mentions: list[RawMention], text: str, aliases: AliasTable
) -> list[RawMention]:
    """Known names the model did not tag where they stand ("Apple Arcade" in a sentence it
    read as plain words). Not in an all-caps headline, where "US" may be the word "us"; a
    one-word name opening a sentence only if the article never writes it in lowercase."""
    covered = bytearray(len(text))
    for m in mentions:
        covered[m.start : m.end] = b"\x01" * (m.end - m.start)
    lowercase = lowercase_words(text)
    found: list[RawMention] = []
    shouts = {offset for offset, _ in shouting_lines(text)}
    position = 0
    for line in text.split("\n"):
        if position not in shouts:
            for run in _NAME_RUN.finditer(line):
                found += _known_in_run(run.group(0), position + run.start(), aliases)
        position += len(line) + 1
    added = []
    for m in found:
        if any(covered[m.start : m.end]):
            continue
        if " " not in m.text and opens_sentence(text, m.start) and m.text.lower() in lowercase:
            continue
        covered[m.start : m.end] = b"\x01" * (m.end - m.start)
        added.append(m)
    return sorted([*mentions, *added], key=lambda m: m.start)


def _known_in_run(run: str, offset: int, aliases: AliasTable) -> list[RawMention]:
    """The longest known names in a run of capitalised words, left to right."""
    words = [(w.start(), w.end()) for w in re.finditer(r"\S+", run)]
    found, index = [], 0
    while index < len(words):
        for size in range(min(MAX_WORDS, len(words) - index), 0, -1):
            start, end = words[index][0], words[index + size - 1][1]
            surface = run[start:end].rstrip(".'’")
            known = aliases.lookup(surface)
            if known is not None and known.label is not None:
                begin = offset + start
                found.append(RawMention(surface, known.label, begin, begin + len(surface)))
                index += size
                break
        else:
            index += 1
    return found
