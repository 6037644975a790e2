"""The article-to-entity rows of one article, removed with the entities' counts kept exact
(a new result replaces them; a retraction takes them away)."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from shared.models import ArticleEntity, Entity


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
