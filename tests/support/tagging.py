"""Mentions shaped as the model gives them, written by hand, for entity-resolution tests that
run without the model."""

from __future__ import annotations

from services.enrich.pipeline.document import EntityGroup
from services.enrich.pipeline.entities import RawMention


def tagged(text: str, *spans: tuple[str, str]) -> list[RawMention]:
    """Mentions for each (surface, label), listed in text order, as the model would give them."""
    mentions, cursor = [], 0
    for surface, label in spans:
        start = text.index(surface, cursor)
        cursor = start + len(surface)
        mentions.append(RawMention(surface, label, start, cursor))
    return mentions


def labels(groups: list[EntityGroup]) -> set[tuple[str, str]]:
    """Each resolved entity as (canonical name, label)."""
    return {(g.name, g.label) for g in groups}
