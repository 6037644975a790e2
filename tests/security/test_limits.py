"""Size limits hold while the body streams in: an endless body is refused after the limit, not
buffered; compressed bodies are refused, never inflated; batches are capped."""

from __future__ import annotations

import gzip
import select
import socket
import time
from pathlib import Path

import orjson
import pytest

from tests.support.processes import start_service
from tests.support.services import Backend, free_port
from tests.support.stack import Stack

LIMIT = 1_000_000
CHUNK = b"x" * 65536


def _stream_until_answered(port: int, *, give_up_after: int) -> tuple[int, bytes]:
    """POST a chunked body (no Content-Length) that never ends; stop when the server answers.
    Returns bytes sent and the answer."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/articles HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        frame = b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK)
        while sent < give_up_after:
            readable, writable, _ = select.select([sock], [sock], [], 5)
            if readable:
                break
            if writable:
                try:
                    sock.sendall(frame)
                except OSError:
                    break
                sent += len(CHUNK)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer and answer.rstrip().endswith(b"}"):
                    break
        except OSError:
            pass
    return sent, answer


def test_endless_body_is_refused_while_streaming(embedded_store: Backend, tmp_path: Path) -> None:
    port = free_port()
    ingest = start_service(
        embedded_store, tmp_path, "ingest", port, WIREFEED_MAX_BODY_BYTES=str(LIMIT)
    )
    try:
        sent, answer = _stream_until_answered(port, give_up_after=1024 * 1024 * 1024)
    finally:
        ingest.stop()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"exceeds the limit of 1000000 bytes" in answer
    # Refused after about the limit (plus what socket buffers hold), nowhere near the 1 GB.
    assert sent < 40 * LIMIT, sent


def test_declared_huge_length_is_refused_before_reading(stack: Stack) -> None:
    response = stack.ingest.post(
        "/v1/articles",
        content=b"{}",
        headers={"content-type": "application/json", "content-length": str(10**12)},
    )
    assert response.status_code == 413


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "x-gzip"])
def test_compressed_body_is_refused_not_inflated(stack: Stack, encoding: str) -> None:
    bomb = gzip.compress(b'{"text": "' + b"A" * 50_000_000 + b'"}', compresslevel=9)
    assert len(bomb) < 100_000  # 50 MB of text in a small body
    response = stack.ingest.post(
        "/v1/articles",
        content=bomb,
        headers={"content-type": "application/json", "content-encoding": encoding},
    )
    assert response.status_code == 415
    assert encoding in response.json()["detail"] and "uncompressed" in response.json()["detail"]


def test_batch_over_the_item_limit_is_413(stack: Stack) -> None:
    from shared.settings import get_settings

    limit = get_settings().max_batch_items
    items = [{"text": f"Article {i} about Lisbon."} for i in range(limit + 1)]
    response = stack.ingest.post(
        "/v1/articles/batch",
        content=orjson.dumps(items),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert f"limit is {limit}" in response.json()["detail"]


def test_trickled_body_times_out(embedded_store: Backend, tmp_path: Path) -> None:
    """A client that declares a body and then sends almost nothing gets 408, not a held thread."""
    port = free_port()
    ingest = start_service(
        embedded_store, tmp_path, "ingest", port, WIREFEED_MAX_BODY_SECONDS="1.5"
    )
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"POST /v1/articles HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"text": '
            )
            started = time.monotonic()
            answer = b""
            while chunk := sock.recv(65536):  # the server closes after answering
                answer += chunk
            took = time.monotonic() - started
    finally:
        ingest.stop()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert b"not received within 1.5 s" in answer
    assert took < 5
