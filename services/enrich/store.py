"""Write enrichment results: idempotent, and in feed order.

`save_enriched` runs in one short transaction: it locks the article row, gives up quietly if the
article is already enriched (a redelivered task) or moved on to a newer revision, upserts
entities and aliases, and takes the next feed position last, right before commit, writing one
feed event with it. On PostgreSQL the counter row stays locked until commit, so positions become
visible in order; on SQLite the whole write holds the database lock.

`save_reenriched` does the same for a re-enrichment, and writes an `updated` event only when the
result differs from what is stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import DateTime, bindparam, case, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.expression import Executable
from sqlmodel import Session, SQLModel, col, select

from services.enrich import pg_rows
from services.enrich.entity_links import (
    DEFAULT_LINK_POLICY,
    Key,
    Link,
    LinkPolicy,
    Pin,
    find_links,
    name_pins,
)
from services.enrich.identity import PipelineIdentity
from services.enrich.pipeline import EnrichedDocument
from services.enrich.syndication import link_syndication
from shared.aliases import alias_key
from shared.db import relaxed_commit
from shared.entity_links import named_again, unlink_article_entities
from shared.feed import append_article_event
from shared.models import (
    Article,
    ArticleEntity,
    ArticleRevision,
    ArticleStatus,
    Entity,
    EntityAlias,
    FeedCause,
    FeedEventKind,
    RevisionStatus,
    utcnow,
)
from shared.schemas import Enrichment

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Claim:
    """What a task needs to know to run the pipeline (no ORM objects leave the session)."""

    article_id: int
    status: ArticleStatus
    attempts: int
    content_type: str
    raw: str
    title: str | None
    source: str | None
    language: str | None
    revision: int
    pipeline_hash: str | None
    reenrich_job_id: int | None


def _insert(session: Session, model: type[SQLModel]) -> PgInsert | SqliteInsert:
    """An INSERT in the session's dialect (both have ON CONFLICT DO NOTHING)."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(model)
    return sqlite_insert(model)


def read_article(*, session: Session, article_id: int) -> Claim | None:
    """What the pipeline needs, without counting an attempt (re-enrichment)."""
    article = session.get(Article, article_id)
    return None if article is None else _claim(article, attempts=article.attempts)


def _claim(article: Article, *, attempts: int) -> Claim:
    assert article.id is not None
    return Claim(
        article_id=article.id,
        status=ArticleStatus(article.status),
        attempts=attempts,
        content_type=article.content_type,
        raw=article.raw,
        title=article.title,
        source=article.source,
        language=article.language,
        revision=article.revision,
        pipeline_hash=article.pipeline_hash,
        reenrich_job_id=article.reenrich_job_id,
    )


def claim_attempt(*, session: Session, article_id: int) -> Claim | None:
    """Count one more attempt on the article and return what the pipeline needs. Commits."""
    # A lost count (database crash only) just allows one more attempt: no need to wait for disk.
    relaxed_commit(session)
    # Columns, not an ORM object (no identity map, no flush).
    row = session.exec(
        select(*_CLAIMED).where(col(Article.id) == article_id).with_for_update()
    ).one_or_none()
    if row is None:
        session.rollback()
        return None
    claim = Claim(*row)
    claim = replace(claim, status=ArticleStatus(claim.status))
    if claim.status not in _FINAL:
        claim = replace(claim, attempts=claim.attempts + 1)
        session.exec(
            update(Article)
            .where(col(Article.id) == article_id)
            .values(attempts=claim.attempts, updated_at=utcnow())
        )
    session.commit()
    return claim


# Claim's fields, in order.
_CLAIMED = tuple(
    col(getattr(Article, name))
    for name in (
        "id",
        "status",
        "attempts",
        "content_type",
        "raw",
        "title",
        "source",
        "language",
        "revision",
        "pipeline_hash",
        "reenrich_job_id",
    )
)


_FINAL = frozenset({ArticleStatus.enriched, ArticleStatus.failed, ArticleStatus.retracted})


def pending_revisions(*, session: Session, article_id: int) -> list[Claim]:
    """Earlier revisions superseded before they were enriched, oldest first: each is enriched
    (and gets its feed event) before the current one, so events follow revision order."""
    rows = session.exec(
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article_id)
        .where(ArticleRevision.status == RevisionStatus.pending)
        .order_by(col(ArticleRevision.revision))
    ).all()
    if not rows:  # the common case: no need to read the article row
        session.rollback()
        return []
    article = session.get(Article, article_id)
    if article is None:
        session.rollback()
        return []
    claims = [
        Claim(
            article_id=article_id,
            status=ArticleStatus.pending,
            attempts=article.attempts,
            content_type=row.content_type,
            raw=row.raw,
            title=row.title,
            source=article.source,
            language=row.language,
            revision=row.revision,
            pipeline_hash=None,
            reenrich_job_id=None,
        )
        for row in rows
    ]
    session.rollback()
    return claims


