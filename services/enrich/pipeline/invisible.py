"""Characters a reader does not see: found, classified and taken out as audited removals.

Zero-width spaces inside a name ("Ang\u200bela") hide it from the model and from search; bidi
controls make the stored text read differently from what the producer's page showed. Every
format character (Unicode category Cf) and stray control character (Cc, but tab and line
breaks) goes, each run recorded as a removal with its rule id and its span in the submitted
text, except what changes how the text looks:

- the prepended concatenation marks (Arabic number sign, ...), which are visible;
- a zero-width joiner or non-joiner between two letters of a script that joins (Arabic, Persian,
  Indic) or inside an emoji sequence, where it decides the shape a reader sees;
- tag characters after a waving black flag, which spell a subdivision flag.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

ZERO_WIDTH = "zero-width"
BIDI_CONTROL = "bidi-control"
SOFT_HYPHEN = "soft-hyphen"
FORMAT_CHARACTER = "format-character"
CONTROL_CHARACTER = "control-character"
RULES = frozenset({ZERO_WIDTH, BIDI_CONTROL, SOFT_HYPHEN, FORMAT_CHARACTER, CONTROL_CHARACTER})

_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_JOINERS = frozenset("\u200c\u200d")
_VISIBLE_FORMAT = frozenset("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2")
_VISIBLE_FORMAT |= frozenset("\U000110bd\U000110cd")
_TAG_RANGE = range(0xE0020, 0xE0080)
_BLACK_FLAG = "\U0001f3f4"
# C0/C1 controls but tab and the line breaks (clean_text turns those into newlines first).
_CONTROLS = "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"


@lru_cache(maxsize=1)
def invisible_pattern() -> re.Pattern[str]:
    """Runs of removable characters. Built from the running Python's Unicode tables (a fraction
    of a second, once per process; the worker pays it before the fork)."""
    codes = [
        code
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == "Cf" and chr(code) not in _VISIBLE_FORMAT
    ]
    ranges: list[tuple[int, int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    members = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return re.compile(f"[{_CONTROLS}{members}]+")


def rule_for(char: str) -> str:
    if char in _ZERO_WIDTH:
        return ZERO_WIDTH
    if char in _BIDI:
        return BIDI_CONTROL
    if char == "\u00ad":
        return SOFT_HYPHEN
    if unicodedata.category(char) == "Cf":
        return FORMAT_CHARACTER
    return CONTROL_CHARACTER


def _joins(char: str) -> bool:
    """A letter of a joining script, or a symbol that emoji sequences are made of."""
    if char.isascii() or not char:
        return False
    category = unicodedata.category(char)
    return category in ("Lo", "Mn", "Mc", "So", "Sk") or 0x1F3FB <= ord(char) <= 0x1F3FF


def _stays(text: str, position: int, char: str) -> bool:
    if char in _JOINERS:
        before = text[position - 1] if position else ""
        after = text[position + 1] if position + 1 < len(text) else ""
        return _joins(before) and _joins(after)
    if ord(char) in _TAG_RANGE:
        before = text[position - 1] if position else ""
        return before == _BLACK_FLAG or (before != "" and ord(before) in _TAG_RANGE)
    return False


def removable_runs(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, rule id) of each run of invisible characters of one rule, left to right."""
    for found in invisible_pattern().finditer(text):
        run: tuple[int, str] | None = None  # (start, rule) of the run being collected
        for position in range(found.start(), found.end()):
            char = text[position]
            rule = None if _stays(text, position, char) else rule_for(char)
            if run is not None and rule != run[1]:
                yield run[0], position, run[1]
                run = None
            if run is None and rule is not None:
                run = (position, rule)
        if run is not None:
            yield run[0], found.end(), run[1]
