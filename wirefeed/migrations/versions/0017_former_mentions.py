"""former mentions: the entities an article named and no longer names, for entity-filtered feeds

Revision ID: 0017_former_mentions
Revises: 0016_entity_corrections
Create Date: 2026-11-30 23:55:00

Articles revised or retracted before this revision are not backfilled: their old entity rows
were already gone, so those events stay out of entity-filtered views as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0017_former_mentions"
down_revision: str | None = "0016_entity_corrections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "former_mention",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("salience", sa.Float(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"]),
        sa.PrimaryKeyConstraint("article_id", "entity_id"),
    )
    op.create_index("ix_former_mention_entity_id", "former_mention", ["entity_id"])


def downgrade() -> None:
    op.drop_index("ix_former_mention_entity_id", table_name="former_mention")
    op.drop_table("former_mention")
