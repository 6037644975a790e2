"""Refuse query strings no handler should see: NUL characters cannot be stored or compared by
PostgreSQL (its driver raises, which would be a 500), so they are a 422 naming the parameter."""

from __future__ import annotations

from fastapi import HTTPException, Request, status


async def no_nul_in_query(request: Request) -> None:
    # async: a plain `def` dependency costs a thread-pool hop on every request.
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"query parameter {name.replace(chr(0), '')!r} must not contain NUL (\\x00) "
                "characters",
            )
