"""Search snippets for PostgreSQL hits, cut in Python.

`ts_headline` parses the whole clean text of every hit on a page (50 texts: 26-34 ms of a
relevance search, bench/ANALYSIS.md). Here PostgreSQL only hands over the query's lexemes (the
text of the tsquery, already parsed once per search) and the texts; each text is scanned by one
compiled regex for words that could stem to a lexeme (their first letters), and only those
words go through the same Snowball English stemmer PostgreSQL's `english` configuration uses.

The excerpt follows ts_headline's options as the API used them (MaxWords 30, MinWords 12,
MaxFragments 2, fragments joined by " … "): up to two windows of 30 words, the best first by
how many different query words and then how many hits they hold, shown in text order; the
first 12 words when the text has no hit (a title-only match). Whitespace is folded to single
spaces. Hits are marked with START/STOP, which `to_html_snippet` turns into <mark>.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import Stemmer

START, STOP = "\x02", "\x03"
MAX_WORDS, MIN_WORDS, MAX_FRAGMENTS = 30, 12, 2
FRAGMENT_DELIMITER = " … "

# A tsquery's operands as text: 'lexeme' with '' for a quote, maybe followed by :weights or :*.
_OPERAND = re.compile(r"'((?:[^']|'')*)'")
_WORDLIKE = re.compile(r"\w+")
_WORD_RUN = re.compile(r"\w*")
# What the fallback in Highlighter.hits takes for a word: signed numbers and dotted ones whole.
_WORD = re.compile(r"-?\w+(?:\.\w+)*")
# Snowball English exceptions whose stem is not the word's start less two letters.
_IRREGULAR = {"die": "dy", "lie": "ly", "tie": "ty"}

_STEMMER = Stemmer.Stemmer("english")


def query_lexemes(tsquery_text: str) -> frozenset[str]:
    """The lexemes of a tsquery's text form; negated ones too, as ts_headline marks them (a hit
    of `rates or -inflation` may hold inflation)."""
    return frozenset(m.group(1).replace("''", "'") for m in _OPERAND.finditer(tsquery_text))


def _prefixes(lexeme: str) -> Iterable[str]:
    """Starts a word must have to stem to `lexeme`: Snowball changes at most the last two
    letters of a stem's word (ational -> ate, y -> i, bility -> ble), bar a few exceptions."""
    yield lexeme[: max(2, len(lexeme) - 2)]
    if lexeme in _IRREGULAR:
        yield _IRREGULAR[lexeme]


