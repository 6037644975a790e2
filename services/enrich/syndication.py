"""Syndication groups in the store: an enriched article's MinHash bands go to `lsh_band`; the
articles of other sources sharing a band are compared by signature, and near-duplicates join
one group whose id is its earliest article (the `original`).

Runs inside the enrichment's write transaction. Two copies enriched at the same moment by two
workers may not see each other's bands (neither is committed yet): that pair stays unlinked
until one of them is enriched again (a revision or `wirefeed reenrich`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from sqlalchemy import delete, func, tuple_, update
from sqlmodel import Session, col, select

from services.enrich.near_duplicates import (
    DEFAULT,
    band_hashes,
    is_copy,
    signature,
    similarity,
    wire_credits,
)
from shared.models import Article, ArticleStatus, LshBand


def _when(article: Article) -> tuple[datetime, int]:
    moment = article.published_at or article.created_at
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware, article.id or 0


def link_syndication(session: Session, article: Article, clean_text: str) -> None:
    """Index the article's bands and join it to the group of its cross-source copies."""
    assert article.id is not None
    sig = signature(clean_text)
    bands = band_hashes(sig)
    credits = wire_credits(article.raw)
    session.exec(delete(LshBand).where(col(LshBand.article_id) == article.id))
    candidate_ids = session.exec(
        select(LshBand.article_id)
        .where(tuple_(col(LshBand.band), col(LshBand.band_hash)).in_(list(enumerate(bands))))
        .distinct()
    ).all()
    copies: list[Article] = []
    if candidate_ids:
        # Columns only, and other sources only: a story re-sent many times by its own source
        # shares bands with every earlier copy, and loading each copy's whole row (text and
        # stored enrichment) grew the worker's memory with every copy (bench/ANALYSIS.md).
        matches = session.exec(
            select(Article.id, Article.minhash, Article.wire_credit).where(
                col(Article.id).in_(candidate_ids),
                col(Article.id) != article.id,
                col(Article.status) == ArticleStatus.enriched,
                func.coalesce(col(Article.source), "") != (article.source or ""),
            )
        ).all()
        copy_ids = []
        for other_id, minhash, wire_credit in matches:
            if minhash is None:
                continue
            score = similarity(sig, np.frombuffer(minhash, dtype=np.uint64))
            other_credits = wire_credit.split(",") if wire_credit else []
            if is_copy(score, credits, other_credits, DEFAULT):
                copy_ids.append(other_id)
        if copy_ids:
            copies = list(session.exec(select(Article).where(col(Article.id).in_(copy_ids))))
    session.add_all(
        [LshBand(band=i, band_hash=h, article_id=article.id) for i, h in enumerate(bands)]
    )
    article.minhash = sig.tobytes()
    article.wire_credit = ",".join(sorted(credits)) or None
    if not copies:
        article.syndication_group = None
        return
    groups = {c.syndication_group for c in copies if c.syndication_group is not None}
    members = [article, *copies]
    if groups:
        members += list(
            session.exec(select(Article).where(col(Article.syndication_group).in_(groups)))
        )
    original = min(members, key=_when)
    assert original.id is not None
    article.syndication_group = original.id
    for member in copies:
        member.syndication_group = original.id
        session.add(member)
    if groups - {original.id}:
        session.exec(
            update(Article)
            .where(col(Article.syndication_group).in_(sorted(groups - {original.id})))
            .values(syndication_group=original.id)
        )
