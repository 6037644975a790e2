"""Pull quotes: a line of a page's text that repeats words found in a longer paragraph of it.

Layouts lift a sentence out of the story and show it again, large, between paragraphs
("“We ran out of fuel,” ..."); extracted, it reads as a paragraph of its own and says the same
thing twice. A kept line is a pull quote when, with its quotation marks and closing punctuation
set aside, its text stands inside another, longer line of the same text that stays. Only HTML
pages are checked (pull quotes are a page layout), short lines are left alone (a repeated name,
phrase or subheading is not a quote), and the longer line always stays.
"""

from __future__ import annotations

from collections.abc import Collection

from services.enrich.pipeline.blocks import line_key

RULE_ID = "pull-quote"
MIN_CHARS = 30  # non-space characters of the quote: a sentence, not a phrase
MIN_WORDS = 6  # and words: a subheading that repeats a phrase of the text stays
MAX_CHARS = 400
_QUOTES = "\"'“”‘’«»"
_TRAILING = ".,;:!?…" + _QUOTES


def _core(key: str) -> str:
    """The quoted words without the marks around them or the punctuation that closes them."""
    return key.strip(_QUOTES).rstrip(_TRAILING)


def pull_quotes(text: str, removed: Collection[str] = ()) -> dict[str, str]:
    """line key -> RULE_ID for the lines of `text` that repeat part of a longer line.
    `removed`: keys of lines going anyway (furniture); they neither repeat nor are repeated (a
    caption often repeats a paragraph, and the paragraph must stay)."""
    lines = text.split("\n")
    keys = [key if key not in removed else "" for key in map(line_key, lines)]
    joined = "\n".join(keys)
    found: dict[str, str] = {}
    for index, key in enumerate(keys):
        core = _core(key)
        if not MIN_CHARS <= len(core) <= MAX_CHARS or len(lines[index].split()) < MIN_WORDS:
            continue
        at = joined.find(core)
        while at != -1:
            line = joined.count("\n", 0, at)
            if line != index and len(keys[line]) > len(key):
                found[key] = RULE_ID
                break
            at = joined.find(core, at + 1)
    return found
