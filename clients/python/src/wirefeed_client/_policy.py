"""What the sync and async clients share: when to retry, how long to wait, SSE parsing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

RETRY_STATUSES = frozenset({429, 502, 503, 504})


class WirefeedError(Exception):
    """The service refused the request: `status` and its `detail` say why."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with a cap; a server's Retry-After wins when it gives one."""

    first: float = 0.5
    cap: float = 30.0
    retries: int = 5

    def delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        if response is not None:
            after = response.headers.get("retry-after")
            if after is not None:
                try:
                    return min(max(float(after), 0.0), self.cap)
                except ValueError:
                    pass
        return float(min(self.first * 2**attempt, self.cap))


def raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = response.text[:500]
    raise WirefeedError(response.status_code, detail)


def auth(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


def params(filters: dict[str, Any]) -> dict[str, str]:
    """Drop unset filters; lists become comma-separated (include=raw,mentions)."""
    out: dict[str, str] = {}
    for name, value in filters.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        out[name] = str(value)
    return out


@dataclass
class SseParser:
    """Server-Sent Events, line by line: yields (id, event, data) per complete event."""

    _id: str | None = None
    _event: str | None = None
    _data: list[str] = field(default_factory=list)

    def feed(self, lines: Iterable[str]) -> Iterator[tuple[str | None, str | None, str]]:
        for line in lines:
            if line == "":
                if self._data:
                    yield self._id, self._event, "\n".join(self._data)
                self._event, self._data = None, []
                continue
            if line.startswith(":"):
                continue  # a heartbeat
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "id":
                self._id = value
            elif name == "event":
                self._event = value
            elif name == "data":
                self._data.append(value)
