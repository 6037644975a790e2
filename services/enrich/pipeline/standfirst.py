"""The standfirst (deck) a page shows above its article, when the extraction left it out.

Many pages print the article's summary under the headline (`<h2 class="excerpt">`, a `<p>` in
the header) and give the same sentence as their meta description. trafilatura treats that
header block as page furniture, so the article then starts at its second paragraph. The
description alone proves nothing (it may be a site-wide blurb, or never shown), so the deck is
put back only when all of this holds:

- the description is sentence-long (DECK_MIN_WORDS words or more) and not cut short ("...");
- one block of the page's body (a paragraph, heading, list item, ...) reads exactly that text,
  whitespace aside: it is shown as a whole, not quoted inside a longer paragraph;
- that block comes before the block where the extracted text starts: it sits above the
  article, where a deck does, not in a footer or a teaser list further down;
- the extracted text does not already hold it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

DECK_MIN_WORDS = 8
DECK_MAX_CHARS = 600
# How much of the extracted text's first line locates where the article starts in the page.
_ANCHOR_CHARS = 40
# A deck is a sentence; a description without an end is a headline or a label ("Neue Taskforce
# des Bundeskriminalamtes nimmt die Arbeit auf" above the article is its title's kicker).
_SENTENCE_END = tuple('.!?"”’)')
_CUT = ("...", "…")
_HIDDEN = frozenset({"script", "style", "noscript", "template", "head", "title"})
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
        "td", "th", "tr", "ul",
    }
)  # fmt: skip


def _flat(text: str) -> str:
    return " ".join(text.split())


def _blocks(body: Any) -> Iterator[str]:
    """The body's shown text, one entry per run of text between block boundaries, in page
    order; lazily, as the caller stops at the article's start."""
    pieces: list[str] = []
    stack: list[tuple[Any, bool]] = [(body, False)]  # (element, its children are done)
    while stack:
        element, done = stack.pop()
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _BLOCKS and (block := _flat("".join(pieces))):
            yield block
        if tag in _BLOCKS:
            pieces.clear()
        if done or tag in _HIDDEN or not tag:  # comments and scripts: only their tail shows
            if element is not body:
                pieces.append(element.tail or "")
            continue
        pieces.append(element.text or "")
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    if block := _flat("".join(pieces)):
        yield block


def missing_deck(tree: Any, description: str | None, text: str) -> str | None:
    """The deck to put before `text`, or None. `tree`: the page's lxml tree (left unchanged)."""
    deck = _flat(description or "")
    if len(deck.split()) < DECK_MIN_WORDS or len(deck) > DECK_MAX_CHARS:
        return None
    if not deck.endswith(_SENTENCE_END) or deck.endswith(_CUT) or deck in _flat(text):
        return None
    first_line = next((line for line in text.split("\n") if line.strip()), "")
    anchor = _flat(first_line)[:_ANCHOR_CHARS]
    body = tree if tree.tag == "body" else tree.find(".//body")
    if body is None or not anchor:
        return None
    for block in _blocks(body):
        if anchor in block:
            return None  # the article starts above any shown deck
        if block == deck:
            return deck
    return None
