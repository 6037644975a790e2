"""HTML -> main text with trafilatura, plus the page's own metadata.

Two passes, and the page decides which one to keep. Measured on trafilatura's English evaluation
pages (eval/RESULTS-real.md): the precision-oriented pass keeps the fewest non-article lines but
on some pages stops before the end of the article or misses its lede; the recall-oriented pass
keeps those, and on other pages is the one that stops short. Keeping the longer of the two
lost the fewest articles without letting in more junk (the line rules downstream take the rest),
so that is the rule; tables are kept (results tables are article text) and comments never are.

Both passes run without trafilatura's own fallback extractors (readability, justext: `fast`).
Those only change the result when trafilatura's own text comes out short, so when both passes
give under SHORT_CHARS, the precision pass runs again with them and replaces the fast one. On
the tuning pages no figure got worse than with the fallbacks on every page, and they now run on
about one page in seven (figures in docs/extraction.md).

The page is parsed once and its metadata read once; trafilatura's raw-tree pruning, the same
for every pass, runs once too, and every pass cleans its own copy of the pruned tree (passes.py).
After the passes, the page's standfirst is put back before the kept text when the page shows
its description above the article and the text lacks it (standfirst.py; trafilatura takes the
header block that holds it for page furniture; figures in docs/extraction.md).

Metadata (title, author, date, canonical URL, site name, description) comes from trafilatura,
which reads the page's JSON-LD, OpenGraph and meta tags.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

import trafilatura
from htmldate import find_date
from trafilatura import metadata as page_metadata
from trafilatura.settings import Document

from services.enrich.pipeline.blocks import furniture_lines, line_key
from services.enrich.pipeline.document import Extracted
from services.enrich.pipeline.passes import PrunedPage, prune_page, run_pass
from services.enrich.pipeline.pull_quotes import pull_quotes
from services.enrich.pipeline.standfirst import missing_deck

# Ask for the original publication date with its time when the page gives one.
_DATE_PARAMS = {
    "original_date": True,
    "extensive_search": True,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}


# The page's own publication time: JSON-LD datePublished, OpenGraph article:published_time.
_PUBLISHED = re.compile(
    r'"datePublished"\s*:\s*"(?P<ld>[^"]{10,40})"'
    r"|<meta[^>]+(?:property|name|itemprop)=[\"'](?:article:published_time|datePublished)[\"']"
    r"[^>]*content=[\"'](?P<meta>[^\"']{10,40})[\"']",
    re.IGNORECASE,
)
_HEAD_CHARS = 300_000  # where pages put their metadata; no need to scan a huge body


def _with_time(html: str, date: str | None) -> str | None:
    """htmldate prefers a date in the URL (day only); when the page states the same day with
    a time, keep the time."""
    if not date:
        return date
    for found in _PUBLISHED.finditer(html[:_HEAD_CHARS]):
        stamp = (found.group("ld") or found.group("meta") or "").strip()
        try:
            parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            continue
        if stamp[:10] == date[:10]:
            return parsed.isoformat()
    return date


def read_metadata(tree: Any) -> Document:
    """`trafilatura.extract_metadata(tree, date_config=_DATE_PARAMS, extensive=False)` for
    the fields wirefeed keeps (title, author, date, URL, site name, description), in the same
    order with the same fallbacks, without the categories, tags and licence it also searches
    for: those took about 5 of its 14 ms per page and are never read. The unit tests and
    docs/extraction.md hold the kept fields equal to trafilatura's."""
    metadata = page_metadata.examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # as trafilatura: a one-word author is not trusted
    with suppress(Exception):  # trafilatura logs and ignores errors in JSON-LD too
        metadata = page_metadata.extract_meta_json(tree, metadata)
    metadata.title = metadata.title or page_metadata.extract_title(tree)
    metadata.author = metadata.author or page_metadata.extract_author(tree)
    metadata.url = metadata.url or page_metadata.extract_url(tree, None)
    date_config: dict[str, Any] = {**_DATE_PARAMS, "url": metadata.url}
    metadata.date = find_date(tree, **date_config)
    metadata.sitename = metadata.sitename or page_metadata.extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")  # a Twitter handle
        if "." not in metadata.sitename and not metadata.sitename[:1].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url and (host := page_metadata.META_URL.match(metadata.url)):
        metadata.sitename = host[1]
    metadata.clean_and_trim()
    return metadata


HEADLINE_RULE = "headline"
_HEADLINE_LINES = 3  # where a kept headline can be: the text's first lines
_TITLE_SEPARATORS = re.compile(r"\s+[|–—-]\s+|\s*\|\s*")
_STRAIGHT_QUOTES = str.maketrans("‘’“”", "''\"\"")
# A byline run on after the headline: "Two candidates to contest the top post - by Kareem Smith".
_BYLINE_AFTER = re.compile(r"\s+[|–—-]\s+by\s+[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}$")


