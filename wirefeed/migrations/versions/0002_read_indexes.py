"""read indexes for a million articles: the entity label in the join table, salience in its index

`entity_type=` alone collected every article of every entity with the label and sorted them
(97 ms at 1,000,000 articles for a rare label); with the label copied into article_entity and
indexed with article_id, the newest articles of a label are one index walk. `about=` read a table
row per candidate to check its salience (15 ms for a mid-sized entity); with salience included in
the (entity_id, article_id) index it is an index-only scan. bench/ANALYSIS.md has the figures.

The backfill rewrites article_entity once (about 25 rows per article).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 19:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("article_entity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label", AutoString(length=16), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE article_entity SET label = entity.label FROM entity "
            "WHERE entity.id = article_entity.entity_id"
        )
    else:
        op.execute(
            "UPDATE article_entity SET label = "
            "(SELECT entity.label FROM entity WHERE entity.id = article_entity.entity_id)"
        )
    with op.batch_alter_table("article_entity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_article_entity_label_article", ["label", "article_id"], unique=False
        )
        batch_op.drop_index("ix_article_entity_entity_article")
        batch_op.create_index(
            "ix_article_entity_entity_article",
            ["entity_id", "article_id"],
            unique=False,
            postgresql_include=["salience"],
        )


def downgrade() -> None:
    with op.batch_alter_table("article_entity", schema=None) as batch_op:
        batch_op.drop_index("ix_article_entity_entity_article")
        batch_op.create_index(
            "ix_article_entity_entity_article", ["entity_id", "article_id"], unique=False
        )
        batch_op.drop_index("ix_article_entity_label_article")
        batch_op.drop_column("label")
