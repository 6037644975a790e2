"""`wirefeed ingest PATH...`: post text, HTML, JSON and NDJSON files to the ingest service."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm

BATCH_SIZE = 100
TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json"}
NDJSON_SUFFIXES = {".ndjson", ".jsonl"}


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
            )
        else:
            yield path


def articles_from(path: Path) -> Iterator[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix in NDJSON_SUFFIXES:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)
    elif suffix in JSON_SUFFIXES:
        data = json.loads(path.read_text(encoding="utf-8"))
        yield from data if isinstance(data, list) else [data]
    elif suffix in HTML_SUFFIXES:
        yield {"html": path.read_text(encoding="utf-8"), "source": "file"}
    else:
        yield {"text": path.read_text(encoding="utf-8"), "source": "file"}


def _batches(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def ingest_paths(
    paths: list[Path], *, base_url: str, token: str | None = None, progress: bool = True
) -> dict[str, int]:
    """Post every article found; returns counts of accepted, duplicate and rejected items."""
    totals = {"accepted": 0, "duplicates": 0, "rejected": 0}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    articles = (a for f in _files(paths) for a in articles_from(f))
    with (
        httpx.Client(base_url=base_url, headers=headers, timeout=60.0) as client,
        tqdm(unit="article", disable=not progress, desc="ingest") as bar,
    ):
        for batch in _batches(articles, BATCH_SIZE):
            response = client.post("/v1/articles/batch", json=batch)
            if response.status_code not in (202, 207, 422):
                response.raise_for_status()
            body = response.json()
            if response.status_code == 422:
                totals["rejected"] += len(batch)
                for item in body.get("detail", []):
                    tqdm.write(
                        f"rejected item {item.get('index')}: {item.get('error')} "
                        f"{item.get('errors', '')}"
                    )
            else:
                for key in totals:
                    totals[key] += body[key]
                for item in body["items"]:
                    if not item["ok"]:
                        tqdm.write(
                            f"rejected item {item['index']}: {item['error']} "
                            f"{item.get('errors') or ''}"
                        )
            bar.update(len(batch))
    return totals
