"""Clean: HTML entities, Unicode normalisation, invisible characters, whitespace.

Each step is a TextMap rewrite, so offsets into the submitted text survive cleaning. Invisible
characters (zero-width, bidi controls, other format and control characters; invisible.py) are
removals like boilerplate lines: each run is recorded with its rule id and submitted span.
Full-width Latin letters and digits ("Ｌｉｓｂｏｎ") become the ASCII ones a reader takes them for,
one character for one, so the model and search see "Lisbon".
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from services.enrich.pipeline.document import Removal
from services.enrich.pipeline.invisible import removable_runs
from services.enrich.pipeline.textmap import TextMap

_HTML_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_LINE_BREAK = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
_HORIZONTAL_SPACE = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_SPACE_AROUND_NEWLINE = re.compile(r" *\n[ \n]*")
_EDGE_SPACE = re.compile(r"^[ \n]+|[ \n]+$")
# NFKC's mapping for the full-width forms of ASCII letters and digits only: the rest of NFKC
# would also rewrite ligatures, superscripts and CJK punctuation a reader sees as they are.
_FULL_WIDTH = {
    code: chr(code - 0xFEE0)
    for first, last in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for code in range(first, last + 1)
}


@dataclass(frozen=True, slots=True)
class Cleaned:
    text: TextMap
    removals: list[Removal]  # the invisible characters taken out, in text order


def _unescape(match: re.Match[str]) -> str:
    return html.unescape(match.group(0))


def _nfc(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFC", match.group(0))


def drop_invisible(text: TextMap) -> Cleaned:
    """`text` without its invisible characters, and a removal for each run of them."""
    removals: list[Removal] = []
    kept: list[tuple[int, int]] = []
    cursor = 0
    for start, end, rule in removable_runs(text.text):
        raw_start, raw_end = text.raw_span(start, end)
        removals.append(Removal(rule, text.text[start:end], raw_start, raw_end))
        kept.append((cursor, start))
        cursor = end
    if not removals:
        return Cleaned(text, [])
    kept.append((cursor, len(text.text)))
    return Cleaned(text.keep([(a, b) for a, b in kept if b > a]), removals)


def clean(submitted: TextMap) -> Cleaned:
    """Normalised text (one paragraph per line, single spaces, no invisible characters) and the
    invisible characters it removed."""
    text = submitted.sub(_HTML_ENTITY, _unescape)
    text = text.sub(_LINE_BREAK, lambda _: "\n")
    # Before NFC: a rewritten run stands for its whole span, and a removal must point exactly.
    visible = drop_invisible(text)
    text = visible.text.sub(_NON_ASCII_RUN, _nfc)
    text = text.translate(_FULL_WIDTH)
    text = text.sub(_HORIZONTAL_SPACE, lambda _: " ")
    text = text.sub(_SPACE_AROUND_NEWLINE, lambda _: "\n")
    return Cleaned(text.sub(_EDGE_SPACE, lambda _: ""), visible.removals)


def clean_text(submitted: TextMap) -> TextMap:
    """The clean text alone (`clean` also says what was removed)."""
    return clean(submitted).text
