"""HTML -> main text with trafilatura, plus the page's own metadata.

Two passes, and the page decides which one to keep. Measured on trafilatura's English evaluation
pages (eval/RESULTS-real.md): the precision-oriented pass keeps the fewest non-article lines but
on some pages stops before the end of the article or misses its lede; the recall-oriented pass
keeps those, and on other pages is the one that stops short. Keeping the longer of the two
lost the fewest articles without letting in more junk (the line rules downstream take the rest),
so that is the rule; tables are kept (results tables are article text) and comments never are.
The recall pass runs without trafilatura's own fallback extractors (`fast`): they cost CPU and
changed nothing measurable once the precision pass has had its fallbacks.

Metadata (title, author, date, canonical URL, site name, description) comes from trafilatura,
which reads the page's JSON-LD, OpenGraph and meta tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import trafilatura

from services.enrich.pipeline.document import Extracted

# Ask for the original publication date with its time when the page gives one.
_DATE_PARAMS = {
    "original_date": True,
    "extensive_search": True,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}


class ExtractionError(ValueError):
    """The page has no main text to extract."""


@dataclass(frozen=True, slots=True)
class _Pass:
    name: str
    options: dict[str, Any]


PRECISION = _Pass("precision", {"favor_precision": True})
RECALL = _Pass("recall", {"favor_recall": True, "fast": True})


def _run(html: str, extraction: _Pass) -> Any:
    return trafilatura.bare_extraction(
        html,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
        deduplicate=False,
        date_extraction_params=_DATE_PARAMS,
        **extraction.options,
    )


def _text(found: Any) -> str:
    return (found.text or "") if found is not None else ""


def _size(text: str) -> int:
    """Characters that are not whitespace: layout differences between passes do not count."""
    return len("".join(text.split()))


def extract_html(html: str) -> Extracted:
    candidates = [(extraction, _run(html, extraction)) for extraction in (PRECISION, RECALL)]
    sizes = [_size(_text(found)) for _, found in candidates]
    kept_index = max(range(len(candidates)), key=lambda i: sizes[i])  # ties: precision
    extraction, found = candidates[kept_index]
    if found is None or not _text(found).strip():
        raise ExtractionError("no article text could be extracted from the HTML")
    return Extracted(
        text=_text(found),
        title=found.title,
        author=found.author,
        date=found.date,
        url=found.url,
        site_name=found.sitename,
        description=found.description,
        extraction=extraction.name,
        candidate_chars={e.name: size for (e, _), size in zip(candidates, sizes, strict=True)},
    )
