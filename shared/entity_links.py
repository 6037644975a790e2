"""The article-to-entity rows of one article, removed with the entities' counts kept exact
(a new result replaces them; a retraction takes them away, keeping a copy for the feed); and
which labels name one kind of entity, for the linker and for editors' merges."""

from __future__ import annotations

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col, select

from shared.models import ArticleEntity, Entity, RetractedMention

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


def remember_retracted_mentions(session: Session, article_id: int) -> None:
    """Copy the article's entity rows aside before a retraction removes them (see
    RetractedMention); a later revision that reinstates the article forgets them."""
    forget_retracted_mentions(session, article_id)
    columns = ["article_id", "entity_id", "salience", "label"]
    links = select(*(getattr(ArticleEntity, name) for name in columns)).where(
        ArticleEntity.article_id == article_id
    )
    session.exec(insert(RetractedMention).from_select(columns, links))


def forget_retracted_mentions(session: Session, article_id: int) -> None:
    session.exec(delete(RetractedMention).where(col(RetractedMention.article_id) == article_id))
