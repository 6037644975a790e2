"""HTTPS through the pinned connection: we connect to the checked address, yet TLS still sends
the URL's name (SNI) and verifies the certificate against it."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.ingest.fetch import FetchError, UrlFetcher
from shared.settings import Settings
from tests.security.pages import PageServer, page_server


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_pages(certificate: tuple[Path, Path]) -> Iterator[PageServer]:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with page_server(wrap=context) as server:
        yield server


@pytest.fixture
def fetcher(certificate: tuple[Path, Path]) -> Iterator[UrlFetcher]:
    trust = ssl.create_default_context(cafile=str(certificate[0]))
    settings = Settings(fetch_total_timeout=5)
    client = UrlFetcher(settings, transport=httpx.HTTPTransport(verify=trust), allow_loopback=True)
    yield client
    client.close()


def test_https_by_name_is_pinned_and_verified(tls_pages: PageServer, fetcher: UrlFetcher) -> None:
    port = tls_pages.server_address[1]
    page = fetcher.fetch(f"https://localhost:{port}/article")
    assert "port of Lisbon" in page.text
    assert tls_pages.hits == [("/article", f"localhost:{port}")]


def test_certificate_is_checked_against_the_name_not_the_address(
    tls_pages: PageServer, fetcher: UrlFetcher
) -> None:
    port = tls_pages.server_address[1]
    with pytest.raises(FetchError, match="failed: ConnectError"):
        fetcher.fetch(f"https://127.0.0.1:{port}/article")  # the certificate names localhost only
