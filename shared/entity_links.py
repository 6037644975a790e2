"""The article-to-entity rows of one article, removed with the entities' counts kept exact
(a new result replaces them; a retraction takes them away); and which labels name one kind of
entity, for the linker and for editors' merges."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from shared.models import ArticleEntity, Entity

# A surname alone is often labelled ORG by the model ("Trump told reporters..."): for names,
# PERSON and ORG are one kind.
LINKED_LABELS = frozenset({"PERSON", "ORG"})


def labels_compatible(label: str, other: str) -> bool:
    """Whether a name read with `label` can be an entity of `other` label."""
    return label == other or {label, other} <= LINKED_LABELS


def unlink_article_entities(session: Session, article_id: int) -> None:
    old = sorted(
        session.exec(select(ArticleEntity.entity_id).where(ArticleEntity.article_id == article_id))
    )
    if not old:
        return
    session.exec(delete(ArticleEntity).where(col(ArticleEntity.article_id) == article_id))
    session.exec(
        update(Entity).where(col(Entity.id).in_(old)).values(article_count=Entity.article_count - 1)
    )
