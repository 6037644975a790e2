"""Request and response shapes shared by the services (the wire contract)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    PlainSerializer,
    StringConstraints,
    model_validator,
)

from shared.models import ArticleStatus


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL (\\x00) characters")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


def _as_utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything wirefeed stores is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_text(value: datetime) -> str:
    """How every datetime leaves the API: ISO 8601 in UTC, `Z` for the offset."""
    return _as_utc(value).isoformat().replace("+00:00", "Z")


Body = Annotated[str, AfterValidator(_no_nul), AfterValidator(_not_blank)]
ShortText = Annotated[str, StringConstraints(max_length=1000), AfterValidator(_no_nul)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_no_nul)]
UtcDatetime = Annotated[
    datetime,
    AfterValidator(_as_utc),
    PlainSerializer(utc_text, return_type=str),
]
# At most 16 characters: the column's width, and room for every tag in use (e.g. "zh-Hant-TW").
LanguageTag = Annotated[
    str, StringConstraints(max_length=16, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
]


class ArticleIn(BaseModel):
    """One article from a producer: exactly one of `text` or `html`, or only a `url` to fetch."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    text: Body | None = Field(default=None, description="Plain text; paragraphs on separate lines.")
    html: Body | None = Field(
        default=None, description="A whole page or fragment; main text is extracted."
    )
    title: ShortText | None = None
    source: Key | None = Field(default=None, description="Publisher or feed name, e.g. a domain.")
    url: HttpUrl | None = Field(
        default=None,
        description="Where the article lives. Given without text or html, the ingest service "
        "fetches the page (http/https, public addresses only, HTML or plain text).",
    )
    external_id: (
        Annotated[str, StringConstraints(min_length=1, max_length=500), AfterValidator(_no_nul)]
        | None
    ) = Field(
        default=None, description="The producer's own id; with `source` it identifies duplicates."
    )
    published_at: AwareDatetime | None = Field(
        default=None, description="ISO 8601 with a timezone, e.g. 2025-06-04T12:00:00Z."
    )
    language: LanguageTag | None = Field(default=None, description="BCP 47 tag if known, e.g. en.")
    retracted: bool = Field(
        default=False,
        description="Withdraw the article with this `source` and `external_id` (no text needed): "
        "it becomes a tombstone (410) and the feed carries a `retracted` event.",
    )
    retraction_reason: ShortText | None = Field(
        default=None, description="Why it was withdrawn (with `retracted`)."
    )

    @model_validator(mode="after")
    def _exactly_one_body(self) -> ArticleIn:
        if self.retracted:
            if self.external_id is None:
                raise ValueError(
                    "'retracted' needs the 'external_id' (and 'source') of the article to "
                    "withdraw; or DELETE /v1/articles/{id}"
                )
            return self
        if self.text is None and self.html is None and self.url is not None:
            return self  # URL ingest: the service fetches the page (see needs_fetch)
        if (self.text is None) == (self.html is None):
            raise ValueError(
                "give exactly one of 'text' or 'html' (or only 'url' to have the page fetched)"
            )
        return self

    @property
    def needs_fetch(self) -> bool:
        return self.text is None and self.html is None and not self.retracted

    @property
    def body(self) -> str:
        return self.text if self.text is not None else self.html or ""


class IngestResult(BaseModel):
    id: int
    status: ArticleStatus
    duplicate: bool = False
    revision: int = Field(
        default=1, description="The article's revision this post produced (or matched)."
    )


class BatchItemResult(BaseModel):
    index: int
    ok: bool
    result: IngestResult | None = None
    error: str | None = None
    errors: list[dict[str, Any]] | None = None


