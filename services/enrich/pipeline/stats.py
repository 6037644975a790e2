"""Counts a consumer can use to judge an enriched record at a glance."""

from __future__ import annotations

from collections import Counter
from typing import Any

from services.enrich.pipeline.document import Credit, EntityGroup, Removal
from services.enrich.pipeline.invisible import RULES as INVISIBLE_RULES


def compute_stats(
    *,
    source_text: str,
    clean_text: str,
    removals: list[Removal],
    credits: list[Credit],
    entities: list[EntityGroup],
) -> dict[str, Any]:
    return {
        "source_chars": len(source_text),
        "clean_chars": len(clean_text),
        "words": len(clean_text.split()),
        "paragraphs": clean_text.count("\n") + 1 if clean_text else 0,
        "removed_lines": sum(r.rule not in INVISIBLE_RULES for r in removals),
        "removed_invisible": sum(r.rule in INVISIBLE_RULES for r in removals),
        "credit_lines": len(credits),
        "entities": len(entities),
        "mentions": sum(e.count for e in entities),
        "entities_by_label": dict(Counter(e.label for e in entities)),
    }
