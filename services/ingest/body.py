"""Read a request body under a size cap, then parse it as JSON or NDJSON.

The cap is enforced while streaming, so an oversized body is refused after `limit` bytes, not
after buffering all of it.
"""

from __future__ import annotations

from typing import Any

import anyio
import orjson
from fastapi import HTTPException, Request, status

JSON_TYPES = ("application/json",)
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
MAX_JSON_DEPTH = 32


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_body(request: Request, *, limit: int, timeout: float | None = None) -> bytes:
    """The body, refused past `limit` bytes (413) or when it takes longer than `timeout`
    seconds to arrive (408: a client trickling bytes must not hold a connection forever)."""
    try:
        with anyio.fail_after(timeout):
            return await _read_capped(request, limit=limit)
    except TimeoutError as exc:
        raise HTTPException(
            status.HTTP_408_REQUEST_TIMEOUT,
            f"request body not received within {timeout:g} s",
            headers={"Connection": "close"},
        ) from exc


async def _read_capped(request: Request, *, limit: int) -> bytes:
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        # Never inflate: a few KB of gzip can expand to gigabytes (a zip bomb).
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"content encoding {encoding!r} is not accepted; send the body uncompressed",
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE, f"request body exceeds the limit of {limit} bytes"
    )


def unsupported(kind: str, allowed: tuple[str, ...]) -> HTTPException:
    return HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        f"unsupported content type {kind or '(none)'!r}; send one of: {', '.join(allowed)}",
    )


def parse_json(raw: bytes, *, what: str = "body") -> Any:
    if not raw.strip():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{what} is empty")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"{what} is not valid JSON (UTF-8): {exc}"
        ) from exc
    if _depth(value) > MAX_JSON_DEPTH:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"{what} is nested deeper than {MAX_JSON_DEPTH}"
        )
    return value


def parse_ndjson(raw: bytes) -> list[Any]:
    """One JSON value per non-empty line; a bad line becomes an error marker, not a failure."""
    items: list[Any] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            items.append(parse_json(line, what=f"line {number}"))
        except HTTPException as exc:
            items.append(LineError(str(exc.detail)))
    if not items:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "body holds no NDJSON lines")
    return items


class LineError:
    """An NDJSON line that is not JSON; reported against its item, the rest go on."""

    def __init__(self, message: str) -> None:
        self.message = message


def _depth(value: Any, level: int = 1) -> int:
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level
