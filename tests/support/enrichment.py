"""Pipeline results built by hand, for tests that call the worker's store directly."""

from __future__ import annotations

from typing import Any

from services.enrich.pipeline.document import EnrichedDocument, EntityGroup, Mention


def mention(text: str, start: int, label: str = "PERSON") -> Mention:
    """A mention at `start` of the clean text, with the same offsets in the source text."""
    return Mention(text, label, label, start, start + len(text), start, start + len(text))


def enriched_document(
    text: str, *groups: EntityGroup, metadata: dict[str, Any] | None = None
) -> EnrichedDocument:
    """`text` as both clean and source text (nothing removed), naming `groups`."""
    return EnrichedDocument(
        clean_text=text,
        source_text=text,
        removals=[],
        credits=[],
        entities=list(groups),
        language="en",
        language_confidence=0.99,
        entities_skipped_reason=None,
        metadata=metadata or {},
        stats={"entities": len(groups)},
    )
