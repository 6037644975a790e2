"""One entity across articles: a surname seen alone in an article ("Trump", after the source
cut the first mention) joins the store's canonical entity when exactly one known PERSON goes
by it (an alias recorded from articles that named them in full, in at least
`MIN_ARTICLES` articles); with two or more it stays separate. Either way the record says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from services.enrich.pipeline import EnrichedDocument
from shared.aliases import alias_key
from shared.models import Entity, EntityAlias

MIN_ARTICLES = 2  # "frequent": a full name seen once is not yet a safe target
TARGET_LABEL = "PERSON"
# A surname alone is often labelled ORG by the model ("Trump told reporters..."); the store's
# PERSON of that name is the better reading, so both labels are looked up.
LINKED_LABELS = frozenset({"PERSON", "ORG"})


@dataclass(frozen=True, slots=True)
class Link:
    entity_id: int | None  # None: ambiguous, left separate
    reason: str
    label: str = TARGET_LABEL


def find_links(session: Session, enriched: EnrichedDocument) -> dict[tuple[str, str], Link]:
    """For each single-word name of a linked label: the canonical entity it joins, or why not."""
    links: dict[tuple[str, str], Link] = {}
    for entity in enriched.entities:
        key = alias_key(entity.name)
        if entity.label not in LINKED_LABELS or " " in key:
            continue
        known = session.exec(
            select(Entity.id, Entity.name, Entity.article_count)
            .join(EntityAlias, col(EntityAlias.entity_id) == col(Entity.id))
            .where(
                col(EntityAlias.alias_key) == key,
                col(Entity.label) == TARGET_LABEL,
                col(Entity.name_key) != key,
                col(Entity.article_count) >= MIN_ARTICLES,
            )
            .distinct()
            .order_by(col(Entity.id))
        ).all()
        if len(known) == 1:
            entity_id, name, count = known[0]
            relabelled = "" if entity.label == TARGET_LABEL else f" (model said {entity.label})"
            reason = (
                f"{entity.name!r} alone{relabelled}: the only {TARGET_LABEL} the store knows by "
                f"this name is {name!r} ({count} articles)"
            )
            links[(key, entity.label)] = Link(entity_id, reason)
        elif len(known) > 1 and entity.label == TARGET_LABEL:
            names = ", ".join(repr(n) for _, n, _ in known[:5])
            reason = f"{entity.name!r} alone is ambiguous in the store ({names}): kept separate"
            links[(key, entity.label)] = Link(None, reason)
    return links
