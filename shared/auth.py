"""API keys: `Authorization: Bearer KEY`, one list of keys for ingest, one for reading.

Keys are held only as SHA-256 digests and compared with `hmac.compare_digest` against every
configured digest (no early exit), so neither the keys nor a timing side channel leak. A service
whose list is empty runs open and says so loudly at start (the embedded default).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from shared.ratelimit import RateLimiter
from shared.settings import Settings

log = logging.getLogger("wirefeed.auth")
Kind = Literal["ingest", "read"]
_bearer = HTTPBearer(auto_error=False, description="An ingest key or a read key")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def parse_keys(raw: str) -> list[str]:
    return [k.strip() for k in raw.split(",") if k.strip()]


@dataclass(frozen=True)
class KeyRing:
    digests: tuple[bytes, ...]

    @classmethod
    def of(cls, raw: str) -> KeyRing:
        return cls(tuple(_digest(k) for k in parse_keys(raw)))

    def holds(self, key: str) -> bool:
        candidate = _digest(key)
        found = False
        for digest in self.digests:  # no early exit: the time taken does not say which matched
            found |= hmac.compare_digest(candidate, digest)
        return found


@dataclass(frozen=True)
class Access:
    """Who is calling: the digest identifies a key for rate limiting without keeping it."""

    kind: Kind | None  # None: the service runs open
    identity: str


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        message,
        headers={"WWW-Authenticate": 'Bearer realm="wirefeed"'},
    )


class AccessGate:
    """One service's door: the right key (401/403), then the rate limit for that key (429).
    Built once per app from its settings; the FastAPI dependency (`dependency`) and any route
    answered below FastAPI (services/ingest/direct.py) share it, and with it the rate limit."""

    def __init__(self, kind: Kind, settings: Settings) -> None:
        rings: dict[Kind, KeyRing] = {
            "ingest": KeyRing.of(settings.ingest_keys),
            "read": KeyRing.of(settings.read_keys),
        }
        self.kind = kind
        self._mine, self._other = rings[kind], rings["read" if kind == "ingest" else "ingest"]
        self._per_second = settings.rate_limit_per_second
        self._limiter = RateLimiter(
            rate=settings.rate_limit_per_second, burst=settings.rate_limit_burst
        )
        if not self._mine.digests:
            log.warning(
                "AUTHENTICATION DISABLED: no WIREFEED_%s_KEYS configured; anyone who can reach "
                "this service can use it",
                kind.upper(),
            )

    def admit_header(self, authorization: str | None) -> Access:
        """`admit` for a raw `Authorization` header, read as FastAPI's HTTPBearer (with
        auto_error off) reads it: no scheme, no credentials or another scheme is no key."""
        scheme, key = get_authorization_scheme_param(authorization)
        if not (authorization and scheme and key) or scheme.lower() != "bearer":
            return self.admit(None)
        return self.admit(HTTPAuthorizationCredentials(scheme=scheme, credentials=key))

    def admit(self, credentials: HTTPAuthorizationCredentials | None) -> Access:
        if not self._mine.digests:
            return _OPEN
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _unauthorized("missing API key: send 'Authorization: Bearer <key>'")
        key = credentials.credentials
        if not self._mine.holds(key):
            if self._other.holds(key):
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN, f"this key may not be used for {self.kind}"
                )
            raise _unauthorized("invalid API key")
        identity = hashlib.sha256(key.encode()).hexdigest()[:16]
        wait = self._limiter.take(identity)
        if wait > 0:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"rate limit of {self._per_second:g} requests per second for this "
                f"key exceeded; retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        return Access(kind=self.kind, identity=identity)

    def dependency(self) -> Callable[..., Awaitable[Access]]:
        """The gate as a FastAPI dependency (declares the bearer scheme in OpenAPI)."""

        # async: a plain `def` dependency runs in the thread pool, a hop per request; this one
        # only hashes a key and takes a token under a lock held for microseconds.
        async def guard(credentials: Credentials) -> Access:
            return self.admit(credentials)

        return guard


_OPEN = Access(kind=None, identity="open")


def access_guard(kind: Kind, settings: Settings) -> Callable[..., Awaitable[Access]]:
    """A FastAPI dependency for a service's routes (see AccessGate)."""
    return AccessGate(kind, settings).dependency()
