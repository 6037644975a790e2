"""Rank an article's entities by salience, the most salient first."""

from __future__ import annotations

from services.enrich.pipeline.document import EntityGroup


def rank_by_salience(entities: list[EntityGroup], text: str) -> list[EntityGroup]:
    """Score every entity (sets `salience`) and return them most salient first, ties in text
    order."""
    _score_salience(entities, text_length=len(text), first_paragraph_end=_first_break(text))
    return sorted(entities, key=lambda e: (-e.salience, e.first_offset))


def _first_break(text: str) -> int:
    position = text.find("\n")
    return len(text) if position < 0 else position


def _score_salience(
    entities: list[EntityGroup], *, text_length: int, first_paragraph_end: int
) -> None:
    """0..1: half how often it is mentioned (relative to the most mentioned entity), three tenths
    how early it first appears, a fifth whether it is in the lead paragraph."""
    if not entities:
        return
    most = max(e.count for e in entities)
    for e in entities:
        earliness = 1.0 - e.first_offset / max(text_length, 1)
        in_lead = 1.0 if e.first_offset < first_paragraph_end else 0.0
        e.salience = round(0.5 * e.count / most + 0.3 * earliness + 0.2 * in_lead, 4)