def mark_revision_failed(*, session: Session, article_id: int, revision: int, error: str) -> None:
    """An archived revision the pipeline cannot handle: recorded, no event. Commits."""
    session.exec(
        update(ArticleRevision)
        .where(col(ArticleRevision.article_id) == article_id)
        .where(col(ArticleRevision.revision) == revision)
        .where(col(ArticleRevision.status) == RevisionStatus.pending)
        .values(status=RevisionStatus.failed, error=error[:4000])
    )
    session.commit()


def mark_failed(
    *, session: Session, article_id: int, error: str, revision: int | None = None
) -> bool:
    """Record a final failure unless the article was enriched, retracted or revised meanwhile
    (a newer revision has its own task and its own chances). Commits."""
    statement = (
        update(Article)
        .where(col(Article.id) == article_id)
        .where(col(Article.status).not_in([ArticleStatus.enriched, ArticleStatus.retracted]))
    )
    if revision is not None:
        statement = statement.where(col(Article.revision) == revision)
    result = session.exec(
        statement.values(status=ArticleStatus.failed, error=error[:4000], updated_at=utcnow())
    )
    session.commit()
    return bool(result.rowcount)


@dataclass(slots=True)
class LockedArticle:
    """The article row a result's write reads, locked for the transaction (columns only: the
    submitted text is read for its wire credits, a stored result only for a re-enrichment). The
    write sets the result on it and sends it back in one UPDATE (`_update_article`)."""

    id: int
    revision: int
    status: str
    feed_seq: int | None
    reenrich_job_id: int | None
    source: str | None
    raw: str
    title: str | None
    url: str | None
    published_at: datetime | None
    created_at: datetime
    syndication_group: int | None
    enrichment: dict[str, Any] | None = None
    clean_text: str | None = None
    minhash: bytes | None = None
    wire_credit: str | None = None


_LOCKED = tuple(
    col(getattr(Article, name))
    for name in (
        "id",
        "revision",
        "status",
        "feed_seq",
        "reenrich_job_id",
        "source",
        "raw",
        "title",
        "url",
        "published_at",
        "created_at",
        "syndication_group",
    )
)


def _lock_article(session: Session, article_id: int, *, with_result: bool) -> LockedArticle | None:
    columns = (
        (*_LOCKED, col(Article.enrichment), col(Article.clean_text)) if with_result else _LOCKED
    )
    row = session.exec(
        select(*columns).where(col(Article.id) == article_id).with_for_update()
    ).one_or_none()
    return None if row is None else LockedArticle(*row)


def save_enriched(
    *,
    session: Session,
    article_id: int,
    revision: int,
    enriched: EnrichedDocument,
    identity: PipelineIdentity,
    policy: LinkPolicy = DEFAULT_LINK_POLICY,
) -> int | None:
    """Store the result of `revision`; returns the feed position, or None if there was nothing
    to store (already stored by another delivery, or retracted). A revision superseded while
    it ran is stored in its archived row. Commits."""
    article = _lock_article(session, article_id, with_result=False)
    if article is not None and article.revision != revision:
        return _save_archived(session, article, revision, enriched, identity)
    if article is None or article.status in _FINAL:
        session.rollback()
        return None

    kind = FeedEventKind.created if article.feed_seq is None else FeedEventKind.updated
    entity_ids, links = _write_entities(session, article, enriched, policy)
    link_syndication(session, article, enriched.clean_text)
    seq = _store_result(
        session,
        article,
        enriched,
        entity_ids,
        identity,
        kind,
        FeedCause.revision,
        links,
        status=ArticleStatus.enriched,
    )
    session.commit()
    return seq


def _save_archived(
    session: Session,
    article: LockedArticle,
    revision: int,
    enriched: EnrichedDocument,
    identity: PipelineIdentity,
) -> int | None:
    """An earlier revision's result goes to its archived row, with its own feed event. The
    article's entity rows stay those of its current revision."""
    row = session.get(ArticleRevision, (article.id, revision))
    if row is None or row.status != RevisionStatus.pending:
        session.rollback()
        return None
    row.status = RevisionStatus.enriched
    row.clean_text = enriched.clean_text
    row.detected_language = enriched.language
    row.enrichment = _enrichment(enriched, {}, identity).model_dump(mode="json")
    row.enriched_at = utcnow()
    session.add(row)
    session.flush()
    kind = FeedEventKind.created if article.feed_seq is None else FeedEventKind.updated
    seq = append_article_event(
        session, article_id=article.id, revision=revision, kind=kind, cause=FeedCause.revision
    )
    session.commit()
    return seq


