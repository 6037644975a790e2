"""The article-to-entity rows of one article, removed with the entities' counts kept exact
(a new result replaces them; a retraction takes them away), each removal remembered as a former
mention for entity-filtered feeds; and which labels name one kind of entity, for the linker and
for editors' merges."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col, select

from shared.models import ArticleEntity, Entity, FormerMention

# A surname alone is often labelled ORG by the model ("Trump told reporters..."): for names,
# PERSON and ORG are one kind.
LINKED_LABELS = frozenset({"PERSON", "ORG"})


def labels_compatible(label: str, other: str) -> bool:
    """Whether a name read with `label` can be an entity of `other` label."""
    return label == other or {label, other} <= LINKED_LABELS


def unlink_article_entities(session: Session, article_id: int) -> None:
    """Take the article's entity rows away, remembering them as former mentions (a new result
    that names an entity again forgets it: `named_again`)."""
    old = sorted(
        session.exec(select(ArticleEntity.entity_id).where(ArticleEntity.article_id == article_id))
    )
    if not old:
        return
    named_again(session, article_id, old)  # the copy below replaces any older one
    columns = ["article_id", "entity_id", "salience", "label"]
    links = select(*(getattr(ArticleEntity, name) for name in columns)).where(
        ArticleEntity.article_id == article_id
    )
    session.exec(insert(FormerMention).from_select(columns, links))
    session.exec(delete(ArticleEntity).where(col(ArticleEntity.article_id) == article_id))
    session.exec(
        update(Entity).where(col(Entity.id).in_(old)).values(article_count=Entity.article_count - 1)
    )


def named_again(session: Session, article_id: int, entity_ids: Sequence[int]) -> None:
    """The article names these entities (again): they are not former mentions of it."""
    if entity_ids:
        session.exec(
            delete(FormerMention)
            .where(col(FormerMention.article_id) == article_id)
            .where(col(FormerMention.entity_id).in_(entity_ids))
        )