@dataclass
class Highlighter:
    """Finds a query's words in texts and cuts the snippet around them; one per search."""

    lexemes: frozenset[str]
    _stems: dict[str, bool] = field(default_factory=dict)
    _candidates: re.Pattern[str] | None = None
    _starts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        plain = {lx for lx in self.lexemes if _WORDLIKE.fullmatch(lx)}
        starts = sorted({p for lexeme in plain for p in _prefixes(lexeme)})
        alternatives = [f"(?:{'|'.join(map(re.escape, starts))})\\w*"] if starts else []
        # A lexeme with other characters (3.5, -19) is looked for whole.
        others = sorted(self.lexemes - plain, key=len, reverse=True)
        alternatives += [re.escape(lx) + r"(?!\w)" for lx in others]
        if alternatives:
            # No look-behind for the word boundary: a pattern that starts with its letters is
            # searched for at C speed, several times faster over a text (checked in hits()).
            self._candidates = re.compile("|".join(alternatives))
        # With word-like lexemes only (the usual query), the starts are found with str.find,
        # faster again than the alternation, which re tries at every position of the text.
        self._starts = tuple(starts) if not others else ()

    def _is_hit(self, word: str) -> bool:
        known = self._stems.get(word)
        if known is None:
            known = word in self.lexemes or _STEMMER.stemWord(word) in self.lexemes
            self._stems[word] = known
        return known

    def hits(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every word of `text` that matches one of the lexemes, in order."""
        if self._candidates is None:
            return []
        lowered = text.lower()
        if len(lowered) != len(text):  # a letter whose lower case is longer: offsets move
            return [(a, b) for a, b in _words(text) if self._is_hit(text[a:b].lower())]
        spans = (
            self._spans_of_starts(lowered)
            if self._starts
            else (m.span() for m in self._candidates.finditer(lowered))
        )
        return [
            (a, b)
            for a, b in spans
            # A word's start (PostgreSQL reads "covid-19" as covid, -19: a sign may follow one).
            if (a == 0 or not _is_word_char(lowered[a - 1]) or lowered[a] == "-")
            and self._is_hit(lowered[a:b])
        ]

    def _spans_of_starts(self, lowered: str) -> list[tuple[int, int]]:
        """What `self._candidates.finditer(lowered)` finds when it is `(?:starts)\\w*`: each
        occurrence of a start, run on to the end of its word, none inside an earlier one."""
        found = []
        for start in self._starts:
            at = lowered.find(start)
            while at >= 0:
                found.append(at)
                at = lowered.find(start, at + 1)
        spans: list[tuple[int, int]] = []
        end = 0
        for at in sorted(found):
            if at >= end:
                end = _WORD_RUN.match(lowered, at).end()  # type: ignore[union-attr]
                spans.append((at, end))
        return spans

    def snippet(self, text: str) -> str:
        """The marked excerpt of `text` (see the module's docstring)."""
        flat = text.replace("\n", " ")
        if "  " in flat or not flat.isprintable():  # rarely: other white space to fold
            flat = " ".join(flat.split())
        hits = self.hits(flat)
        if not hits:
            return flat[: _words_end(flat, 0, MIN_WORDS)]
        # Word number of each hit: the spaces before it (one C-speed count per hit).
        numbers, number, last = [], 0, 0
        for start, _ in hits:
            number += flat.count(" ", last, start)
            numbers.append(number)
            last = start
        words = [flat[a:b].lower() for a, b in hits]
        total = flat.count(" ") + 1
        fragments: list[_Fragment] = []
        for _ in range(MAX_FRAGMENTS):
            run = _best_run(numbers, words, fragments)
            if run is None:
                break
            fragments.append(_spread(numbers, *run, fragments, total))
        fragments.sort(key=lambda f: f.lo)
        return FRAGMENT_DELIMITER.join(f.text(flat, hits, numbers) for f in fragments)


@dataclass(frozen=True, slots=True)
class _Fragment:
    """Words lo..hi-1 of the text, around hits i..j-1."""

    lo: int
    hi: int
    i: int
    j: int

    def text(self, flat: str, hits: list[tuple[int, int]], numbers: list[int]) -> str:
        begin = _words_before(flat, _word_start(flat, hits[self.i][0]), numbers[self.i] - self.lo)
        last_word = _word_start(flat, hits[self.j - 1][0])
        stop = _words_end(flat, last_word, self.hi - numbers[self.j - 1])
        marked, at = [], begin
        for a, b in hits[self.i : self.j]:
            marked += [flat[at:a], START, flat[a:b], STOP]
            at = b
        marked.append(flat[at:stop])
        return "".join(marked)


def _segment(number: int, fragments: list[_Fragment]) -> int | None:
    """Which gap between the chosen fragments word `number` lies in; None inside one."""
    if any(f.lo <= number < f.hi for f in fragments):
        return None
    return sum(f.hi <= number for f in fragments)


def _best_run(
    numbers: list[int], words: list[str], fragments: list[_Fragment]
) -> tuple[int, int] | None:
    """The run of hits [i, j) within MAX_WORDS words and clear of the chosen fragments that holds
    the most different words, then the most hits (the earliest on a tie). One pass: the run's
    end only moves forward."""
    segments = [_segment(n, fragments) for n in numbers] if fragments else [0] * len(numbers)
    best, best_score, j = None, (0, 0), 0
    for i, first in enumerate(numbers):
        if segments[i] is None:
            continue
        j = max(j, i + 1)
        while j < len(numbers) and numbers[j] - first < MAX_WORDS and segments[j] == segments[i]:
            j += 1
        score = (len(set(words[i:j])), j - i)
        if score > best_score:
            best, best_score = (i, j), score
    return best


def _spread(
    numbers: list[int], i: int, j: int, fragments: list[_Fragment], total: int
) -> _Fragment:
    """Hits i..j-1 widened to MAX_WORDS words, half the spare words before them, without
    running into a chosen fragment or past either end of the text."""
    lo, hi = numbers[i], numbers[j - 1] + 1
    left = max((f.hi for f in fragments if f.hi <= lo), default=0)
    right = min((f.lo for f in fragments if f.lo >= hi), default=total)
    spare = max(0, MAX_WORDS - (hi - lo))
    before = min(spare // 2, lo - left)
    after = min(spare - before, right - hi)
    before = min(spare - after, lo - left)
    return _Fragment(lo - before, hi + after, i, j)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _words(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD.finditer(text)]


def _word_start(flat: str, position: int) -> int:
    return flat.rfind(" ", 0, position) + 1


def _words_before(flat: str, start: int, count: int) -> int:
    """Where the word `count` words before the one at `start` starts (one C-speed split)."""
    if count <= 0 or start == 0:
        return start
    parts = flat[: start - 1].rsplit(" ", count)
    return len(parts[0]) + 1 if len(parts) > count else 0


def _words_end(flat: str, begin: int, count: int) -> int:
    """Where the `count` words from the word starting at `begin` end."""
    parts = flat[begin:].split(" ", count)
    return len(flat) - len(parts[count]) - 1 if len(parts) > count else len(flat)
