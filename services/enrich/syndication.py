"""Syndication groups in the store: an enriched article's MinHash bands go to `lsh_band`; the
articles of other sources sharing a band are compared by signature, and near-duplicates join
one group whose id is its earliest article (the `original`).

Runs inside the enrichment's write transaction. Two copies enriched at the same moment by two
workers may not see each other's bands (neither is committed yet): that pair stays unlinked
until one of them is enriched again (a revision or `wirefeed reenrich`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

import numpy as np
from sqlalchemy import delete, func, insert, tuple_, update
from sqlmodel import Session, col, select

from services.enrich import pg_rows
from services.enrich.near_duplicates import (
    DEFAULT,
    band_hashes,
    is_copy,
    signature,
    similarity,
    wire_credits,
)
from shared.models import Article, ArticleStatus, LshBand


class SyndicationTarget(Protocol):
    """The article being stored, as link_syndication reads and sets it (an `Article`, or the
    locked row services/enrich/store.py writes back with one UPDATE)."""

    minhash: bytes | None
    wire_credit: str | None
    syndication_group: int | None

    @property
    def id(self) -> int | None: ...
    @property
    def source(self) -> str | None: ...
    @property
    def raw(self) -> str: ...
    @property
    def published_at(self) -> datetime | None: ...
    @property
    def created_at(self) -> datetime: ...


def _when(
    published_at: datetime | None, created_at: datetime, article_id: int
) -> tuple[datetime, int]:
    moment = published_at or created_at
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware, article_id


def link_syndication(session: Session, article: SyndicationTarget, clean_text: str) -> None:
    """Index the article's bands and join it to the group of its cross-source copies. Only
    columns are read and written (a copy's whole row is never loaded); sets the article's
    minhash, wire_credit and syndication_group."""
    assert article.id is not None
    sig = signature(clean_text)
    bands = band_hashes(sig)
    credits = wire_credits(article.raw)
    matches = _index_bands(session, article, bands)
    copy_ids = []
    for other_id, minhash, wire_credit in matches:
        if minhash is None:
            continue
        score = similarity(sig, np.frombuffer(minhash, dtype=np.uint64))
        other_credits = wire_credit.split(",") if wire_credit else []
        if is_copy(score, credits, other_credits, DEFAULT):
            copy_ids.append(other_id)
    article.minhash = sig.tobytes()
    article.wire_credit = ",".join(sorted(credits)) or None
    if not copy_ids:
        article.syndication_group = None
        return
    _join_group(session, article, copy_ids)


def _index_bands(
    session: Session, article: SyndicationTarget, bands: list[int]
) -> list[tuple[int, bytes | None, str | None]]:
    """Replace the article's bands; the other sources' enriched articles sharing one.
    Columns only, and other sources only: a story re-sent many times by its own source shares
    bands with every earlier copy, and loading each copy's whole row (text and stored
    enrichment) grew the worker's memory with every copy (bench/ANALYSIS.md)."""
    assert article.id is not None
    session.exec(delete(LshBand).where(col(LshBand.article_id) == article.id))
    if pg_rows.is_postgres(session):  # insert and lookup in one statement
        return pg_rows.bands_and_candidates(
            session, article.id, article.source, bands, ArticleStatus.enriched.value
        )
    candidate_ids = session.exec(
        select(LshBand.article_id)
        .where(tuple_(col(LshBand.band), col(LshBand.band_hash)).in_(list(enumerate(bands))))
        .distinct()
    ).all()
    matches: list[tuple[int, bytes | None, str | None]] = []
    if candidate_ids:
        matches = [
            (i, m, w)
            for i, m, w in session.exec(
                select(Article.id, Article.minhash, Article.wire_credit).where(
                    col(Article.id).in_(candidate_ids),
                    col(Article.id) != article.id,
                    col(Article.status) == ArticleStatus.enriched,
                    func.coalesce(col(Article.source), "") != (article.source or ""),
                )
            )
            if i is not None
        ]
    session.connection().execute(
        insert(LshBand),
        [{"band": i, "band_hash": h, "article_id": article.id} for i, h in enumerate(bands)],
    )
    return matches


def _join_group(session: Session, article: SyndicationTarget, copy_ids: list[int]) -> None:
    """The article, its copies and every member of their groups join one group, whose id is
    its earliest article."""
    assert article.id is not None
    columns = (
        col(Article.id),
        col(Article.syndication_group),
        col(Article.published_at),
        col(Article.created_at),
    )
    copies = list(session.exec(select(*columns).where(col(Article.id).in_(copy_ids))))
    groups = {group for _, group, _, _ in copies if group is not None}
    members = [(article.id, article.published_at, article.created_at)]
    members += [(i, p, c) for i, _, p, c in copies if i is not None]
    if groups:
        members += [
            (i, p, c)
            for i, _, p, c in session.exec(
                select(*columns).where(col(Article.syndication_group).in_(groups))
            )
            if i is not None
        ]
    original = min(members, key=lambda m: _when(m[1], m[2], m[0]))[0]
    article.syndication_group = original
    group = col(Article.syndication_group)
    joining = col(Article.id).in_(sorted(copy_ids)) | group.in_(sorted(groups - {original}))
    session.exec(
        update(Article)
        .where(joining)
        .where(group.is_(None) | (group != original))
        .values(syndication_group=original)
    )
