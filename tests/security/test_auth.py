"""API keys: 401 without or with a wrong key, 403 for the other kind, open (and loud) without
keys; per-key rate limit with 429 and Retry-After. Health probes and docs stay open."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.auth import KeyRing
from tests.support.processes import backend_env, start_service
from tests.support.services import Backend, free_port
from tests.support.stack import Stack, running_stack

INGEST, INGEST_2, READ = "ingest-key-1", "ingest-key-2", "read-key-1"
ARTICLE = {"text": "Lisbon council met on Monday.", "source": "auth", "external_id": "a1"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def locked(embedded_store: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    with running_stack(
        embedded_store,
        monkeypatch,
        WIREFEED_INGEST_KEYS=f"{INGEST}, {INGEST_2}",
        WIREFEED_READ_KEYS=READ,
        WIREFEED_RATE_LIMIT_PER_SECOND="1",
        WIREFEED_RATE_LIMIT_BURST="5",
    ) as stack:
        yield stack


@pytest.mark.parametrize(
    "headers",
    [
        {},
        bearer("wrong"),
        {"Authorization": f"Basic {INGEST}"},
        {"Authorization": INGEST},
        bearer(INGEST.upper()),
    ],
    ids=["missing", "wrong", "basic-scheme", "no-scheme", "wrong-case"],
)
def test_ingest_refuses_missing_or_wrong_key(locked: Stack, headers: dict[str, str]) -> None:
    response = locked.ingest.post("/v1/articles", json=ARTICLE, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "key" in response.json()["detail"]


def test_keys_open_only_their_own_service(locked: Stack) -> None:
    wrong_kind = locked.ingest.post("/v1/articles", json=ARTICLE, headers=bearer(READ))
    assert wrong_kind.status_code == 403 and "ingest" in wrong_kind.json()["detail"]
    assert locked.api.get("/v1/feed", headers=bearer(INGEST)).status_code == 403
    assert locked.api.get("/v1/feed").status_code == 401
    assert locked.api.get("/v1/feed", headers=bearer("nope")).status_code == 401

    accepted = locked.ingest.post("/v1/articles", json=ARTICLE, headers=bearer(INGEST_2))
    assert accepted.status_code == 202, accepted.text
    read = locked.api.get(f"/v1/articles/{accepted.json()['id']}", headers=bearer(READ))
    assert read.status_code == 200


@pytest.mark.parametrize("action", ["merge", "split"])
def test_entity_corrections_need_an_ingest_key(locked: Stack, action: str) -> None:
    body = {"from_id": 2} if action == "merge" else {"aliases": ["Trump"]}
    path = f"/v1/entities/1/{action}"
    assert locked.ingest.post(path, json=body).status_code == 401
    assert locked.ingest.post(path, json=body, headers=bearer(READ)).status_code == 403
    # Past the key check: no such entity in this empty store.
    allowed = locked.ingest.post(path, json=body, headers=bearer(INGEST))
    assert allowed.status_code == 404 and allowed.json()["detail"] == "no entity with id 1"


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/docs", "/openapi.json"])
def test_probes_and_docs_stay_open(locked: Stack, path: str) -> None:
    assert locked.ingest.get(path).status_code == 200
    assert locked.api.get(path).status_code == 200


def test_rate_limit_per_key_with_retry_after(locked: Stack) -> None:
    answers = [locked.api.get("/v1/feed", headers=bearer(READ)) for _ in range(8)]
    codes = [a.status_code for a in answers]
    assert codes[:5] == [200] * 5 and 429 in codes[5:], codes
    limited = next(a for a in answers if a.status_code == 429)
    assert int(limited.headers["retry-after"]) >= 1
    assert "rate limit" in limited.json()["detail"]
    # Another key has its own bucket.
    other = locked.ingest.post("/v1/articles", json=ARTICLE, headers=bearer(INGEST))
    assert other.status_code == 202


def test_no_keys_runs_open_and_says_so(
    embedded_store: Backend, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="wirefeed.auth"),
        running_stack(embedded_store, monkeypatch) as stack,
    ):
        assert stack.api.get("/v1/feed").status_code == 200
    warnings = [
        r.getMessage() for r in caplog.records if "AUTHENTICATION DISABLED" in r.getMessage()
    ]
    assert any("INGEST" in w for w in warnings) and any("READ" in w for w in warnings)


def test_keys_are_kept_only_as_digests() -> None:
    ring = KeyRing.of(f"{INGEST},{READ}, ,")
    assert len(ring.digests) == 2
    assert all(len(d) == 32 and INGEST.encode() not in d for d in ring.digests)
    assert ring.holds(INGEST) and ring.holds(READ)
    assert not ring.holds("") and not ring.holds(INGEST[:-1])


def test_cli_ingest_sends_its_token(embedded_store: Backend, tmp_path: Path) -> None:
    """`wirefeed ingest --token` against a real ingest process that requires keys."""
    port = free_port()
    keys = {"WIREFEED_INGEST_KEYS": INGEST, "WIREFEED_READ_KEYS": READ}
    service = start_service(embedded_store, tmp_path, "ingest", port, **keys)
    article = tmp_path / "a.txt"
    article.write_text("Quito hosted the summit on Friday.")
    url = f"http://127.0.0.1:{port}"
    env = backend_env(embedded_store)
    try:
        run = [
            sys.executable,
            "-m",
            "wirefeed.cli",
            "ingest",
            str(article),
            "--url",
            url,
            "--quiet",
        ]
        refused = subprocess.run(run, env=env, capture_output=True, timeout=60, check=False)
        accepted = subprocess.run(
            [*run, "--token", INGEST], env=env, capture_output=True, timeout=60, check=False
        )
    finally:
        service.stop()
    assert refused.returncode != 0 and b"401" in refused.stderr
    assert accepted.returncode == 0, accepted.stderr[-2000:]
    assert b"accepted 1" in accepted.stdout