class BatchResult(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    items: list[BatchItemResult]

    @classmethod
    def of(cls, items: list[BatchItemResult]) -> BatchResult:
        """The items with their totals, counted once."""
        stored = [r.result for r in items if r.ok and r.result is not None]
        duplicates = sum(1 for r in stored if r.duplicate)
        return cls(
            accepted=len(stored) - duplicates,
            duplicates=duplicates,
            rejected=sum(1 for r in items if not r.ok),
            items=items,
        )


# ---- read side ----------------------------------------------------------------------------


class MentionOut(BaseModel):
    text: str
    label: str
    model_label: str
    start: int
    end: int
    raw_start: int
    raw_end: int


class EntityLinkOut(BaseModel):
    linked: bool
    reason: str


class ArticleEntityOut(BaseModel):
    id: int | None = None
    link: EntityLinkOut | None = Field(
        default=None,
        description="A name seen alone (a surname) and the store's entity it joined, or why it "
        "was kept separate.",
    )
    name: str
    label: str
    count: int
    first_offset: int
    salience: float
    aliases: list[str] = []
    mentions: list[MentionOut] = []


class RemovalOut(BaseModel):
    rule: str
    text: str
    raw_start: int
    raw_end: int


class CreditOut(BaseModel):
    text: str
    raw_start: int
    raw_end: int


QualityFlag = Literal[
    "no_article_found",
    "empty_after_cleaning",
    "too_short",
    "language_uncertain",
    "possible_boilerplate",
    "truncated_extraction",
]


class Enrichment(BaseModel):
    """What the pipeline produced for one article, as stored in `article.enrichment` (JSON):
    written by services/enrich/store.py, read by the API's routes and queries. The cleaned text
    has a column of its own (`article.clean_text`)."""

    language: str | None = None
    language_confidence: float | None = None
    entities_skipped_reason: str | None = None
    metadata: dict[str, Any] = {}
    quality: list[str] = []
    quality_detail: dict[str, Any] = {}
    removals: list[RemovalOut] = []
    credits: list[CreditOut] = []
    entities: list[ArticleEntityOut] = []
    stats: dict[str, Any] = {}
    source_text: str | None = Field(
        default=None, description="For HTML only: the extracted text raw offsets point into."
    )
    pipeline: dict[str, str] | None = Field(
        default=None, description="What produced it (services/enrich/identity.py)."
    )


def stored_field(name: str) -> str:
    """The JSON key of an `Enrichment` or entity field, for SQL that reads the stored JSON: a
    renamed field fails here, at import, instead of in a query."""
    if name not in Enrichment.model_fields and name not in ArticleEntityOut.model_fields:
        raise KeyError(f"no stored enrichment field {name!r}")
    return name


def entities_without_mentions(stored: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored entities as lists show them: everything but their mentions (the bulk of the JSON).
    The feed's PostgreSQL query does the same in SQL (services/api/queries.py)."""
    mentions = stored_field("mentions")
    return [{**entity, mentions: []} for entity in stored]


class ArticleSummary(BaseModel):
    id: int
    status: ArticleStatus
    source: str | None
    external_id: str | None
    title: str | None
    url: str | None
    published_at: UtcDatetime | None
    created_at: UtcDatetime
    enriched_at: UtcDatetime | None
    feed_seq: int | None = Field(description="Position of the article's latest feed event.")
    revision: int = 1
    revised_at: UtcDatetime | None = Field(
        default=None, description="When the latest revision arrived (None: never revised)."
    )
    syndication_group: int | None = Field(
        default=None,
        description="Id of the original (earliest) article of its group of near-duplicate "
        "copies from other sources; equal to `id` for the original; None: no copy known.",
    )
    pipeline: dict[str, str] | None = Field(
        default=None,
        description="What produced the enrichment: {version, model, model_version, rules_hash, "
        "aliases_hash} (detail and feed; not on list pages).",
    )
    language: str | None
    error: str | None
    quality: list[str] = Field(
        default=[], description="Quality flags of the enriched record (see docs/quality.md)."
    )


class ArticleDetail(ArticleSummary):
    """One article. By default without its heavy parts: `raw`, `source_text` and entity
    `mentions` appear only when asked for with `include=`; `fields=` picks top-level fields."""

    content_type: str
    attempts: int
    clean_text: str | None
    language_confidence: float | None = Field(
        default=None, description="Confidence (0..1) of the detected `language`."
    )
    entities_skipped_reason: str | None = Field(
        default=None, description="Why no entities were tagged (e.g. not English), if skipped."
    )
    removals: list[RemovalOut] = []
    credits: list[CreditOut] = []
    entities: list[ArticleEntityOut] = Field(
        default=[], description="Canonical entities; `mentions` only with include=mentions."
    )
    metadata: dict[str, Any] = {}
    author: str | None = Field(default=None, description="From the page's metadata (HTML).")
    site_name: str | None = Field(default=None, description="From the page's metadata (HTML).")
    quality_detail: dict[str, Any] = Field(
        default={}, description="What triggered each quality flag."
    )
    stats: dict[str, Any] = {}
    raw: str | None = Field(
        default=None, description="Exactly as submitted (text or HTML); with include=raw."
    )
    source_text: str | None = Field(
        default=None,
        description="The extracted text that raw offsets point into; with include=source_text.",
    )


class ArticleFields(BaseModel):
    """With fields=: only the chosen top-level fields of an ArticleDetail."""

    model_config = ConfigDict(extra="allow", title="ArticleFields")


class ArticleListItem(ArticleSummary):
    rank: float | None = Field(
        default=None, description="Search relevance (with q=), higher first."
    )
    snippet: str | None = Field(
        default=None,
        description="With q=: an excerpt of the clean text, HTML-escaped, hits in <mark>.",
    )


class RevisionSummary(BaseModel):
    revision: int
    status: str = Field(
        description="enriched, pending, failed, superseded (retracted before enrichment), or "
        "the article's own status for its current revision"
    )
    current: bool
    title: str | None
    published_at: UtcDatetime | None
    received_at: UtcDatetime
    enriched_at: UtcDatetime | None


class RevisionList(BaseModel):
    article_id: int
    items: list[RevisionSummary]


class RevisionDetail(RevisionSummary):
    article_id: int
    content_type: str
    raw: str
    url: str | None
    clean_text: str | None
    error: str | None
    removals: list[RemovalOut] = []
    credits: list[CreditOut] = []
    entities: list[ArticleEntityOut] = []
    pipeline: dict[str, str] | None = None


class ArticlePage(BaseModel):
    items: list[ArticleListItem]
    next_cursor: str | None


class FeedItem(BaseModel):
    seq: int
    event: Literal["created", "updated", "retracted"]
    cause: Literal["revision", "reenrich", "retraction"] = Field(
        description="What made the event: a revision enriched, a re-enrichment that changed "
        "the record, or a retraction."
    )
    revision: int
    article: ArticleSummary
    entities: list[ArticleEntityOut]


class FeedPage(BaseModel):
    items: list[FeedItem]
    next_after: str = Field(
        description="Pass as `after` to continue; unchanged when nothing is new."
    )


class CorrectionOut(BaseModel):
    id: int
    kind: Literal["merge", "split"]
    entity_id: int = Field(description="merge: the entity kept; split: the entity split.")
    other_id: int = Field(
        description="merge: the entity merged away; split: the entity the names went to."
    )
    names: list[str] = Field(description="The names (alias keys) that changed entity.")
    reason: str | None
    editor: str | None
    reenrich_job_id: int | None
    created_at: UtcDatetime


class EntityOut(BaseModel):
    id: int
    name: str
    label: str
    article_count: int
    aliases: list[str]
    merged_into: int | None = Field(
        default=None, description="Set when an editor merged this entity into that one."
    )


class MergedEntity(BaseModel):
    """What a merged entity's id answers (with a redirect to the entity it joined)."""

    detail: str
    merged_into: int


class EntityPage(BaseModel):
    items: list[EntityOut]
    next_cursor: str | None


class EntityArticle(BaseModel):
    id: int
    title: str | None
    source: str | None
    published_at: UtcDatetime | None
    enriched_at: UtcDatetime | None
    salience: float
    mention_count: int


class EntityDetail(EntityOut):
    recent_articles: list[EntityArticle] = Field(
        description="The most recently stored articles that mention this entity."
    )
    corrections: list[CorrectionOut] = Field(
        default=[], description="Editors' merges and splits that involved this entity."
    )


# ---- entity corrections (ingest key) --------------------------------------------------------

EntityId = Annotated[int, Field(ge=1, le=2**31 - 1)]
EntityName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=300),
    AfterValidator(_no_nul),
    AfterValidator(_not_blank),
]
EntityLabelName = Literal[
    "PERSON",
    "NORP",
    "FAC",
    "ORG",
    "GPE",
    "LOC",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
]
EditorName = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_nul)]


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: ShortText | None = Field(default=None, description="Why; kept with the correction.")
    editor: EditorName | None = Field(default=None, description="Who made it.")


