"""Opaque pagination cursors: URL-safe base64 of a small JSON list, validated on the way in."""

from __future__ import annotations

import base64
import binascii

import orjson
from fastapi import status

from shared.errors import Rejected

# Ids and counts are 32-bit integers in the store; anything larger cannot come from us and would
# overflow the database driver (a 500), so it is refused as an invalid cursor.
MAX_ID = 2**31 - 1


def encode_cursor(*values: int | float) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(values))).decode().rstrip("=")


def decode_cursor(cursor: str, *, arity: int) -> list[int | float]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError, orjson.JSONDecodeError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != arity
        or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= MAX_ID
            for v in values
        )
    ):
        raise Rejected(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "invalid cursor: pass back the next_cursor value of a previous page unchanged",
            "cursor",
        )
    return values