class Reenriched(StrEnum):
    changed = "changed"  # stored, `updated` event written
    unchanged = "unchanged"  # same result: only the pipeline identity recorded
    skipped = "skipped"  # not enriched now, or a newer revision: nothing to redo
    duplicate = "duplicate"  # this job already did this article (a redelivered task)


def record_names(*, session: Session, article_id: int) -> set[str]:
    """The alias keys of the names the stored record lists."""
    stored = session.exec(select(Article.enrichment).where(Article.id == article_id)).first()
    entities = (stored or {}).get("entities", [])
    session.rollback()
    return {alias_key(e["name"]) for e in entities if isinstance(e.get("name"), str)}


def mark_reenrich_done(*, session: Session, article_id: int, job_id: int) -> None:
    """Count the article as done for the job without touching its enrichment. Commits."""
    session.exec(
        update(Article).where(col(Article.id) == article_id).values(reenrich_job_id=job_id)
    )
    session.commit()


def save_reenriched(
    *,
    session: Session,
    article_id: int,
    revision: int,
    job_id: int,
    enriched: EnrichedDocument,
    identity: PipelineIdentity,
    policy: LinkPolicy = DEFAULT_LINK_POLICY,
    retag: bool = False,
) -> Reenriched:
    """Store a re-enrichment of `revision` if it changed anything. `retag` (an entity
    correction's job): the store entities the names join count as a change too. Commits."""
    article = _lock_article(session, article_id, with_result=True)
    if article is None:
        session.rollback()
        return Reenriched.skipped
    if article.reenrich_job_id == job_id:
        session.rollback()
        return Reenriched.duplicate
    article.reenrich_job_id = job_id
    if article.status != ArticleStatus.enriched or article.revision != revision:
        _update_article(session, article.id, {"reenrich_job_id": job_id})
        session.commit()
        return Reenriched.skipped
    if retag:  # the rows are written first: the ids they get are what a re-tag compares
        before = _comparable(
            {**(article.enrichment or {}), "clean_text": article.clean_text}, with_store=True
        )
        entity_ids, links = _write_entities(session, article, enriched, policy)
        after = {
            **_enrichment(enriched, entity_ids, identity, links).model_dump(mode="json"),
            "clean_text": enriched.clean_text,
        }
        changed = before != _comparable(after, with_store=True)
    else:
        links = find_links(session, enriched, seen_at=seen_time(article), policy=policy)
        changed = enrichment_changed(article.enrichment, article.clean_text, enriched, links)
        if changed:
            entity_ids, links = _write_entities(session, article, enriched, policy)
    if not changed:
        # (A re-tag rewrote the same entity rows: nothing to tell consumers.)
        _update_article(
            session,
            article.id,
            {
                "reenrich_job_id": job_id,
                "enrichment": {**(article.enrichment or {}), "pipeline": identity.as_dict()},
                "pipeline_hash": identity.hash,
            },
        )
        session.commit()
        return Reenriched.unchanged
    link_syndication(session, article, enriched.clean_text)
    _store_result(
        session,
        article,
        enriched,
        entity_ids,
        identity,
        FeedEventKind.updated,
        FeedCause.reenrich,
        links,
    )
    session.commit()
    return Reenriched.changed


def enrichment_changed(
    stored: dict[str, Any] | None,
    stored_clean_text: str | None,
    enriched: EnrichedDocument,
    links: dict[tuple[str, str], Link] | None = None,
) -> bool:
    """Entities, clean text, removals, credits or stats differ (the pipeline identity and the
    store's entity ids are not part of the result)."""
    if stored is None:
        return True
    before = {**stored, "clean_text": stored_clean_text}
    after = {
        **_enrichment(enriched, {}, None, links).model_dump(mode="json"),
        "clean_text": enriched.clean_text,
    }
    return bool(_comparable(before) != _comparable(after))


def _comparable(data: dict[str, Any], *, with_store: bool = False) -> Any:
    """The result as compared; `with_store` keeps the store entity each name joined (its id and
    the link's reason), which a re-tag changes and a plain re-enrichment leaves aside."""
    data = {k: v for k, v in data.items() if k != "pipeline"}
    if not with_store:
        data["entities"] = [
            {k: v for k, v in e.items() if k not in ("id", "link")}
            for e in data.get("entities", [])
        ]
    return json.loads(json.dumps(data, sort_keys=True, default=str))


