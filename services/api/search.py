"""Full-text search over title and clean text, on both stores.

PostgreSQL: the trigger-written `search_vector` column (GIN-indexed), `websearch_to_tsquery`,
`ts_rank` (relevance pages rank the copy of each vector in the narrow table `article_search`,
migration 0019); the excerpt is cut in Python around the query's lexemes
(services/api/snippets.py). SQLite: the FTS5 table `article_fts` (porter stemming), queried with
the same websearch syntax translated by `websearch_to_fts5`, ranked by bm25, `snippet()` for the
excerpt.
Both mark hits with control characters that `to_html_snippet` turns into <mark> after escaping
the text, so a snippet is safe to put into a page as it is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    DOUBLE_PRECISION,
    ColumnElement,
    Integer,
    bindparam,
    cast,
    column,
    func,
    literal_column,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.sql.expression import Select
from sqlmodel import Session, col

from services.api.snippets import START, STOP, Highlighter, query_lexemes
from shared.models import SEARCH_COLUMN, SEARCH_TABLE, SEARCH_VECTOR_TABLE, Article

_FTS = table(SEARCH_TABLE, column("rowid"))
# Each article's vector again, stored in the row of a narrow table: what ranking candidates reads.
VECTORS = table(SEARCH_VECTOR_TABLE, column("article_id", Integer), column("vector", TSVECTOR))
SNIPPET_SOURCE = "snippet_source"
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def websearch_to_fts5(query: str) -> str | None:
    """Translate websearch syntax ("a phrase", a OR b, -excluded) to an FTS5 MATCH expression.

    Every term is quoted, so no user input is read as FTS5 syntax; None when nothing is left to
    look for (an empty query, or only exclusions).
    """
    groups: list[list[str]] = []  # OR-groups, ANDed together
    excluded: list[str] = []
    pending_or = False
    for match in _TOKEN.finditer(query):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None and word.upper() == "OR":
            pending_or = bool(groups)
            continue
        if word is not None and word.startswith("-") and len(word) > 1:
            negated, word = "-", word[1:]
        raw = phrase if phrase is not None else word
        terms = re.findall(r"\w+", raw or "")
        if not terms:
            continue
        quoted = '"' + " ".join(terms) + '"'
        if negated:
            excluded.append(quoted)
        elif pending_or:
            groups[-1].append(quoted)
        else:
            groups.append([quoted])
        pending_or = False
    if not groups:
        return None
    positive = " AND ".join(
        group[0] if len(group) == 1 else "(" + " OR ".join(group) + ")" for group in groups
    )
    return " NOT ".join([f"({positive})", *excluded]) if excluded else positive


def to_html_snippet(marked: str | None) -> str | None:
    """Escape the excerpt, then turn the hit markers into <mark> elements."""
    if marked is None:
        return None
    return html.escape(marked).replace(START, "<mark>").replace(STOP, "</mark>")


class Search:
    """One search, bound to a dialect: what to filter on, the rank, and the snippets."""

    def __init__(self, session: Session, query: str) -> None:
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.query = query
        self.fts_query = None if self.postgres else websearch_to_fts5(query)
        # Parsed once, then passed as a constant: as a function call in a WHERE clause it would
        # be parsed again for every row the planner filters.
        self.tsquery_text = (
            session.execute(
                text("SELECT websearch_to_tsquery('english', :q)::text"), {"q": query}
            ).scalar_one()
            if self.postgres
            else ""
        )

    @property
    def matches_nothing(self) -> bool:
        if self.postgres:
            return not self.tsquery_text  # only stop words: nothing to look for
        return self.fts_query is None

    def tsquery(self) -> ColumnElement[Any]:
        return cast(bindparam("search_tsq", self.tsquery_text), TSQUERY)

    def rank(self, vector: ColumnElement[Any] | None = None) -> ColumnElement[float]:
        """The rank of a hit; on PostgreSQL of `vector` (VECTORS.c.vector), by default of the
        article row's own column (the same value)."""
        if self.postgres:
            tsquery = self.tsquery()
            vector = vector if vector is not None else literal_column(f"article.{SEARCH_COLUMN}")
            # float8: a `real` read back as text is not exactly the value compared in the
            # cursor's WHERE clause, and pages would skip tied or near-tied hits.
            return cast(func.ts_rank(vector, tsquery), DOUBLE_PRECISION)
        # bm25 is smaller for better hits; negated so that both stores rank "higher is better".
        return -func.bm25(literal_column(SEARCH_TABLE))

    def apply(self, query: Select[Any]) -> Select[Any]:
        """Restrict `query` (over Article) to the hits."""
        if self.postgres:
            return query.where(literal_column(f"article.{SEARCH_COLUMN}").op("@@")(self.tsquery()))
        return query.join(_FTS, _FTS.c.rowid == col(Article.id)).where(
            literal_column(SEARCH_TABLE).op("MATCH")(bindparam("search_q", self.fts_query))
        )

    def snippet_source(self) -> tuple[ColumnElement[Any], ...]:
        """What a PostgreSQL page selects with each hit for its excerpt (nothing on SQLite)."""
        if not self.postgres:
            return ()
        source = func.coalesce(col(Article.clean_text), col(Article.title), "")
        return (source.label(SNIPPET_SOURCE),)

    def snippets(self, session: Session, hits: Sequence[Any]) -> dict[int, str | None]:
        """A highlighted excerpt of the clean text for each hit on a page: rows with `id` (and
        on PostgreSQL the snippet_source() column)."""
        if not hits:
            return {}
        if self.postgres:
            # Cut in Python: ts_headline parsed each whole text (most of a search's time).
            highlighter = Highlighter(query_lexemes(self.tsquery_text))
            return {
                int(hit.id): to_html_snippet(highlighter.snippet(getattr(hit, SNIPPET_SOURCE)))
                for hit in hits
            }
        ids = ", ".join(str(int(hit.id)) for hit in hits)
        rows = session.execute(
            text(
                f"SELECT rowid, snippet({SEARCH_TABLE}, 1, :start, :stop, ' … ', 24) "
                f"FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :q AND rowid IN ({ids})"
            ),
            {"q": self.fts_query, "start": START, "stop": STOP},
        )
        return {int(i): to_html_snippet(s) for i, s in rows}
