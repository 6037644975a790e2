"""Lines of the extracted text that the page shows only inside page furniture.

What the line rules cannot see: a list of related headlines with no header, a sidebar widget, a
share bar, an author box. Their lines read like article text; the HTML says what they are. So,
with the page's tree at hand, a block is furniture when

- its class or id names what it is (`FURNITURE_NAMES`: related, newsletter, author box, share
  bar, sidebar widget, footer, breadcrumb, ...), or its tag does (`nav`, `aside`, `footer`);
- or it is a list whose items are links (`LINK_LIST_*`): a related-stories list with no header.

and a line of the kept text is removed, under the block's rule id, only when every place the
page shows that text is inside such blocks. Guards, because class names lie (a theme may call
the whole article container `docked-sharebar-content-container`):

- a block holding more than `MAX_BLOCK_SHARE` of the kept text's characters is not furniture
  (its smaller furniture children still may be);
- a line that the page also shows outside furniture stays (a teaser repeating the lede);
- nothing is removed when the furniture lines would be more than `MAX_REMOVED_SHARE` of the
  kept text: the extraction kept the wrong container, and the line rules and the quality
  flags deal with that page.

Texts are compared with all whitespace removed, so lxml's string values (which join text nodes
without separators) and trafilatura's lines ("- item", "| cell |") meet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

# What a block's class or id says it is, by the rule id of its removals. Matched against the
# lowercased class and id; `(?:^|[\s_-])` keeps a name from matching inside another word
# ("pagecontentsidebar" is a layout, "js_readmore" an expander, "node-promoted" an article).
FURNITURE_NAMES: tuple[tuple[str, str], ...] = (
    ("block-related", r"related|recommend|yarpp|more-?stories|most-?(?:read|popular)|trending"),
    (
        "block-newsletter",
        r"newsletter|sign-?up|subscri|opt-?in|mailchimp|(?:^|[\s_-])cta(?:$|[\s_-])",
    ),
    ("block-author-bio", r"author-?(?:bio|box|info|card|profile)|about-?the-?author|saboxplugin"),
    ("block-share", r"(?:^|[\s_-])(?:share|sharing|social)"),
    ("block-promo", r"(?:^|[\s_-])(?:promo(?!ted)|sponsor|affiliate|advert)"),
    ("block-sidebar", r"(?:^|[\s_-])(?:sidebar|marginal)|(?:^|\s)widget_|widget-area"),
    ("block-footer", r"(?:^|[\s_-])footer|breadcrumb"),
    ("block-caption", r"caption|(?:^|[\s_-])(?:photo|image)-?credit"),
)
# A quick test first: most class names hold none of these pieces of a furniture name.
_PIECES = re.compile(
    "related|recommend|yarpp|stories|most|trending|newsletter|sign|subscri|opt|mailchimp|cta"
    "|author|sabox|shar|social|promo|sponsor|affiliate|advert|sidebar|marginal|widget|footer"
    "|breadcrumb|caption|credit"
)
_NAMES = re.compile(
    "|".join(f"(?P<{rule.replace('-', '_')}>{pattern})" for rule, pattern in FURNITURE_NAMES)
)
FURNITURE_TAGS = {
    "nav": "block-nav",
    "aside": "block-sidebar",
    "footer": "block-footer",
    "figcaption": "block-caption",
    "caption": "block-caption",
}
# The elements looked at: the ones that hold blocks (lxml filters them in C; the many inline
# elements, links and images are never looked at).
_CONTAINERS = (
    "div", "section", "aside", "nav", "footer", "article", "ul", "ol", "p", "table", "form",
    "figcaption", "caption", "span", "blockquote",
)  # fmt: skip
_STRING = etree.XPath("string()")  # compiled once: element.xpath() compiles on every call
_LINK_TEXTS = etree.XPath(".//a//text()")
LINK_LIST_RULE = "block-link-list"
LINK_LIST_MIN_ITEMS = 3
LINK_LIST_MIN_LINK_SHARE = 0.8  # of the list's characters, inside <a>
LINK_LIST_MAX_ITEM_CHARS = 120  # on average: headlines, not paragraphs
# Consecutive kept lines, each the whole text of a link: a list of headlines with no list markup.
LINK_RUN_RULE = "block-link-run"
LINK_RUN_MIN_LINES = 3
LINK_RUN_MIN_WORDS = 3
LINK_RUN_MAX_CHARS = 200
MAX_BLOCK_SHARE = 1 / 3
MAX_REMOVED_SHARE = 0.5
MIN_LINE_CHARS = 4  # non-space; shorter lines are left to the line rules
_LINE_MARKERS = "-*•| \t"  # trafilatura's list items ("- ") and table cells ("| ... |")


def _key(text: str) -> str:
    """The text with all whitespace removed, NFC (what clean() makes of it)."""
    return "".join(unicodedata.normalize("NFC", text).split())


def line_key(line: str) -> str:
    """A kept line's key: no list or table markers, no whitespace."""
    return _key(line.strip(_LINE_MARKERS))