def seen_time(article: Article | LockedArticle) -> datetime:
    """When the article names its entities, for "last seen" and "recent": its publication date,
    unless it has none or claims one still to come; then now."""
    now = utcnow()
    published = article.published_at
    if published is None:
        return now
    published = published if published.tzinfo else published.replace(tzinfo=UTC)
    return min(published, now)


def _write_entities(
    session: Session, article: LockedArticle, enriched: EnrichedDocument, policy: LinkPolicy
) -> tuple[dict[Key, int], dict[Key, Link]]:
    """The article's entity rows for this result, replacing any earlier result's (a revision or
    a re-enrichment), with the entities' article counts and last-seen dates kept. Returns the
    store entity of each name and the links that placed names (editors' corrections, the
    linker)."""
    article_id = article.id
    assert article_id is not None
    enriched_before = article.feed_seq is not None
    if enriched_before:  # take the old result's rows away (remembered as former mentions)
        unlink_article_entities(session, article_id)
    seen_at = seen_time(article)
    # Names an editor pinned: the article's names and every surface form (one lookup for both).
    pins = name_pins(
        session, {alias_key(s) for e in enriched.entities for s in (e.name, *e.aliases)}
    )
    links = find_links(session, enriched, seen_at=seen_at, policy=policy, pins=pins)
    own_ids = _upsert_entities(session, enriched)
    entity_ids = dict(own_ids)
    for key, link in links.items():
        # A link joins the name to its entity unless the article already names that entity
        # under another form; an editor's correction always does (their rows are combined).
        joins = link.corrected or link.entity_id not in own_ids.values()
        if link.entity_id is not None and joins:
            entity_ids[key] = link.entity_id
    _insert_aliases(session, enriched, entity_ids, pins)
    rows: dict[int, dict[str, Any]] = {}
    for e in enriched.entities:
        key = (alias_key(e.name), e.label)
        entity_id = entity_ids[key]
        placed = links.get(key)
        label = placed.label if placed is not None and placed.entity_id == entity_id else e.label
        row = rows.get(entity_id)
        if row is None:
            rows[entity_id] = {
                "article_id": article_id,
                "entity_id": entity_id,
                "mention_count": e.count,
                "first_offset": e.first_offset,
                "salience": e.salience,
                "label": label,
            }
        else:  # two names of one entity (an editor merged them): one row
            row["mention_count"] += e.count
            row["first_offset"] = min(row["first_offset"], e.first_offset)
            row["salience"] = max(row["salience"], e.salience)
    if enriched_before:
        named_again(session, article_id, sorted(rows))
    if rows and pg_rows.is_postgres(session):
        pg_rows.insert_article_entities(session, article_id, list(rows.values()), seen_at)
    elif rows:
        _execute_many(session, _insert(session, ArticleEntity), list(rows.values()))
        last_seen = col(Entity.last_seen_at)
        seen = bindparam("seen", seen_at, type_=DateTime(timezone=True))
        session.exec(
            update(Entity)
            .where(col(Entity.id).in_(sorted(rows)))
            .values(
                article_count=Entity.article_count + 1,
                last_seen_at=case(
                    (last_seen.is_(None) | (last_seen < seen), seen), else_=last_seen
                ),
            )
        )
    return entity_ids, links


def _store_result(
    session: Session,
    article: LockedArticle,
    enriched: EnrichedDocument,
    entity_ids: dict[tuple[str, str], int],
    identity: PipelineIdentity,
    kind: FeedEventKind,
    cause: FeedCause,
    links: dict[tuple[str, str], Link],
    status: ArticleStatus | None = None,
) -> int:
    """Write the result into the article's row (one UPDATE) and its feed event; the position is
    taken last. `status`: the article's new status (a first result's), with its error cleared."""
    now = utcnow()
    values: dict[str, Any] = {
        "clean_text": enriched.clean_text,
        "detected_language": enriched.language,
        "enrichment": _enrichment(enriched, entity_ids, identity, links).model_dump(mode="json"),
        "pipeline_hash": identity.hash,
        "quality": quality_column(enriched.quality),
        **_page_fields(article, enriched.metadata),
        "enriched_at": now,
        "updated_at": now,
        "minhash": article.minhash,
        "wire_credit": article.wire_credit,
        "syndication_group": article.syndication_group,
        "reenrich_job_id": article.reenrich_job_id,
    }
    if status is not None:
        values |= {"status": status, "error": None}
    _update_article(session, article.id, values)
    return append_article_event(
        session, article_id=article.id, revision=article.revision, kind=kind, cause=cause
    )


