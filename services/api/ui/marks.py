"""Cut a text into runs for the article page: entity mentions highlighted by label, removed
lines struck through with their rule. Pure functions over offsets the pipeline recorded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Run:
    text: str
    label: str | None = None  # entity label or removal rule; None for plain text
    entity_id: int | None = None
    name: str | None = None


def runs(text: str, spans: Iterable[tuple[int, int, str, int | None, str | None]]) -> list[Run]:
    """`text` split at the spans (start, end, label, entity id, name); overlaps are dropped,
    the earlier span wins."""
    out: list[Run] = []
    at = 0
    for start, end, label, entity_id, name in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < at or end <= start or end > len(text):
            continue
        if start > at:
            out.append(Run(text[at:start]))
        out.append(Run(text[start:end], label, entity_id, name))
        at = end
    if at < len(text):
        out.append(Run(text[at:]))
    return out


def mention_spans(
    entities: list[dict[str, Any]],
) -> list[tuple[int, int, str, int | None, str | None]]:
    return [
        (m["start"], m["end"], e["label"], e.get("id"), e["name"])
        for e in entities
        for m in e.get("mentions", [])
    ]


def removal_spans(
    removals: list[dict[str, Any]],
) -> list[tuple[int, int, str, int | None, str | None]]:
    return [(r["raw_start"], r["raw_end"], r["rule"], None, None) for r in removals]
