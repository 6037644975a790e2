"""Trim the model's mentions to the name itself: no quotes, possessives, leading "the" or
honorifics; drop what is left too short, not a word, or listed as never a name ("AI", "GDP")."""

from __future__ import annotations

import re

from services.enrich.pipeline.entities import RawMention

_LEADING_ARTICLE = re.compile(r"^(?:the|The|THE)\s+")
_HONORIFIC = re.compile(r"^(?:Mr|Mrs|Ms|Mx|Dr|Prof|Sir|Dame)\.?\s+")
_TRAILING_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_EDGE_PUNCTUATION = "\"“”‘’'`()[]{},;:!?*|-–—"
_KEEPS_ARTICLE = frozenset({"WORK_OF_ART", "LAW"})


def trim_mentions(
    raw: list[RawMention], *, not_names: frozenset[str] = frozenset()
) -> list[RawMention]:
    return [t for m in raw if (t := _trim(m)) is not None and t.text not in not_names]


def _trim(mention: RawMention) -> RawMention | None:
    """The mention without quotes, possessives, leading "the" or honorifics, offsets adjusted."""
    text, start = mention.text, mention.start
    previous = None
    while text != previous:
        previous = text
        stripped = text.lstrip(_EDGE_PUNCTUATION + " ")
        start += len(text) - len(stripped)
        text = stripped.rstrip(_EDGE_PUNCTUATION + " ")
        text = _TRAILING_POSSESSIVE.sub("", text)
        leading = _LEADING_ARTICLE if mention.label not in _KEEPS_ARTICLE else None
        for pattern in (leading, _HONORIFIC if mention.label == "PERSON" else None):
            if pattern and (found := pattern.match(text)):
                start += found.end()
                text = text[found.end() :]
    if len(text) < 2 or not any(ch.isalpha() for ch in text) or "\n" in text:
        return None
    return RawMention(text, mention.label, start, start + len(text))
