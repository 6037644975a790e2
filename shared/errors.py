"""The error shape both services answer with, the domain error that carries it, and the error
responses every /v1 route shares (declared in OpenAPI so clients and the schema fuzzer know them).

Service code raises `Rejected` (or a subclass) with a status and a message naming what was wrong;
one handler, installed by `mount_service`, turns it into the HTTP answer. Nothing below the
routes raises or catches FastAPI's HTTPException to steer.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
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


class Rejected(Exception):
    """A request refused for what it holds. `status` is the HTTP status it is answered with,
    `message` names the problem, `field` the input it is about (if one), and `errors` one entry
    per invalid field when there are several (then they are the answer's detail)."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.errors = errors
        self.headers = headers

    @property
    def detail(self) -> str | list[Any]:
        return self.errors if self.errors is not None else self.message


async def answer_rejected(_request: Request, exc: Exception) -> Response:
    """The HTTP answer to a `Rejected`: the same shape FastAPI gives an HTTPException."""
    if not isinstance(exc, Rejected):  # registered for Rejected only
        raise exc
    return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)