def _named(element: Any, seen: dict[str, str | None]) -> str | None:
    """The rule id the element's tag, class or id gives it, if any (`seen`: names -> rule id,
    the searches done so far on this page)."""
    if element.tag in FURNITURE_TAGS:
        return FURNITURE_TAGS[element.tag]
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    if names not in seen:
        lowered = names.casefold()
        found = _NAMES.search(lowered) if _PIECES.search(lowered) else None
        seen[names] = found.lastgroup.replace("_", "-") if found and found.lastgroup else None
    return seen[names]


def _is_link_list(element: Any, text_chars: int) -> bool:
    items = [child for child in element if child.tag == "li"]
    if len(items) < LINK_LIST_MIN_ITEMS or text_chars > LINK_LIST_MAX_ITEM_CHARS * len(items):
        return False
    linked = len(_key("".join(_LINK_TEXTS(element))))
    return linked >= LINK_LIST_MIN_LINK_SHARE * text_chars


def _furniture(body: Any, kept_chars: int) -> Iterator[tuple[str, str]]:
    """(rule id, text key) of the outermost furniture blocks, in page order."""
    taken: set[Any] = set()
    named: dict[str, str | None] = {}  # pages repeat their class names: one search each
    for element in body.iter(*_CONTAINERS):
        tag = element.tag
        rule = _named(element, named)
        if rule is None and (tag not in ("ul", "ol") or len(element) < LINK_LIST_MIN_ITEMS):
            continue
        if taken and any(ancestor in taken for ancestor in element.iterancestors()):
            continue
        text = _key(_STRING(element))
        if not text or len(text) > MAX_BLOCK_SHARE * kept_chars:
            continue
        if rule is None:
            if not _is_link_list(element, len(text)):
                continue
            rule = LINK_LIST_RULE
        taken.add(element)
        yield rule, text


def _link_lines(body: Any, text: str) -> dict[str, int]:
    """Keys of the kept lines that stand in a run of LINK_RUN_MIN_LINES or more lines, each a
    link's whole text (a list of headlines), with how many links read so."""
    lines = [line for line in text.split("\n") if line.strip()]
    keys = [line_key(line) for line in lines]
    fits = [
        len(line) <= LINK_RUN_MAX_CHARS
        and len(line.split()) >= LINK_RUN_MIN_WORDS
        and not line.lstrip().startswith("|")
        for line in lines
    ]
    counts: dict[str, int] = {}
    if not any(
        all(fits[i : i + LINK_RUN_MIN_LINES]) for i in range(len(fits) - LINK_RUN_MIN_LINES + 1)
    ):
        return counts  # no run long enough: the page's links need not be read
    wanted = {key for key, fit in zip(keys, fits, strict=True) if fit}
    shortest = min(len(key) for key in wanted)  # a key is never longer than its raw text
    for anchor in body.iter("a"):
        raw = _STRING(anchor)
        if len(raw) >= shortest and (key := _key(raw)) in wanted:
            counts[key] = counts.get(key, 0) + 1
    runs: dict[str, int] = {}
    run: list[str] = []
    for key in [*keys, ""]:
        if key in counts:
            run.append(key)
            continue
        if len(run) >= LINK_RUN_MIN_LINES:
            runs.update((k, counts[k]) for k in run)
        run = []
    return runs


def furniture_lines(tree: Any, text: str) -> Mapping[str, str]:
    """line key -> rule id for the lines of `text` (the kept text) that the page shows only
    inside furniture blocks. `tree`: the page's lxml tree, left unchanged."""
    body = tree if tree.tag == "body" else tree.find(".//body")
    keys = [key for line in text.split("\n") if len(key := line_key(line)) >= MIN_LINE_CHARS]
    kept_chars = len(_key(text))
    if body is None or not keys:
        return {}
    blocks = list(_furniture(body, kept_chars))
    linked = _link_lines(body, text)
    found: dict[str, str] = {}
    page = ""  # the whole page's text, read only when a line is in furniture
    for key in keys:
        inside = [rule for rule, block in blocks if key in block]
        if not inside and key not in linked:
            continue
        page = page or _key(_STRING(body))
        shown = page.count(key)
        if inside and sum(block.count(key) for _, block in blocks) >= shown:
            found[key] = inside[0]
        elif key in linked and linked[key] >= shown:
            found[key] = LINK_RUN_RULE
    if sum(len(key) for key in found) > MAX_REMOVED_SHARE * kept_chars:
        return {}
    return found
