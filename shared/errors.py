"""The error shape both services answer with, and the error responses every /v1 route shares
(declared in OpenAPI so clients and the schema fuzzer know them)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    detail: str | list[Any] = Field(
        description="What was wrong: one message, or one entry per invalid field or item."
    )


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing or unknown API key (see WWW-Authenticate)"},
    403: {"model": ErrorOut, "description": "A key of the other kind (read key on ingest...)"},
    422: {"model": ErrorOut, "description": "Invalid request: the message names the problem"},
    429: {"model": ErrorOut, "description": "Rate limit for this key exceeded; see Retry-After"},
}
