"""summary_dict builds an article summary without the model (for speed); it must stay exactly what
validating and dumping ArticleSummary gives, key order included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from services.api.records import summary_dict
from shared.models import Article, ArticleStatus
from shared.schemas import ArticleSummary


def _by_model(article: Article, pipeline: dict[str, str] | None) -> dict[str, Any]:
    return ArticleSummary.model_validate(
        {
            "id": article.id,
            "status": article.status,
            "source": article.source,
            "external_id": article.external_id,
            "title": article.title,
            "url": article.url,
            "published_at": article.published_at,
            "created_at": article.created_at,
            "enriched_at": article.enriched_at,
            "feed_seq": article.feed_seq,
            "revision": article.revision,
            "revised_at": article.revised_at,
            "syndication_group": article.syndication_group,
            "pipeline": pipeline,
            "language": article.detected_language or article.language,
            "error": article.error,
            "quality": (article.quality or "").split(),
        }
    ).model_dump(mode="json")


def _article(**overrides: Any) -> Article:
    fields: dict[str, Any] = {
        "id": 7,
        "dedupe_key": "sha:x",
        "content_type": "text",
        "raw": "body",
        "status": ArticleStatus.enriched,
        "source": "wire",
        "external_id": "a-7",
        "title": "Title",
        "url": "https://example.org/a",
        "published_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "created_at": datetime(2026, 1, 2, 3, 4, 6, 123456, tzinfo=UTC),
        "enriched_at": datetime(2026, 1, 2, 3, 4, 7, tzinfo=UTC),
        "feed_seq": 11,
        "revision": 2,
        "revised_at": datetime(2026, 1, 3, tzinfo=UTC),
        "syndication_group": 7,
        "language": "en",
        "detected_language": "de",
        "error": None,
        "quality": " short_text no_entities ",
    }
    return Article(**(fields | overrides))


@pytest.mark.parametrize(
    ("overrides", "pipeline"),
    [
        ({}, {"version": "1", "model": "m"}),
        ({}, None),
        # SQLite hands back naive datetimes (UTC)
        (
            {
                "published_at": datetime(2026, 5, 6, 7, 8, 9),
                "created_at": datetime(2026, 5, 6, 7, 8, 9, 500),
                "enriched_at": None,
                "revised_at": None,
            },
            None,
        ),
        # another offset is converted to UTC
        (
            {"published_at": datetime(2026, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=2)))},
            None,
        ),
        (
            {
                "status": "failed",
                "error": "boom",
                "quality": None,
                "detected_language": None,
                "source": None,
                "external_id": None,
                "title": None,
                "url": None,
                "published_at": None,
                "feed_seq": None,
                "syndication_group": None,
            },
            None,
        ),
        ({"status": "pending", "detected_language": None, "language": None}, None),
    ],
)
def test_summary_dict_is_the_model_dump(
    overrides: dict[str, Any], pipeline: dict[str, str] | None
) -> None:
    article = _article(**overrides)
    built = summary_dict(article, pipeline)
    expected = _by_model(article, pipeline)
    assert built == expected
    assert list(built) == list(expected)


def test_an_unknown_status_is_refused_as_the_model_refused_it() -> None:
    with pytest.raises(ValueError):
        summary_dict(_article(status="bogus"))
