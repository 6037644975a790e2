"""How many articles a PostgreSQL search may match, from the planner's own statistics.

ANALYZE keeps, for the search vector column, the lexemes found in the most rows and the share
of rows holding each (`pg_stats.most_common_elems` / `most_common_elem_freqs`); a lexeme not
listed is in fewer rows than the least common one listed. From these a query's share of the
store is bounded from above: a word its share, `a & b` and a phrase `a <-> b` the smaller of
the two, `a | b` their sum, a negation at most everything. The relevance search sizes its first
id window with it (services/api/queries.py), so that a common word or phrase is found in one
window instead of two, each of which scanned the word's whole posting list again.

The statistics are read at most once every STATS_SECONDS per process and database: they only
change when the table is analysed.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session

from shared.models import SEARCH_COLUMN

STATS_SECONDS = 600.0
# A tsquery's text: operands ('lexeme', maybe :* or :AB), operators, parentheses.
_TOKEN = re.compile(r"'((?:[^']|'')*)'(?::[*A-D]+)?|<(?:-|\d+)>|[&|!()]")


@dataclass(frozen=True, slots=True)
class LexemeShares:
    """Each listed lexeme's share of rows, and the bound for any lexeme not listed."""

    shares: dict[str, float]
    unlisted: float

    def share(self, lexeme: str) -> float:
        return self.shares.get(lexeme, self.unlisted)


class _Cache:
    """Per database (a process may reach more than one: the tests do), read at most once
    every STATS_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_database: dict[str, tuple[float, LexemeShares | None]] = {}

    def get(self, session: Session) -> LexemeShares | None:
        database = str(session.get_bind().engine.url)
        now = time.monotonic()
        with self._lock:
            read_at, shares = self._by_database.get(database, (-STATS_SECONDS, None))
        if now - read_at < STATS_SECONDS:
            return shares
        shares = _read(session)
        with self._lock:
            self._by_database[database] = (now, shares)
        return shares


_CACHE = _Cache()


def _read(session: Session) -> LexemeShares | None:
    row = session.execute(
        text(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE tablename = 'article' AND attname = :column"
        ),
        {"column": SEARCH_COLUMN},
    ).first()
    if row is None or not row[0] or not row[1]:
        return None  # never analysed, or too few rows to keep any
    lexemes, freqs = list(row[0]), list(row[1])
    # After one share per lexeme come the least and greatest of them and the null share.
    listed = dict(zip(lexemes, freqs[: len(lexemes)], strict=True))
    return LexemeShares(listed, min(listed.values()))


def lexeme_shares(session: Session) -> LexemeShares | None:
    return _CACHE.get(session)


def query_share(tsquery_text: str, shares: LexemeShares) -> float:
    """An upper bound on the share of rows that match the query (see the module's notes)."""
    tokens = [(m.group(1), m.group(0)) for m in _TOKEN.finditer(tsquery_text)]
    position = 0

    def peek() -> str | None:
        return tokens[position][1] if position < len(tokens) else None

    def take() -> tuple[str | None, str]:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def either() -> float:  # a | b: lowest precedence
        share = both()
        while peek() == "|":
            take()
            share = min(1.0, share + both())
        return share

    def both() -> float:  # a & b
        share = phrase()
        while peek() == "&":
            take()
            share = min(share, phrase())
        return share

    def phrase() -> float:  # a <-> b, a <2> b
        share = unary()
        while (token := peek()) is not None and token.startswith("<"):
            take()
            share = min(share, unary())
        return share

    def unary() -> float:
        lexeme, token = take() if peek() is not None else (None, "")
        if token == "!":
            unary()
            return 1.0
        if token == "(":
            share = either()
            if peek() == ")":
                take()
            return share
        return shares.share(lexeme.replace("''", "'")) if lexeme is not None else 1.0

    return either() if tokens else 1.0
