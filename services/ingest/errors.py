"""The ingest service's domain error: a submission refused, and why."""

from __future__ import annotations

from typing import Any

from shared.errors import Rejected


class ArticleRejected(Rejected):
    """A submission refused (one article, a whole batch, or a body that could not be read).
    `articles` is how many articles the refusal covers, for the rejection count: one for a
    single article or an unreadable body, every item of a batch refused whole."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        articles: int = 1,
    ) -> None:
        super().__init__(status, message, field, errors=errors, headers=headers)
        self.articles = articles
