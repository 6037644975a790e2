"""CPU per relevance search, which a loaded machine inflates far less than wall time: this
process's CPU (`time.process_time`) plus the PostgreSQL backend's on-CPU time (the first field
of /proc/<pid>/schedstat; the database must run on this host), mean over N calls of
`list_articles` as the API makes them (a page of 50 with excerpts), after 3 warm-ups.

    python -m bench.search_cpu --url postgresql+psycopg://... [-n 20] [--candidates 2000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from services.api import queries
from services.api.queries import ArticleFilter, list_articles
from shared.aliases import load_aliases
from shared.settings import Settings

QUERIES = ["minister", '"prime minister"', "glacier OR vaccine"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--candidates", type=int, help="override RANK_CANDIDATES")
    args = parser.parse_args()
    if args.candidates:
        queries.RANK_CANDIDATES = args.candidates
    aliases = load_aliases(Settings().aliases_path)
    engine = create_engine(args.url, poolclass=StaticPool)  # one connection: one backend
    with engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    schedstat = Path(f"/proc/{pid}/schedstat")

    def backend_ns() -> int:
        return int(schedstat.read_text().split()[0])

    figures = []
    for q in QUERIES:

        def search(q: str = q) -> object:
            with Session(engine) as session:
                return list_articles(
                    session,
                    filters=ArticleFilter(q=q),
                    aliases=aliases,
                    by_relevance=True,
                    limit=51,
                    snippets_for=50,
                )

        for _ in range(3):
            search()
        cpu, backend = time.process_time(), backend_ns()
        for _ in range(args.n):
            search()
        python_ms = (time.process_time() - cpu) / args.n * 1000
        database_ms = (backend_ns() - backend) / args.n / 1e6
        figures.append(
            f"{q}: python {python_ms:.1f} + db {database_ms:.1f} = "
            f"{python_ms + database_ms:.1f} ms CPU"
        )
    print(f"[{queries.RANK_CANDIDATES} ranked] " + " | ".join(figures), flush=True)


if __name__ == "__main__":
    main()
