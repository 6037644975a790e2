"""HTML -> main text with trafilatura: no comments, no navigation; keep title, author, date."""

from __future__ import annotations

import trafilatura
from trafilatura.settings import Document

from services.enrich.pipeline.document import Extracted


class ExtractionError(ValueError):
    """The page has no main text to extract."""


def extract_html(html: str) -> Extracted:
    found = trafilatura.bare_extraction(
        html,
        include_comments=False,
        include_tables=False,
        with_metadata=True,
        deduplicate=False,
        favor_precision=False,
    )
    text = found.text if isinstance(found, Document) else None
    if not isinstance(found, Document) or text is None or not text.strip():
        raise ExtractionError("no article text could be extracted from the HTML")
    return Extracted(text=text, title=found.title, author=found.author, date=found.date)