class MergeIn(CorrectionIn):
    """Fold entity `from_id` into this one."""

    from_id: EntityId = Field(
        description="The entity merged away: its names, aliases and articles join this one, "
        "and its id answers with a redirect here from then on."
    )


class SplitIn(CorrectionIn):
    """Take names off this entity and give them an entity of their own."""

    aliases: list[EntityName] = Field(
        min_length=1,
        max_length=50,
        description="Names of this entity (as its `aliases` list them, any case) that mean "
        "someone or something else.",
    )
    name: EntityName | None = Field(
        default=None, description="The name of the entity they go to; default: the first alias."
    )
    label: EntityLabelName | None = Field(
        default=None, description="Its label; default: this entity's."
    )


class RetagOut(BaseModel):
    job_id: int = Field(description="The re-enrichment job (`wirefeed reenrich --job ID`).")
    articles: int = Field(description="Articles selected for re-tagging.")
    queued: int = Field(
        description="Queued so far; fewer than `articles` only if the broker was unreachable "
        "(`wirefeed reenrich --job ID` queues the rest)."
    )


class EntityCorrected(BaseModel):
    correction: CorrectionOut
    entity: EntityOut = Field(description="merge: the entity kept; split: the entity split.")
    other: EntityOut = Field(
        description="merge: the entity merged away; split: the entity the names went to."
    )
    retag: RetagOut


