"""entity corrections: merges and splits by editors, name pins, when an entity was last seen

Revision ID: 0016_entity_corrections
Revises: 0015_webhooks
Create Date: 2026-11-30 22:25:15
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016_entity_corrections"
down_revision: str | None = "0015_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
MERGED_INTO_FK = "fk_entity_merged_into_entity"

# The latest date of an article naming each entity: its publication date, or when it was
# enriched if it has none or claims one after that.
_BACKFILL_LAST_SEEN = """
UPDATE entity SET last_seen_at = (
    SELECT max(CASE WHEN a.published_at IS NULL OR a.published_at > a.enriched_at
                    THEN a.enriched_at ELSE a.published_at END)
    FROM article_entity ae JOIN article a ON a.id = ae.article_id
    WHERE ae.entity_id = entity.id
)
"""


def upgrade() -> None:
    op.create_table(
        "entity_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("names", JSONType, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("editor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("reenrich_job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_entity_correction_entity_id", "entity_correction", ["entity_id"])
    op.create_index("ix_entity_correction_other_id", "entity_correction", ["other_id"])
    op.create_table(
        "entity_name_pin",
        sa.Column("alias_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("correction_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["correction_id"], ["entity_correction.id"]),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"]),
        sa.PrimaryKeyConstraint("alias_key"),
    )
    op.create_index("ix_entity_name_pin_entity_id", "entity_name_pin", ["entity_id"])
    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_entity_merged_into", ["merged_into"], unique=False)
        batch_op.create_foreign_key(MERGED_INTO_FK, "entity", ["merged_into"], ["id"])
    op.execute(_BACKFILL_LAST_SEEN)


def downgrade() -> None:
    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.drop_constraint(MERGED_INTO_FK, type_="foreignkey")
        batch_op.drop_index("ix_entity_merged_into")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("merged_into")
    op.drop_index("ix_entity_name_pin_entity_id", table_name="entity_name_pin")
    op.drop_table("entity_name_pin")
    op.drop_index("ix_entity_correction_other_id", table_name="entity_correction")
    op.drop_index("ix_entity_correction_entity_id", table_name="entity_correction")
    op.drop_table("entity_correction")