def _update_article(session: Session, article_id: int, values: dict[str, Any]) -> None:
    session.exec(update(Article).where(col(Article.id) == article_id).values(**values))


def quality_column(flags: list[str]) -> str | None:
    """The flags as stored for filtering: " flag1 flag2 " (see Article.quality)."""
    return f" {' '.join(flags)} " if flags else None


def published_at_from_page(date: str | None) -> datetime | None:
    """The page's publication date as an aware datetime (UTC when the page gives no offset)."""
    if not date:
        return None
    try:
        parsed = datetime.fromisoformat(date)
    except ValueError:
        return None
    # Stored in UTC: SQLite keeps no offset.
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _page_fields(article: LockedArticle, metadata: dict[str, Any]) -> dict[str, Any]:
    """Title, publication date and URL from the page, where the producer gave none."""
    fields: dict[str, Any] = {}
    if article.title is None and isinstance(metadata.get("title"), str):
        fields["title"] = metadata["title"]
    if article.published_at is None:
        fields["published_at"] = published_at_from_page(metadata.get("date"))
    url = metadata.get("url")
    if article.url is None and isinstance(url, str) and url.startswith(("http://", "https://")):
        fields["url"] = url
    return fields


def _enrichment(
    enriched: EnrichedDocument,
    entity_ids: dict[tuple[str, str], int],
    identity: PipelineIdentity | None,
    links: dict[tuple[str, str], Link] | None = None,
) -> Enrichment:
    """The stored record: everything but the clean text (a column of its own), each entity with
    its id in the entity table where linked (an archived revision's entities are not), and the
    pipeline that produced it."""
    data = enriched.to_dict(include_source_text=enriched.source_text != "")
    data.pop("clean_text")
    for entity in data["entities"]:
        key = (alias_key(entity["name"]), entity["label"])
        entity["id"] = entity_ids.get(key)
        if links and key in links:
            link = links[key]
            entity["link"] = {"linked": link.entity_id is not None, "reason": link.reason}
            # The store's reading of the name, where it joined the linked entity (without ids,
            # as when comparing results, a link is taken as applied).
            if link.entity_id is not None and entity["id"] in (None, link.entity_id):
                entity["label"] = link.label
    data["pipeline"] = identity.as_dict() if identity is not None else None
    return Enrichment.model_validate(data)


def _upsert_entities(session: Session, enriched: EnrichedDocument) -> dict[Key, int]:
    """Canonical entities; sorted, so concurrent writers lock in one order."""
    wanted = sorted({(alias_key(e.name), e.label): e.name for e in enriched.entities}.items())
    if not wanted:
        return {}
    if pg_rows.is_postgres(session):
        return pg_rows.upsert_entities(session, wanted)
    _execute_many(
        session,
        _insert(session, Entity).on_conflict_do_nothing(index_elements=["name_key", "label"]),
        [
            {"name": name, "name_key": key, "label": label, "article_count": 0}
            for (key, label), name in wanted
        ],
    )
    ids: dict[Key, int] = {}
    for key_label_chunk in _chunks([kl for kl, _ in wanted], 200):
        keys = [k for k, _ in key_label_chunk]
        found = session.exec(
            select(Entity.name_key, Entity.label, Entity.id).where(col(Entity.name_key).in_(keys))
        )
        ids.update(
            {(k, label): i for k, label, i in found if i is not None and (k, label) in dict(wanted)}
        )
    return ids


def _insert_aliases(
    session: Session,
    enriched: EnrichedDocument,
    entity_ids: dict[Key, int],
    pins: dict[str, Pin],
) -> None:
    """Every surface form as an alias of the entity its name joined, except names an editor
    pinned to another entity (a split must not come back with the next article)."""
    aliases = {
        (alias_key(surface), entity_ids[(alias_key(e.name), e.label)])
        for e in enriched.entities
        for surface in e.aliases
    }
    kept = [(a, i) for a, i in sorted(aliases) if a not in pins or pins[a].entity_id == i]
    if pg_rows.is_postgres(session):
        pg_rows.insert_aliases(session, kept)
        return
    _execute_many(
        session,
        _insert(session, EntityAlias).on_conflict_do_nothing(
            index_elements=["alias_key", "entity_id"]
        ),
        [{"alias_key": a, "entity_id": i} for a, i in kept],
    )


def _execute_many(session: Session, statement: Executable, rows: list[dict[str, Any]]) -> None:
    """Core executemany: the statement compiles once and is cached (a multi-row `.values()`
    recompiles for every row count, which cost more than the database work itself)."""
    if rows:
        session.connection().execute(statement, rows)


def _chunks(items: list[_T], size: int) -> Iterator[list[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
