"""The stored shape of wirefeed: articles (their own outbox), entities, aliases, feed counter.

Schema changes go through Alembic (wirefeed/migrations); these classes are the source it is
checked against (tests/integration/test_migrations.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, LargeBinary, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# JSONB on PostgreSQL, JSON text on SQLite.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class ArticleStatus(StrEnum):
    pending = "pending"  # stored, not yet handed to the broker
    queued = "queued"  # handed to the broker at least once
    enriched = "enriched"
    failed = "failed"  # gave up: `error` says why
    retracted = "retracted"  # a tombstone: the publisher withdrew it (`retraction_reason`)


class ArticleBase(SQLModel):
    source: str | None = Field(default=None, max_length=200, index=True)
    external_id: str | None = Field(default=None, max_length=500)
    title: str | None = Field(default=None, sa_type=Text)
    url: str | None = Field(default=None, sa_type=Text)
    language: str | None = Field(default=None, max_length=16)
    published_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), index=True)
    )


class Article(ArticleBase, table=True):
    __tablename__ = "article"
    __table_args__ = (Index("ix_article_status_updated", "status", "updated_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # "ext:<source>\x1f<external_id>" or "sha:<content hash>": one unique key for both dedupe rules.
    dedupe_key: str = Field(max_length=600, unique=True)
    content_type: str = Field(max_length=8)  # "text" | "html" | "url"
    raw: str = Field(sa_type=Text)  # exactly as submitted (text or HTML); empty for url-only
    status: str = Field(default=ArticleStatus.pending, max_length=16)
    attempts: int = 0
    error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True),
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    queued_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    enriched_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    # The position of the article's latest feed event (the feed itself is `feed_event`).
    feed_seq: int | None = Field(default=None, sa_column=Column(BigInteger, unique=True))
    revision: int = 1
    revised_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    retracted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    retraction_reason: str | None = Field(default=None, sa_type=Text)
    # Short hash of the pipeline identity that produced `enrichment` (`wirefeed reenrich --stale`).
    pipeline_hash: str | None = Field(default=None, max_length=64, index=True)
    # Syndication: the id of the earliest article of its group of cross-source near-duplicates
    # (itself for that original), None when no copy is known; `minhash` is its signature.
    syndication_group: int | None = Field(default=None, index=True)
    minhash: bytes | None = Field(default=None, sa_type=LargeBinary)
    wire_credit: str | None = Field(default=None, max_length=200)
    # The last re-enrichment job that looked at this article (progress, and duplicate deliveries).
    reenrich_job_id: int | None = Field(default=None, index=True)
    clean_text: str | None = Field(default=None, sa_type=Text)
    detected_language: str | None = Field(default=None, max_length=16)
    # Everything else the pipeline produced: removals, credits, entities with mentions, stats.
    enrichment: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    # The record's quality flags, space-separated with a space at each end (" too_short "), so
    # a filter is one LIKE on both databases; the list and its reasons are in `enrichment`.
    quality: str | None = Field(default=None, max_length=300)


class RevisionStatus(StrEnum):
    pending = "pending"  # superseded before it was enriched: the worker enriches it, in order
    enriched = "enriched"
    failed = "failed"
    superseded = "superseded"  # retracted before it was enriched: never enriched, no event
    retracted = "retracted"  # a retraction (tombstone) that a later revision replaced


class ArticleRevision(SQLModel, table=True):
    """An earlier revision of an article, archived when a newer one (or a retraction) arrived,
    with its own enrichment. The article row always holds the latest revision."""

    __tablename__ = "article_revision"

    article_id: int = Field(foreign_key="article.id", primary_key=True)
    revision: int = Field(primary_key=True)
    status: str = Field(max_length=16)
    content_type: str = Field(max_length=8)
    raw: str = Field(sa_type=Text)
    title: str | None = Field(default=None, sa_type=Text)
    url: str | None = Field(default=None, sa_type=Text)
    language: str | None = Field(default=None, max_length=16)
    published_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    archived_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    clean_text: str | None = Field(default=None, sa_type=Text)
    detected_language: str | None = Field(default=None, max_length=16)
    enrichment: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    enriched_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    error: str | None = Field(default=None, sa_type=Text)


class Entity(SQLModel, table=True):
    """A canonical entity, shared across articles."""

    __tablename__ = "entity"
    __table_args__ = (
        Index("uq_entity_key_label", "name_key", "label", unique=True),
        Index("ix_entity_popularity", "article_count", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    name_key: str = Field(max_length=300)  # casefolded name, what lookups compare
    label: str = Field(max_length=16, index=True)
    # Kept by the enrichment write so listing entities never counts the join table.
    article_count: int = 0
    # An editor merged this entity into that one (POST /v1/entities/{id}/merge): every name of
    # this one now means that one. Never a chain: a merge repoints earlier merges into it.
    merged_into: int | None = Field(default=None, foreign_key="entity.id", index=True)
    # The latest date of an article naming it (published, or enriched when undated): the
    # linker's "recent" (services/enrich/entity_links.py).
    last_seen_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class EntityAlias(SQLModel, table=True):
    """Every surface form seen for an entity, so a search for "Putin" finds "Vladimir Putin"."""

    __tablename__ = "entity_alias"

    alias_key: str = Field(max_length=300, primary_key=True)
    entity_id: int = Field(foreign_key="entity.id", primary_key=True, index=True)


class EntityCorrection(SQLModel, table=True):
    """An editor's correction of the entity store (merge or split), kept as a log: what was
    done, by whom and why, and the re-enrichment job that re-tagged the affected articles."""

    __tablename__ = "entity_correction"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # "merge" | "split"
    # merge: the entity kept; split: the entity the names were taken from.
    entity_id: int = Field(index=True)
    # merge: the entity merged away; split: the entity the names went to.
    other_id: int = Field(index=True)
    # The names (alias keys) that changed hands.
    names: list[str] = Field(sa_column=Column(JSONType, nullable=False))
    reason: str | None = Field(default=None, sa_type=Text)
    editor: str | None = Field(default=None, max_length=200)
    reenrich_job_id: int | None = None
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class EntityNamePin(SQLModel, table=True):
    """An editor's ruling that a name means one entity (a split): a record naming it joins that
    entity, and no other entity takes it as an alias, whatever the automatic linker would do."""

    __tablename__ = "entity_name_pin"

    alias_key: str = Field(max_length=300, primary_key=True)
    entity_id: int = Field(foreign_key="entity.id", index=True)
    correction_id: int = Field(foreign_key="entity_correction.id")


class ArticleEntity(SQLModel, table=True):
    __tablename__ = "article_entity"
    __table_args__ = (
        # An entity's articles newest first; salience rides along so `about=` reads no table row.
        Index(
            "ix_article_entity_entity_article",
            "entity_id",
            "article_id",
            postgresql_include=["salience"],
        ),
        # A label's articles newest first (`entity_type=` alone), without visiting `entity`.
        Index("ix_article_entity_label_article", "label", "article_id"),
    )

    article_id: int = Field(foreign_key="article.id", primary_key=True, ondelete="CASCADE")
    entity_id: int = Field(foreign_key="entity.id", primary_key=True)
    mention_count: int
    first_offset: int
    salience: float
    # The entity's label, copied (an entity's label never changes: it is part of its key).
    label: str | None = Field(default=None, max_length=16)


class FormerMention(SQLModel, table=True):
    """The entities an article named in an earlier result and no longer names: a revision or a
    re-enrichment that dropped them, or a retraction (which drops them all). Its `article_entity`
    rows go (counts stay exact), but a feed, stream or webhook filtered by one of these entities
    delivered the article before and must deliver what became of it (`updated`, `retracted`)."""

    __tablename__ = "former_mention"

    article_id: int = Field(foreign_key="article.id", primary_key=True, ondelete="CASCADE")
    entity_id: int = Field(foreign_key="entity.id", primary_key=True, index=True)
    salience: float
    label: str | None = Field(default=None, max_length=16)


class FeedEventKind(StrEnum):
    created = "created"  # first enrichment of the article
    updated = "updated"  # a new revision enriched, or a re-enrichment that changed something
    retracted = "retracted"


class FeedCause(StrEnum):
    revision = "revision"  # a revision of the article was enriched (its first one: `created`)
    reenrich = "reenrich"  # `wirefeed reenrich` changed the enrichment of the same revision
    retraction = "retraction"


class FeedEvent(SQLModel, table=True):
    """One feed position per event. Positions come from FeedCounter inside the transaction that
    writes the event, so they become visible in order (see services/enrich/store.py)."""

    __tablename__ = "feed_event"

    position: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    article_id: int = Field(foreign_key="article.id", index=True)
    revision: int
    kind: str = Field(max_length=16)
    cause: str = Field(default=FeedCause.revision, max_length=16)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ReenrichJob(SQLModel, table=True):
    """One `wirefeed reenrich` run: what it selects, how far it has queued (resumable)."""

    __tablename__ = "reenrich_job"

    id: int | None = Field(default=None, primary_key=True)
    selector: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    selector_key: str = Field(max_length=1000, index=True)  # canonical JSON of selector + target
    target_pipeline: str = Field(max_length=64)
    total: int = 0
    queued: int = 0
    cursor: int = 0  # the highest article id queued so far
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class LshBand(SQLModel, table=True):
    """One LSH band hash of an article's MinHash signature: articles sharing a row here are
    near-duplicate candidates (services/enrich/near_duplicates.py). Indexed in the database, so
    finding candidates costs one index lookup per band however many articles are stored."""

    __tablename__ = "lsh_band"

    band: int = Field(primary_key=True)
    band_hash: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    article_id: int = Field(foreign_key="article.id", primary_key=True, index=True)


class FeedCounter(SQLModel, table=True):
    """A single row whose value is the last feed position handed out."""

    __tablename__ = "feed_counter"

    id: int = Field(default=1, primary_key=True)
    value: int = Field(default=0, sa_type=BigInteger)


class WebhookSubscription(SQLModel, table=True):
    """A consumer's webhook: a view of the feed whose state is the last position delivered."""

    __tablename__ = "webhook_subscription"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_type=Text)
    secret: str = Field(max_length=200)  # "whsec_" + base64, as Standard Webhooks defines
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType))
    active: bool = True
    disabled_reason: str | None = Field(default=None, sa_type=Text)
    last_position: int = Field(default=0, sa_type=BigInteger)
    # Set at the first failure of a run of failures; cleared by a success.
    failing_since: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    failures: int = 0
    next_attempt_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True))
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class WebhookDelivery(SQLModel, table=True):
    """One attempt to deliver one feed item to one subscription (the delivery log)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_subscription", "subscription_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="webhook_subscription.id", ondelete="CASCADE")
    position: int = Field(sa_type=BigInteger)
    message_id: str = Field(max_length=100)  # webhook-id: the same for every retry
    attempt: int
    ok: bool
    status_code: int | None = None
    error: str | None = Field(default=None, sa_type=Text)
    attempted_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


# Full-text search lives in dialect-specific objects that migration 0014_fts creates and the
# database keeps current (PostgreSQL: a trigger-written tsvector column + GIN index, and since
# 0019 a copy of each vector in the narrow table `article_search`, stored in its row, that
# ranking reads; SQLite: an FTS5 table with its shadow tables and triggers). SQLModel cannot
# describe them for both databases, so the model-vs-migration check leaves exactly these names
# out and tests them on their own.
SEARCH_COLUMN = "search_vector"
SEARCH_INDEX = "ix_article_search"
SEARCH_VECTOR_TABLE = "article_search"
SEARCH_TABLE = "article_fts"
# Likewise PostgreSQL only (migration 0018): each article's feed entity list and pipeline,
# written by a trigger whenever `enrichment` is (services/api/queries.feed_page reads them).
FEED_COLUMNS = ("feed_entities", "feed_pipeline")


def is_dialect_object(name: str | None) -> bool:
    return name is not None and (
        name in (SEARCH_COLUMN, SEARCH_INDEX, SEARCH_VECTOR_TABLE, *FEED_COLUMNS)
        or name.startswith(SEARCH_TABLE)
    )
