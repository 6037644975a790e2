"""Text that remembers where each of its characters came from.

Every cleaning step rewrites the text; a TextMap carries, for each character, the span of the
submitted text it came from, so entity mentions and removals can point back into what the
producer sent (`raw_start`, `raw_end`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TextMap:
    text: str
    # origin_start[i] / origin_end[i]: the submitted span that character i stands for.
    origin_start: tuple[int, ...]
    origin_end: tuple[int, ...]

    @classmethod
    def identity(cls, text: str) -> TextMap:
        positions = tuple(range(len(text)))
        # The ends are the starts shifted by one: sharing the int objects halves the memory a
        # million-character article's map takes.
        return cls(text, positions, positions[1:] + (len(text),) if text else ())

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The submitted span behind text[start:end] (end exclusive)."""
        if start >= end:
            position = self.origin_start[start] if start < len(self.text) else self._raw_length()
            return position, position
        return self.origin_start[start], self.origin_end[end - 1]

    def _raw_length(self) -> int:
        return self.origin_end[-1] if self.origin_end else 0

    def sub(self, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str]) -> TextMap:
        """Replace every match of `pattern`; replaced characters stand for the whole match."""
        pieces: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        cursor = 0
        for match in pattern.finditer(self.text):
            begin, finish = match.span()
            replacement = replace(match)
            if replacement == match.group(0):
                continue
            pieces.append(self.text[cursor:begin])
            starts.extend(self.origin_start[cursor:begin])
            ends.extend(self.origin_end[cursor:begin])
            if replacement:
                if finish > begin:
                    span_start, span_end = self.origin_start[begin], self.origin_end[finish - 1]
                else:
                    span_start = span_end = self.raw_span(begin, begin)[0]
                pieces.append(replacement)
                starts.extend([span_start] * len(replacement))
                ends.extend([span_end] * len(replacement))
            cursor = finish
        if cursor == 0 and not pieces:
            return self
        pieces.append(self.text[cursor:])
        starts.extend(self.origin_start[cursor:])
        ends.extend(self.origin_end[cursor:])
        return TextMap("".join(pieces), tuple(starts), tuple(ends))

    def translate(self, table: Mapping[int, str]) -> TextMap:
        """Replace characters one for one (`table` maps a code point to one character): every
        character keeps its origin, so offsets stay exact."""
        text = self.text.translate(table)
        if text == self.text:
            return self
        if len(text) != len(self.text):
            raise ValueError("translate() replaces one character by exactly one character")
        return TextMap(text, self.origin_start, self.origin_end)

    def keep(self, spans: list[tuple[int, int]]) -> TextMap:
        """Only the characters inside `spans` (sorted, non-overlapping), in order."""
        text = "".join(self.text[a:b] for a, b in spans)
        starts: list[int] = []
        ends: list[int] = []
        for a, b in spans:
            starts.extend(self.origin_start[a:b])
            ends.extend(self.origin_end[a:b])
        return TextMap(text, tuple(starts), tuple(ends))
