"""A small HTTP/1.1 keep-alive load generator on raw asyncio (no client library in the way).

- `closed_loop`: C connections each send the next request as soon as the last one answered;
  gives the maximum rate.
- `open_loop`: requests scheduled at a fixed rate, latency measured from the scheduled time
  (so a stalled server is not hidden by the generator waiting for it: no coordinated omission).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from bench.stats import percentile

BodyFactory = Callable[[int], bytes]
# For GETs: the path (and query) of request number i.
PathFactory = Callable[[int], str]


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]  # seconds

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000  # ms


class _Connection:
    def __init__(self, host: str, port: int, path: str) -> None:
        self.host, self.port, self.path = host, port, path
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, body: bytes) -> int:
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        return await self._exchange(head + body)

    async def get(self, path: str) -> int:
        return await self._exchange(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())

    async def _exchange(self, raw: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _connections(url: str, count: int) -> list[_Connection]:
    parts = urlsplit(url)
    return [
        _Connection(parts.hostname or "127.0.0.1", parts.port or 80, parts.path)
        for _ in range(count)
    ]


async def _closed(
    url: str, body: BodyFactory, connections: int, seconds: float, ok: tuple[int, ...]
) -> LoadResult:
    conns = _connections(url, connections)
    latencies: list[float] = []
    errors = 0
    counter = iter(range(10**9))
    deadline = time.perf_counter() + seconds

    async def drive(conn: _Connection) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            status = await conn.request(body(next(counter)))
            latencies.append(time.perf_counter() - sent)
            errors += status not in ok

    start = time.perf_counter()
    await asyncio.gather(*(drive(c) for c in conns))
    elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    return LoadResult(len(latencies), errors, elapsed, latencies)


async def _open(
    url: str, body: BodyFactory, connections: int, rate: float, seconds: float, ok: tuple[int, ...]
) -> LoadResult:
    idle: asyncio.Queue[_Connection] = asyncio.Queue()
    for conn in _connections(url, connections):
        idle.put_nowait(conn)
    latencies: list[float] = []
    errors = 0
    total = int(rate * seconds)

    async def one(index: int, scheduled: float) -> None:
        nonlocal errors
        conn = await idle.get()
        try:
            status = await conn.request(body(index))
        finally:
            idle.put_nowait(conn)
        latencies.append(time.perf_counter() - scheduled)
        errors += status not in ok

    start = time.perf_counter()
    tasks = []
    for index in range(total):
        scheduled = start + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index, scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    while not idle.empty():
        idle.get_nowait().close()
    return LoadResult(len(latencies), errors, elapsed, latencies)


def closed_loop(
    url: str,
    body: BodyFactory,
    *,
    connections: int = 64,
    seconds: float = 5.0,
    ok: tuple[int, ...] = (200, 202),
) -> LoadResult:
    return asyncio.run(_closed(url, body, connections, seconds, ok))


def open_loop(
    url: str,
    body: BodyFactory,
    *,
    rate: float,
    connections: int = 64,
    seconds: float = 5.0,
    ok: tuple[int, ...] = (200, 202),
) -> LoadResult:
    return asyncio.run(_open(url, body, connections, rate, seconds, ok))


async def _gets(url: str, path: PathFactory, connections: int, seconds: float) -> LoadResult:
    conns = _connections(url, connections)
    latencies: list[float] = []
    errors = 0
    counter = iter(range(10**9))
    deadline = time.perf_counter() + seconds

    async def drive(conn: _Connection) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            target = path(next(counter))
            sent = time.perf_counter()
            status = await conn.get(target)
            latencies.append(time.perf_counter() - sent)
            errors += status != 200

    start = time.perf_counter()
    await asyncio.gather(*(drive(c) for c in conns))
    elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    return LoadResult(len(latencies), errors, elapsed, latencies)


def get_loop(
    url: str, path: PathFactory, *, connections: int = 1, seconds: float = 3.0
) -> LoadResult:
    """Closed-loop GETs of `path(i)` on `url` (scheme://host:port)."""
    return asyncio.run(_gets(url, path, connections, seconds))
