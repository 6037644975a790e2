"""A real local HTTP server with well-behaved and hostile pages for the URL-ingest tests."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE_HTML = (
    b"<html><head><title>Port reopens</title><script>alert(1)</script></head><body>"
    b"<article><h1>Port reopens</h1><p>The port of Lisbon reopened on Monday after the storm, "
    b"the harbour authority said.</p><p>Mayor Carlos Moedas thanked the crews.</p></article>"
    b"</body></html>"
)


class PageServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: list[tuple[str, str]] = []  # (path, Host header)
        self.stopping = threading.Event()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: PageServer

    def log_message(self, *_: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.hits.append((self.path, self.headers.get("Host", "")))
        route = {
            "/article": self._article,
            "/plain": self._plain,
            "/image": self._image,
            "/gzip": self._gzip,
            "/slow": self._slow,
            "/drip": self._drip,
            "/endless": self._endless,
            "/redirect-ok": lambda: self._redirect("/article"),
            "/redirect-metadata": lambda: self._redirect(
                "http://169.254.169.254/latest/meta-data/"
            ),
            "/redirect-private": lambda: self._redirect("http://10.0.0.1/admin"),
            "/redirect-loopback-v6": lambda: self._redirect("http://[::ffff:127.0.0.1]/article"),
            "/redirect-loop": lambda: self._redirect("/redirect-loop"),
            "/redirect-file": lambda: self._redirect("file:///etc/passwd"),
            "/redirect-malformed": lambda: self._redirect("http://[::1"),
        }.get(self.path)
        if route is None:
            self.send_error(404)
        else:
            route()

    def _send(self, body: bytes, kind: str, **headers: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _article(self) -> None:
        self._send(ARTICLE_HTML, "text/html; charset=utf-8")

    def _plain(self) -> None:
        self._send(
            b"Oslo hosted the summit on Tuesday.\nMinister Anniken Huitfeldt spoke.", "text/plain"
        )

    def _image(self) -> None:
        self._send(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")

    def _gzip(self) -> None:
        import gzip

        self._send(gzip.compress(ARTICLE_HTML), "text/html", Content_Encoding="gzip")

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _slow(self) -> None:
        self.server.stopping.wait(5)  # never answers within the read timeout
        if not self.server.stopping.is_set():
            self._article()

    def _drip(self) -> None:
        """Answers at once, then one byte at a time: each read is quick, the whole is not."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        for _ in range(100):
            if self.server.stopping.is_set():
                return
            try:
                self.wfile.write(b"<p>a</p>")
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.2)

    def _endless(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        chunk = b"<p>" + b"x" * 65536 + b"</p>"
        try:
            while not self.server.stopping.is_set():
                self.wfile.write(chunk)
        except OSError:
            return


@contextmanager
def page_server(wrap: ssl.SSLContext | None = None) -> Iterator[PageServer]:
    server = PageServer()
    if wrap is not None:  # HTTPS: the handshake runs as each connection is accepted
        server.socket = wrap.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