def _headline_keys(tree: Any, title: str | None) -> set[str]:
    """Keys (casefolded) the page's headline can have: its title, the title without the site
    name the page appends ("Headline | Site"), and its first <h1>s."""
    candidates = [title or ""]
    candidates += _TITLE_SEPARATORS.split(title or "")[:1]
    candidates += ["".join(h1.itertext()) for h1 in islice(tree.iterfind(".//h1"), 2)]
    return {_comparable(key) for c in candidates if len(key := line_key(c)) >= 10}


def _comparable(key: str) -> str:
    """A headline as compared: case and curly quotes aside (a title's "DLP's" is the page's
    "DLP’s")."""
    return key.translate(_STRAIGHT_QUOTES).casefold()


def headline_lines(tree: Any, title: str | None, text: str) -> dict[str, str]:
    """The page's headline where the extraction kept it as the text's first line(s): it is the
    record's `title`, not a paragraph of the article (the real pages' article bodies never
    start with it), also with a byline run on after it. A line ending like a sentence stays:
    on a page titled with its own first sentence (a forum post, a short notice), that sentence
    is the article's."""
    keys = _headline_keys(tree, title)
    found = {}
    for line in islice((line for line in text.split("\n") if line.strip()), _HEADLINE_LINES):
        if line.rstrip().endswith("."):
            continue
        key = line_key(line)
        without_byline = line_key(_BYLINE_AFTER.sub("", line.strip()))
        if _comparable(key) in keys or _comparable(without_byline) in keys:
            found[key] = HEADLINE_RULE
    return found


class ExtractionError(ValueError):
    """The page has no main text to extract."""


@dataclass(frozen=True, slots=True)
class _Pass:
    name: str
    options: dict[str, Any]


PRECISION = _Pass("precision", {"favor_precision": True, "fast": True})
RECALL = _Pass("recall", {"favor_recall": True, "fast": True})
PRECISION_FALLBACKS = _Pass("precision+fallbacks", {"favor_precision": True})
# Non-space characters. When neither fast pass reaches this, the fallback extractors may find
# the article trafilatura's own rules missed (chosen on the tuning pages: docs/extraction.md).
SHORT_CHARS = 1000


def _run(page: PrunedPage, extraction: _Pass, url: str | None) -> str:
    """One pass on the page's pruned tree (passes.py): what `trafilatura.bare_extraction(tree,
    include_comments=False, include_tables=True, deduplicate=False, **extraction.options)`
    gives, without pruning the page again for every pass."""
    return run_pass(
        page,
        precision=extraction.options.get("favor_precision", False),
        fast=extraction.options.get("fast", False),
        url=url,
    )


def _size(text: str) -> int:
    """Characters that are not whitespace: layout differences between passes do not count."""
    return len("".join(text.split()))


def extract_html(html: str) -> Extracted:
    tree = trafilatura.load_html(html)
    if tree is None:
        raise ExtractionError("no article text could be extracted from the HTML")
    # Metadata once, before the passes, as a pass with metadata would read it (same tree, same
    # date settings).
    page = read_metadata(tree)
    pruned = prune_page(tree)
    texts = {e.name: _run(pruned, e, page.url) for e in (PRECISION, RECALL)}
    sizes = {name: _size(text) for name, text in texts.items()}
    compared = [PRECISION.name, RECALL.name]
    if max(sizes.values()) < SHORT_CHARS:
        texts[PRECISION_FALLBACKS.name] = _run(pruned, PRECISION_FALLBACKS, page.url)
        sizes[PRECISION_FALLBACKS.name] = _size(texts[PRECISION_FALLBACKS.name])
        compared[0] = PRECISION_FALLBACKS.name
    kept = max(compared, key=lambda name: sizes[name])  # ties: the first, precision
    if not texts[kept].strip():
        raise ExtractionError("no article text could be extracted from the HTML")
    deck = missing_deck(tree, page.description, texts[kept])
    text = f"{deck}\n{texts[kept]}" if deck else texts[kept]
    furniture = {**headline_lines(tree, page.title, text), **furniture_lines(tree, text)}
    return Extracted(
        text=text,
        title=page.title,
        author=page.author,
        date=_with_time(html, page.date),
        url=page.url,
        site_name=page.sitename,
        description=page.description,
        extraction=kept,
        candidate_chars=sizes,
        standfirst_added=deck is not None,
        furniture={**pull_quotes(text, furniture), **furniture},
    )
