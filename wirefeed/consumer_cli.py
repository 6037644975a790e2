"""`wirefeed search TEXT` and `wirefeed follow`: the read API for a terminal."""

from __future__ import annotations

import json
import re
import sys
import time
from typing import Any

import httpx

_MARK = re.compile(r"</?mark>")


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _line(article: dict[str, Any]) -> str:
    when = (article.get("published_at") or article.get("created_at") or "")[:16]
    title = article.get("title") or "(no title)"
    return f"#{article['id']:<7} {when:16} {article.get('source') or '-':20} {title}"


def search(api: str, text: str, *, token: str | None, limit: int, source: str | None) -> int:
    params = {"q": text, "limit": str(min(limit, 500))}
    if source:
        params["source"] = source
    response = httpx.get(f"{api}/v1/articles", params=params, headers=_headers(token), timeout=30)
    if response.status_code != 200:
        print(f"search failed: HTTP {response.status_code}: {response.text[:300]}", file=sys.stderr)
        return 1
    items = response.json()["items"]
    for article in items:
        print(_line(article))
        if article.get("snippet"):
            # The snippet is HTML-escaped with <mark> hits: show hits in bold on a terminal.
            snippet = _MARK.sub(
                lambda m: "\033[0m" if "/" in m.group() else "\033[1m", article["snippet"]
            )
            print(
                "         "
                + snippet.replace("&quot;", '"')
                .replace("&#x27;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
            )
    print(f"{len(items)} result{'s' if len(items) != 1 else ''}")
    return 0


def follow(
    api: str, *, after: int, token: str | None, filters: dict[str, str | None], count: int
) -> int:
    """Print each feed item from the SSE stream; reconnect after the last one seen."""
    position, printed, failures = after, 0, 0
    params = {k: v for k, v in filters.items() if v}
    while True:
        try:
            headers = {**_headers(token), "Last-Event-ID": str(position)}
            with httpx.stream(
                "GET",
                f"{api}/v1/stream",
                params=params,
                headers=headers,
                timeout=httpx.Timeout(10.0, read=None),
            ) as response:
                if response.status_code in (401, 403, 422):
                    response.read()
                    print(
                        f"follow refused: HTTP {response.status_code}: {response.text[:300]}",
                        file=sys.stderr,
                    )
                    return 1
                response.raise_for_status()
                failures = 0
                data: list[str] = []
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        data.append(line[5:].lstrip())
                    elif line == "" and data:
                        item = json.loads("\n".join(data))
                        data = []
                        position = item["seq"]
                        entities = ", ".join(e["name"] for e in item["entities"][:5])
                        kind = item.get("event", "")
                        line = f"{position:>8} {kind:<9} {_line(item['article'])}  [{entities}]"
                        print(line, flush=True)
                        printed += 1
                        if count and printed >= count:
                            return 0
        except (httpx.TransportError, httpx.HTTPStatusError) as exc:
            delay = min(0.5 * 2**failures, 30.0)
            print(
                f"(connection lost: {type(exc).__name__}; retrying in {delay:g} s)",
                file=sys.stderr,
                flush=True,
            )
            time.sleep(delay)
            failures += 1
