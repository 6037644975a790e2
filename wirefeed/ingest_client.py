"""`wirefeed ingest PATH...`: post text, HTML, JSON and NDJSON files (also gzip-compressed) to
the ingest service, then optionally wait until they are enriched.

A text or HTML file is one article whose external id is its file name (without suffixes), so
posting the same files again is recognised as duplicates; an HTML page's canonical URL (or
og:url) is sent as its `url`. Rejections name the file (and the item, for JSON lists)."""

from __future__ import annotations

import gzip
import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm

BATCH_SIZE = 100
TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json"}
NDJSON_SUFFIXES = {".ndjson", ".jsonl"}
BAR = "{desc}: {n_fmt}/{total_fmt} articles |{bar}| {elapsed}"
_CANONICAL = re.compile(
    r"""<link\b[^>]*\brel=["']?canonical["']?[^>]*\bhref=["']([^"'>\s]+)"""
    r"""|<link\b[^>]*\bhref=["']([^"'>\s]+)["'][^>]*\brel=["']?canonical"""
    r"""|<meta\b[^>]*\bproperty=["']og:url["'][^>]*\bcontent=["']([^"'>\s]+)""",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Found:
    """One article and where it came from (for error messages)."""

    article: dict[str, Any]
    origin: str


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
            )
        else:
            yield path


def _read(path: Path) -> tuple[str, str]:
    """The file's text and its real suffix (`story.html.gz` is HTML)."""
    if path.suffix.lower() == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return handle.read(), Path(path.stem).suffix.lower()
    return path.read_text(encoding="utf-8"), path.suffix.lower()


def external_id_of(path: Path) -> str:
    name = path.name
    for suffix in (".gz", *TEXT_SUFFIXES, *HTML_SUFFIXES, *JSON_SUFFIXES, *NDJSON_SUFFIXES):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


def page_url(html: str) -> str | None:
    """The URL a page says it lives at: <link rel=canonical> or <meta property=og:url>."""
    match = _CANONICAL.search(html[:200_000])
    if match is None:
        return None
    url = next(g for g in match.groups() if g)
    return url if url.startswith(("http://", "https://")) else None


def articles_from(path: Path, *, source: str | None = None) -> Iterator[Found]:
    text, suffix = _read(path)
    if suffix in NDJSON_SUFFIXES:
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
        for n, item in enumerate(items, 1):
            yield Found(_with_source(item, source), f"{path} line {n}")
    elif suffix in JSON_SUFFIXES:
        data = json.loads(text)
        items = data if isinstance(data, list) else [data]
        for n, item in enumerate(items):
            origin = f"{path} item {n}" if isinstance(data, list) else str(path)
            yield Found(_with_source(item, source), origin)
    elif suffix in HTML_SUFFIXES:
        article = {"html": text, "external_id": external_id_of(path)}
        if url := page_url(text):
            article["url"] = url
        yield Found(_with_source(article, source), str(path))
    else:
        yield Found(
            _with_source({"text": text, "external_id": external_id_of(path)}, source), str(path)
        )


def _with_source(item: Any, source: str | None) -> dict[str, Any]:
    if isinstance(item, dict) and source is not None:
        return {"source": source, **item}
    return item if isinstance(item, dict) else {"invalid": item}


def _say(message: str) -> None:
    """A line above the progress bar, on stderr with it (stdout keeps only the summary)."""
    tqdm.write(message, file=sys.stderr)


def _batches(items: list[Found], size: int) -> Iterator[list[Found]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ingest_paths(
    paths: list[Path],
    *,
    base_url: str,
    token: str | None = None,
    progress: bool = True,
    source: str | None = None,
    wait_api: str | None = None,
    read_token: str | None = None,
    wait_timeout: float = 600.0,
) -> dict[str, int]:
    """Post every article found; with `wait_api`, then wait until each accepted one is final.
    Returns counts of accepted, duplicate, rejected (and enriched/failed when waiting)."""
    # One request log line per article would tear the progress bar apart.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    totals = {"accepted": 0, "duplicates": 0, "rejected": 0}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    found: list[Found] = []
    for file in _files(paths):
        try:
            found.extend(articles_from(file, source=source))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, EOFError) as exc:
            totals["rejected"] += 1
            _say(f"rejected {file}: cannot read it ({type(exc).__name__}: {exc})")
    ids: list[int] = []
    with (
        httpx.Client(base_url=base_url, headers=headers, timeout=60.0) as client,
        tqdm(total=len(found), desc="posted", bar_format=BAR, disable=not progress) as bar,
    ):
        for batch in _batches(found, BATCH_SIZE):
            response = client.post("/v1/articles/batch", json=[f.article for f in batch])
            if response.status_code not in (202, 207, 422):
                response.raise_for_status()
            body = response.json()
            if response.status_code == 422:
                totals["rejected"] += len(batch)
                _say(f"rejected {batch[0].origin} .. {batch[-1].origin}: {body['detail']}")
            else:
                for key in totals:
                    totals[key] += body[key]
                for item in body["items"]:
                    if item["ok"]:
                        ids.append(item["result"]["id"])
                    else:
                        detail = item.get("errors") or ""
                        _say(f"rejected {batch[item['index']].origin}: {item['error']} {detail}")
            bar.update(len(batch))
    if wait_api is not None and ids:
        totals |= _wait_final(
            ids, api=wait_api, token=read_token, progress=progress, timeout=wait_timeout
        )
    return totals


def _wait_final(
    ids: list[int], *, api: str, token: str | None, progress: bool, timeout: float
) -> dict[str, int]:
    """Poll each article's status until it is enriched or failed (one bar, counting up)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    outcome = {"enriched": 0, "failed": 0}
    waiting = sorted(set(ids))
    deadline = time.monotonic() + timeout
    with (
        httpx.Client(base_url=api, headers=headers, timeout=30.0) as client,
        tqdm(total=len(waiting), desc="enriched", bar_format=BAR, disable=not progress) as bar,
    ):
        while waiting and time.monotonic() < deadline:
            still: list[int] = []
            for article_id in waiting:
                response = client.get(f"/v1/articles/{article_id}", params={"fields": "status"})
                state = response.json().get("status") if response.status_code == 200 else None
                if state in outcome:
                    outcome[state] += 1
                    bar.update(1)
                else:
                    still.append(article_id)
            waiting = still
            if waiting:
                time.sleep(0.5)
    outcome["unfinished"] = len(waiting)
    return outcome
