"""Fetch a producer's URL without letting it reach inside our network (SSRF guard).

Every hop: http/https only, no credentials in the URL; the host is resolved and *every* address
checked (loopback, private, link-local, multicast, reserved, unspecified, shared and other
non-global ranges, IPv4 and IPv6, IPv4-mapped/6to4/Teredo forms; numeric spellings such as
2130706433 or 0x7f000001 resolve to the address they mean and are checked as such); then the
connection goes to the checked address itself (Host header and TLS SNI/verification keep the
name), so a second DNS answer cannot swap it. Redirects are followed by hand, re-checked, capped.
Connect/read timeouts, a total deadline, a streamed byte cap and a content-type allow-list bound
the rest. One httpx.Client per process, no proxies from the environment.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from shared.schemas import ArticleIn
from shared.settings import Settings
from shared.ssrf import IPAddress, Target, UnsafeUrl
from shared.ssrf import address_problem as address_problem  # re-exported for tests
from shared.ssrf import resolve_target as _resolve

ALLOWED_TYPES = ("text/html", "text/plain", "application/xhtml+xml")


# The guard itself is shared with webhook deliveries (shared/ssrf.py).
class FetchError(UnsafeUrl):
    """Why a URL was not fetched; the message is safe to show the producer."""


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # after redirects
    content_type: str
    text: str


def resolve_target(url: str, *, allow_loopback: bool) -> Target:
    try:
        return _resolve(url, allow_loopback=allow_loopback)
    except UnsafeUrl as exc:
        raise FetchError(str(exc)) from exc


class UrlFetcher:
    def __init__(
        self,
        settings: Settings,
        transport: httpx.BaseTransport | None = None,
        *,
        allow_loopback: bool = False,  # tests only: reach a page server on this machine
    ) -> None:
        self.settings = settings
        self.allow_loopback = allow_loopback
        self.client = httpx.Client(
            follow_redirects=False,
            trust_env=False,  # an environment proxy would connect on our behalf, unchecked
            timeout=httpx.Timeout(
                connect=settings.fetch_connect_timeout,
                read=settings.fetch_read_timeout,
                write=settings.fetch_read_timeout,
                pool=settings.fetch_connect_timeout,
            ),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=0),
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    def fetch(self, url: str) -> Fetched:
        deadline = time.monotonic() + self.settings.fetch_total_timeout
        for _ in range(self.settings.fetch_max_redirects + 1):
            if time.monotonic() > deadline:
                raise FetchError("the page did not arrive in time")
            try:
                target = resolve_target(url, allow_loopback=self.allow_loopback)
            except ValueError as exc:  # unparsable, e.g. a malformed Location
                raise FetchError(f"invalid URL {url[:200]!r}") from exc
            try:
                outcome = self._get_any(target, deadline)
            except httpx.InvalidURL as exc:
                raise FetchError(f"invalid URL {url[:200]!r}") from exc
            except httpx.TimeoutException as exc:
                raise FetchError(f"{target.host!r} did not answer in time") from exc
            except httpx.HTTPError as exc:
                raise FetchError(
                    f"fetching from {target.host!r} failed: {type(exc).__name__}"
                ) from exc
            if isinstance(outcome, Fetched):
                return outcome
            url = outcome  # a redirect: checked again from the top
        raise FetchError(f"more than {self.settings.fetch_max_redirects} redirects")

    def _get_any(self, target: Target, deadline: float) -> Fetched | str:
        """Try the checked addresses in turn (a name may resolve to ::1 and 127.0.0.1)."""
        for address in target.addresses[:-1]:
            try:
                return self._get(target, address, deadline)
            except httpx.ConnectError:
                continue
        return self._get(target, target.addresses[-1], deadline)

    def _get(self, target: Target, address: IPAddress, deadline: float) -> Fetched | str:
        pinned = httpx.URL(target.url).copy_with(host=str(address))
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        headers = {
            "Host": httpx.URL(target.url).netloc.decode("ascii"),
            "Accept": "text/html, text/plain;q=0.8",
            "Accept-Encoding": "identity",  # the byte cap counts what we hold, not compressed
            "User-Agent": "wirefeed-fetch/0.1",
        }
        request = self.client.build_request("GET", pinned, headers=headers, extensions=extensions)
        response = self.client.send(request, stream=True)
        try:
            if response.is_redirect:
                location: str | None = response.headers.get("location")
                if not location:
                    raise FetchError("a redirect without a Location")
                return urljoin(target.url, location)
            if response.status_code != 200:
                raise FetchError(f"the page answered HTTP {response.status_code}")
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind not in ALLOWED_TYPES:
                raise FetchError(
                    f"content type {kind or '(none)'!r} is not fetched; "
                    f"only {', '.join(ALLOWED_TYPES)}"
                )
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            if encoding not in ("", "identity"):
                raise FetchError(f"the page came {encoding}-encoded; only identity is read")
            body = self._read_capped(response, deadline)
        finally:
            response.close()
        text = body.decode(response.encoding or "utf-8", errors="replace").replace("\x00", "")
        if not text.strip():
            raise FetchError("the page is empty")
        return Fetched(url=target.url, content_type=kind, text=text)

    def _read_capped(self, response: httpx.Response, deadline: float) -> bytes:
        cap = self.settings.fetch_max_bytes
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_raw():
            size += len(chunk)
            if size > cap:
                raise FetchError(f"the page is larger than {cap} bytes")
            if time.monotonic() > deadline:
                raise FetchError(
                    f"the page took longer than {self.settings.fetch_total_timeout:g} s to send"
                )
            chunks.append(chunk)
        return b"".join(chunks)


def article_from_url(item: ArticleIn, fetcher: UrlFetcher) -> ArticleIn:
    """The url-only article with the fetched page as its body (HTML, or text for text/plain)."""
    page = fetcher.fetch(str(item.url))
    field = "text" if page.content_type == "text/plain" else "html"
    return item.model_copy(update={field: page.text})
