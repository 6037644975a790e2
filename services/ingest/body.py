"""Read a request body under a size cap, then parse it as JSON or NDJSON.

The cap is enforced while streaming, so an oversized body is refused after `limit` bytes, not
after buffering all of it. What is wrong is raised as `ArticleRejected`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from fastapi import Request, status
from pydantic import BaseModel, ValidationError

from services.ingest.errors import ArticleRejected

_Model = TypeVar("_Model", bound=BaseModel)
JSON_TYPES = ("application/json",)
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
MAX_JSON_DEPTH = 32


@dataclass(frozen=True, slots=True)
class Upload:
    """A request body as it arrives: what the headers say of it, and its bytes as a stream."""

    media_type: str
    encoding: str
    declared_length: str | None
    chunks: AsyncIterator[bytes]

    @classmethod
    def of(cls, request: Request) -> Upload:
        return cls.described(request.headers, request.stream())

    @classmethod
    def described(cls, headers: Mapping[str, str], chunks: AsyncIterator[bytes]) -> Upload:
        """The upload whose request headers (lower-case names) are `headers`."""
        return cls(
            media_type=headers.get("content-type", "").split(";")[0].strip().lower(),
            encoding=headers.get("content-encoding", "identity").strip().lower(),
            declared_length=headers.get("content-length"),
            chunks=chunks,
        )


class LineError:
    """An NDJSON line that is not JSON; reported against its item, the rest go on."""

    def __init__(self, message: str) -> None:
        self.message = message


async def read_body(upload: Upload, *, limit: int, timeout: float | None = None) -> bytes:
    """The body, refused past `limit` bytes (413) or when it takes longer than `timeout`
    seconds to arrive (408: a client trickling bytes must not hold a connection forever)."""
    try:
        # asyncio's own timeout: about half the cost of anyio's cancel scope (~25 vs ~50 us
        # per request on the bench machine, timeit), for the same TimeoutError.
        async with asyncio.timeout(timeout):
            return await _read_capped(upload, limit=limit)
    except TimeoutError as exc:
        raise ArticleRejected(
            status.HTTP_408_REQUEST_TIMEOUT,
            f"request body not received within {timeout:g} s",
            headers={"Connection": "close"},
        ) from exc


async def _read_capped(upload: Upload, *, limit: int) -> bytes:
    if upload.encoding not in ("", "identity"):
        # Never inflate: a few KB of gzip can expand to gigabytes (a zip bomb).
        raise ArticleRejected(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"content encoding {upload.encoding!r} is not accepted; send the body uncompressed",
        )
    declared = upload.declared_length
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in upload.chunks:
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ArticleRejected:
    return ArticleRejected(
        status.HTTP_413_CONTENT_TOO_LARGE, f"request body exceeds the limit of {limit} bytes"
    )


def unsupported(kind: str, allowed: tuple[str, ...]) -> ArticleRejected:
    return ArticleRejected(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        f"unsupported content type {kind or '(none)'!r}; send one of: {', '.join(allowed)}",
    )


def parse_json(raw: bytes) -> Any:
    """The body as one JSON value (422 if it is not one)."""
    value = _decode(raw, what="body")
    if isinstance(value, LineError):
        raise ArticleRejected(status.HTTP_422_UNPROCESSABLE_CONTENT, value.message)
    return value


def parse_ndjson(raw: bytes) -> list[Any]:
    """One JSON value per non-empty line; a bad line becomes an error marker, not a failure."""
    items = [
        _decode(line, what=f"line {number}")
        for number, line in enumerate(raw.split(b"\n"), start=1)
        if line.strip()
    ]
    if not items:
        raise ArticleRejected(status.HTTP_422_UNPROCESSABLE_CONTENT, "body holds no NDJSON lines")
    return items


def _decode(raw: bytes, *, what: str) -> Any:
    """The JSON value in `raw`, or a LineError saying why there is none."""
    if not raw.strip():
        return LineError(f"{what} is empty")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return LineError(f"{what} is not valid JSON (UTF-8): {exc}")
    if _depth(value) > MAX_JSON_DEPTH:
        return LineError(f"{what} is nested deeper than {MAX_JSON_DEPTH}")
    return value


def _depth(value: Any, level: int = 1) -> int:
    """How deep `value` nests (a scalar is 1). Only containers are recursed into: a batch of
    200 articles is ~1,000 scalars, and a call per scalar was half of parsing its JSON."""
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        children: Any = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return level
    deepest = level
    for child in children:
        if isinstance(child, dict | list):
            deepest = max(deepest, _depth(child, level + 1))
        elif deepest == level:
            deepest = level + 1
    return deepest


async def read_model(
    upload: Upload, model: type[_Model], *, what: str, limit: int, timeout: float | None
) -> _Model:
    """A JSON body read under the caps and validated as `model` (422 naming every bad field)."""
    if upload.media_type not in JSON_TYPES:
        raise unsupported(upload.media_type, JSON_TYPES)
    payload = parse_json(await read_body(upload, limit=limit, timeout=timeout))
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise invalid(exc, what) from None


def invalid(exc: ValidationError, what: str) -> ArticleRejected:
    """A 422 for a body that failed validation, naming every invalid field (the first as
    `field`)."""
    errors = [
        {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]
    field = str(errors[0]["loc"][0]) if errors and errors[0]["loc"] else None
    return ArticleRejected(
        status.HTTP_422_UNPROCESSABLE_CONTENT, f"invalid {what}", field, errors=errors
    )
