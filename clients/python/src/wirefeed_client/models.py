"""The wire shapes, as typed dicts: what the services answer is plain JSON, typed here for
editors and mypy. tests/integration/test_python_client.py checks them against the OpenAPI."""

from typing import Any, Literal, NotRequired, TypedDict


class IngestResult(TypedDict):
    id: int
    status: str
    duplicate: NotRequired[bool]
    revision: NotRequired[int]


class BatchItemResult(TypedDict):
    index: int
    ok: bool
    result: NotRequired[IngestResult | None]
    error: NotRequired[str | None]
    errors: NotRequired[list[dict[str, Any]] | None]


class BatchResult(TypedDict):
    accepted: int
    duplicates: int
    rejected: int
    items: list[BatchItemResult]


class ArticleSummary(TypedDict):
    id: int
    status: str
    source: str | None
    external_id: str | None
    title: str | None
    url: str | None
    published_at: str | None
    created_at: str
    enriched_at: str | None
    feed_seq: int | None
    revision: NotRequired[int]
    revised_at: NotRequired[str | None]
    syndication_group: NotRequired[int | None]
    pipeline: NotRequired[dict[str, str] | None]
    language: str | None
    error: str | None
    quality: NotRequired[list[str]]


class ArticleListItem(ArticleSummary):
    rank: NotRequired[float | None]
    snippet: NotRequired[str | None]


class ArticleEntity(TypedDict):
    id: NotRequired[int | None]
    name: str
    label: str
    count: int
    first_offset: int
    salience: float
    link: NotRequired[dict[str, Any] | None]
    aliases: NotRequired[list[str]]
    mentions: NotRequired[list[dict[str, Any]]]


class Article(ArticleSummary):
    content_type: str
    attempts: int
    clean_text: str | None
    language_confidence: NotRequired[float | None]
    entities_skipped_reason: NotRequired[str | None]
    removals: NotRequired[list[dict[str, Any]]]
    credits: NotRequired[list[dict[str, Any]]]
    entities: NotRequired[list[ArticleEntity]]
    metadata: NotRequired[dict[str, Any]]
    author: NotRequired[str | None]
    site_name: NotRequired[str | None]
    quality_detail: NotRequired[dict[str, Any]]
    stats: NotRequired[dict[str, Any]]
    raw: NotRequired[str | None]
    source_text: NotRequired[str | None]


class FeedItem(TypedDict):
    seq: int
    event: Literal["created", "updated", "retracted"]
    cause: Literal["revision", "reenrich", "retraction"]
    revision: int
    article: ArticleSummary
    entities: list[ArticleEntity]


# Component name in the OpenAPI -> the typed dict that mirrors it.
SCHEMAS: dict[str, type] = {
    "IngestResult": IngestResult,
    "BatchResult": BatchResult,
    "BatchItemResult": BatchItemResult,
    "ArticleSummary": ArticleSummary,
    "ArticleListItem": ArticleListItem,
    "ArticleDetail": Article,
    "ArticleEntityOut": ArticleEntity,
    "FeedItem": FeedItem,
}
