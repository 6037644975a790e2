"""A token bucket per caller, in this process's memory.

Per process: with N service processes (uvicorn --workers, replicas) a key gets up to N times the
configured rate. That bounds abuse cheaply without a shared store; a global limit belongs in the
proxy in front of the services.
"""

from __future__ import annotations

import math
import threading
import time

MAX_TRACKED = 10_000  # callers remembered; the oldest are dropped beyond this


class RateLimiter:
    def __init__(self, *, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = max(burst, 1)
        self._buckets: dict[str, tuple[float, float]] = {}  # identity -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, identity: str) -> int:
        """Take one token: 0 if allowed, else whole seconds to wait (for Retry-After)."""
        if self.rate <= 0:
            return 0  # disabled
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.pop(identity, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens >= 1:
                self._remember(identity, tokens - 1, now)
                return 0
            self._remember(identity, tokens, now)
            return max(1, math.ceil((1 - tokens) / self.rate))

    def _remember(self, identity: str, tokens: float, now: float) -> None:
        self._buckets[identity] = (tokens, now)  # re-inserted: dict order is recency
        if len(self._buckets) > MAX_TRACKED:
            del self._buckets[next(iter(self._buckets))]
