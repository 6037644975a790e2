"""POST one signed delivery to a subscriber, through the same SSRF guard as URL ingest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx
from standardwebhooks.webhooks import Webhook

from shared.settings import Settings
from shared.ssrf import UnsafeUrl, resolve_target


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None


def signed_headers(*, secret: str, message_id: str, sent_at: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers for `body`."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
    }


class Sender:
    """One long-lived client per process; every delivery re-resolves and re-checks the host and
    connects to the checked address (a second DNS answer cannot point it inside)."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self.allow_private = settings.webhook_allow_private
        self.client = httpx.Client(
            follow_redirects=False,  # a redirect is a failure: it would bypass the guard
            trust_env=False,
            timeout=settings.webhook_timeout,
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    def send(self, url: str, *, body: str, headers: dict[str, str]) -> Outcome:
        try:
            target = resolve_target(
                url, allow_loopback=self.allow_private, allow_private=self.allow_private
            )
        except (UnsafeUrl, ValueError) as exc:
            return Outcome(False, error=f"refused: {exc}")
        pinned = httpx.URL(url).copy_with(host=str(target.addresses[0]))
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        request = self.client.build_request(
            "POST",
            pinned,
            content=body.encode(),
            headers={
                **headers,
                "Host": httpx.URL(url).netloc.decode("ascii"),
                "Content-Type": "application/json",
                "User-Agent": "wirefeed-webhooks/0.1",
            },
            extensions=extensions,
        )
        try:
            response = self.client.send(request)
        except httpx.HTTPError as exc:
            return Outcome(False, error=f"{type(exc).__name__}: {str(exc)[:200]}")
        if 200 <= response.status_code < 300:
            return Outcome(True, response.status_code)
        return Outcome(False, response.status_code, f"HTTP {response.status_code}")