class SourceOut(BaseModel):
    source: str | None = Field(description="The producer's source name; null for none given.")
    articles: int
    enriched: int
    last_published_at: UtcDatetime | None
    last_enriched_at: UtcDatetime | None


class SourcePage(BaseModel):
    items: list[SourceOut]


# ---- webhooks -------------------------------------------------------------------------------


class WebhookFilters(BaseModel):
    """The feed's filters; a delivery is sent only for items that match all given."""

    model_config = ConfigDict(extra="forbid")

    entity: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None
    entity_type: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_]{2,16}$")] | None = None
    source: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    language: LanguageTag | None = None
    q: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    events: list[Literal["created", "updated", "retracted"]] | None = Field(
        default=None, description="Only these kinds of feed event; default: every kind."
    )


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl = Field(
        description="Where deliveries are POSTed (public addresses only, unless the operator "
        "set WIREFEED_WEBHOOK_ALLOW_PRIVATE)."
    )
    filters: WebhookFilters = Field(default_factory=WebhookFilters)
    secret: (
        Annotated[str, StringConstraints(pattern=r"^whsec_[A-Za-z0-9+/]{32,128}={0,2}$")] | None
    ) = Field(
        default=None,
        description="A Standard Webhooks secret (whsec_ + base64 of 24-64 bytes); made for "
        "you when left out.",
    )
    after: int | None = Field(
        default=None,
        ge=0,
        description="Feed position to start after; default: the current end of the feed.",
    )


class WebhookOut(BaseModel):
    id: int
    url: str
    filters: dict[str, Any]
    active: bool
    disabled_reason: str | None
    last_position: int = Field(description="The last feed position delivered.")
    failures: int = Field(description="Failed attempts in the current run of failures.")
    failing_since: UtcDatetime | None
    created_at: UtcDatetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Verify deliveries with it; shown only once.")


class WebhookPage(BaseModel):
    items: list[WebhookOut]


class DeliveryOut(BaseModel):
    id: int
    position: int
    message_id: str = Field(description="The webhook-id header: the same for every retry.")
    attempt: int
    ok: bool
    status_code: int | None
    error: str | None
    attempted_at: UtcDatetime


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None
