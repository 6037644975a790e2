"""initial schema: articles (their own outbox), entities, aliases, feed counter

Revision ID: 0001
Revises:
Create Date: 2026-11-27 00:14:16.620284
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article",
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enriched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("feed_seq", sa.BigInteger(), nullable=True),
        sa.Column("clean_text", sa.Text(), nullable=True),
        sa.Column("detected_language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column(
            "enrichment",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
        sa.UniqueConstraint("feed_seq"),
    )
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_article_published_at"), ["published_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_article_source"), ["source"], unique=False)
        batch_op.create_index("ix_article_status_updated", ["status", "updated_at"], unique=False)

    op.create_table(
        "entity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("name_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entity_label"), ["label"], unique=False)
        batch_op.create_index("ix_entity_popularity", ["article_count", "id"], unique=False)
        batch_op.create_index("uq_entity_key_label", ["name_key", "label"], unique=True)

    feed_counter = op.create_table(
        "feed_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # The single row whose value is the last feed position handed out.
    op.bulk_insert(feed_counter, [{"id": 1, "value": 0}])
    op.create_table(
        "article_entity",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("mention_count", sa.Integer(), nullable=False),
        sa.Column("first_offset", sa.Integer(), nullable=False),
        sa.Column("salience", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entity.id"],
        ),
        sa.PrimaryKeyConstraint("article_id", "entity_id"),
    )
    with op.batch_alter_table("article_entity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_article_entity_entity_article", ["entity_id", "article_id"], unique=False
        )

    op.create_table(
        "entity_alias",
        sa.Column("alias_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entity.id"],
        ),
        sa.PrimaryKeyConstraint("alias_key", "entity_id"),
    )
    with op.batch_alter_table("entity_alias", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entity_alias_entity_id"), ["entity_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("entity_alias", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entity_alias_entity_id"))

    op.drop_table("entity_alias")
    with op.batch_alter_table("article_entity", schema=None) as batch_op:
        batch_op.drop_index("ix_article_entity_entity_article")

    op.drop_table("article_entity")
    op.drop_table("feed_counter")
    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.drop_index("uq_entity_key_label")
        batch_op.drop_index("ix_entity_popularity")
        batch_op.drop_index(batch_op.f("ix_entity_label"))

    op.drop_table("entity")
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index("ix_article_status_updated")
        batch_op.drop_index(batch_op.f("ix_article_source"))
        batch_op.drop_index(batch_op.f("ix_article_published_at"))
        batch_op.drop_index(batch_op.f("ix_article_created_at"))

    op.drop_table("article")
