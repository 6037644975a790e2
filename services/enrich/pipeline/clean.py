"""Clean: HTML entities, Unicode normalisation, stray control characters, whitespace.

Each step is a TextMap rewrite, so offsets into the submitted text survive cleaning.
"""

from __future__ import annotations

import html
import re
import unicodedata

from services.enrich.pipeline.textmap import TextMap

_HTML_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_LINE_BREAK = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
# Control and invisible format characters: NUL, C0/C1 controls (not \t and \n), zero-width
# spaces and joiners, soft hyphens, byte-order marks, bidi controls.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]"
)
_HORIZONTAL_SPACE = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_SPACE_AROUND_NEWLINE = re.compile(r" *\n[ \n]*")
_EDGE_SPACE = re.compile(r"^[ \n]+|[ \n]+$")


def _unescape(match: re.Match[str]) -> str:
    return html.unescape(match.group(0))


def _nfc(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFC", match.group(0))


def clean_text(submitted: TextMap) -> TextMap:
    """Normalised text: one paragraph per line, single spaces, no invisible characters."""
    text = submitted.sub(_HTML_ENTITY, _unescape)
    text = text.sub(_LINE_BREAK, lambda _: "\n")
    text = text.sub(_NON_ASCII_RUN, _nfc)
    text = text.sub(_INVISIBLE, lambda _: "")
    text = text.sub(_HORIZONTAL_SPACE, lambda _: " ")
    text = text.sub(_SPACE_AROUND_NEWLINE, lambda _: "\n")
    return text.sub(_EDGE_SPACE, lambda _: "")
