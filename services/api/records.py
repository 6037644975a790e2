"""Shaping read responses: slim article records, `fields=` selection, ETag / 304."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson
from fastapi import HTTPException, Request, Response, status

from services.api.params import Include
from shared.models import Article, ArticleStatus
from shared.schemas import ArticleDetail, utc_text

RECORD_FIELDS = tuple(ArticleDetail.model_fields)


def summary_dict(article: Article | Any, pipeline: dict[str, str] | None = None) -> dict[str, Any]:
    """The JSON form of an article's summary (the fields every listing shows); `pipeline` is
    what produced its enrichment (detail and feed only: lists leave the JSON unread). `article`
    is an Article or a row of its summary columns (queries.SUMMARY_COLUMNS).

    Built directly, in ArticleSummary's field order and serialization (tests/unit/
    test_summary_dict.py holds the two equal): validating and dumping the model for each row of
    a page cost more than the page's query."""
    return {
        "id": article.id,
        "status": ArticleStatus(article.status).value,
        "source": article.source,
        "external_id": article.external_id,
        "title": article.title,
        "url": article.url,
        "published_at": _utc_or_none(article.published_at),
        "created_at": utc_text(article.created_at),
        "enriched_at": _utc_or_none(article.enriched_at),
        "feed_seq": article.feed_seq,
        "revision": article.revision,
        "revised_at": _utc_or_none(article.revised_at),
        "syndication_group": article.syndication_group,
        "pipeline": pipeline,
        "language": article.detected_language or article.language,
        "error": article.error,
        "quality": (article.quality or "").split(),
    }


def _utc_or_none(value: datetime | None) -> str | None:
    return None if value is None else utc_text(value)


def article_record(
    article: Article, enrichment: dict[str, Any], *, include: set[Include]
) -> dict[str, Any]:
    """Clean text, metadata (author, site name), entities, removals, quality flags (the
    `quality` column, as list filters see them) and revision/pipeline identity; raw, source
    text and entity mentions (most of a record's bytes) only when asked for with `include`."""
    with_mentions = Include.mentions in include
    metadata = enrichment.get("metadata", {})
    record: dict[str, Any] = {
        **summary_dict(article, enrichment.get("pipeline")),
        "content_type": article.content_type,
        "attempts": article.attempts,
        "clean_text": article.clean_text,
        "language_confidence": enrichment.get("language_confidence"),
        "entities_skipped_reason": enrichment.get("entities_skipped_reason"),
        "removals": enrichment.get("removals", []),
        "credits": enrichment.get("credits", []),
        "entities": [
            e if with_mentions else {k: v for k, v in e.items() if k != "mentions"}
            for e in enrichment.get("entities", [])
        ],
        "metadata": metadata,
        "author": metadata.get("author"),
        "site_name": metadata.get("site_name"),
        "quality_detail": enrichment.get("quality_detail", {}),
        "stats": enrichment.get("stats", {}),
    }
    if Include.raw in include:
        record["raw"] = article.raw
    if Include.source_text in include:
        # For text articles the extracted text is the submitted text itself.
        record["source_text"] = enrichment.get("source_text", article.raw)
    return record


def parse_fields(raw: str | None, allowed: Iterable[str]) -> list[str] | None:
    """`fields=id,title`: the top-level fields to return; 422 naming unknown ones."""
    if raw is None:
        return None
    known = list(allowed)
    chosen = [f.strip() for f in raw.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in known]
    if unknown or not chosen:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"query parameter 'fields': {', '.join(repr(f) for f in unknown) or 'empty'} "
            f"{'is' if len(unknown) == 1 else 'are'} not a field; choose from {', '.join(known)}",
        )
    return chosen


def select_fields(record: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    return record if fields is None else {f: record.get(f) for f in fields}


def etag_response(request: Request, payload: Any) -> Response:
    """JSON with a strong validator of its exact bytes: a matching If-None-Match gets 304."""
    body = orjson.dumps(payload)
    # Weak: the same record may travel gzip-encoded or not.
    tag = 'W/"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if _matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def _matches(if_none_match: str | None, tag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {c.strip().removeprefix("W/") for c in if_none_match.split(",")}
    return "*" in candidates or tag.removeprefix("W/") in candidates
