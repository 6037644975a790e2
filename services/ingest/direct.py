"""POST /v1/articles answered at the ASGI level, below FastAPI's routing.

The single-article POST is the hottest request the service takes. Through FastAPI it paid
~300-400 us of CPU per request for the stack between our middleware and the handler
(ExceptionMiddleware, the AsyncExitStack, route matching, the request/response wrappers) and
~50 us per dependency solved (auth guard, its HTTPBearer, NUL guard): more than reading,
validating, storing and queueing the article (bench/ANALYSIS.md, ingest). This middleware sits
inside the metrics and security-header middleware and answers that one method and path itself,
with the same steps in the same order as the FastAPI route and its dependencies (the access gate
shared with them, the NUL query guard, `IngestService.submit_article`) and the same answers,
errors included (tests/unit/test_ingest_direct.py posts the same requests both ways). The
FastAPI route stays declared: it is the OpenAPI documentation, and what answers when this
middleware is not installed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.routing import APIRoute
from starlette.datastructures import State
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from services.ingest.body import Upload
from services.ingest.service import IngestService
from shared.auth import AccessGate
from shared.errors import Rejected, answer_rejected
from shared.query_guard import no_nul_in_query

PATH = "/v1/articles"
_JSON_HEADERS = [(b"content-type", b"application/json")]


class DirectArticlePost:
    def __init__(self, app: ASGIApp, *, state: State, gate: AccessGate, route: APIRoute) -> None:
        self.app = app
        self.state = state  # the app's state: `ingest` is set by the lifespan
        self.gate = gate
        self.route = route  # the declared route: metrics label requests by its path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or _route_path(scope) != PATH:
            await self.app(scope, receive, send)
            return
        scope["route"] = self.route
        headers = _headers(scope)
        try:
            self.gate.admit_header(headers.get("authorization"))
            if scope["query_string"]:
                await no_nul_in_query(Request(scope))
            service: IngestService = self.state.ingest
            upload = Upload.described(headers, _body_chunks(receive))
            result = await service.submit_article(upload)
        except (Rejected, HTTPException) as exc:
            # By the handlers the app answers them with.
            request = Request(scope, receive)
            answer = await (
                answer_rejected(request, exc)
                if isinstance(exc, Rejected)
                else http_exception_handler(request, exc)
            )
            await answer(scope, receive, send)
            return
        body = result.model_dump_json().encode()
        headers_out = [(b"content-length", str(len(body)).encode()), *_JSON_HEADERS]
        await send({"type": "http.response.start", "status": 202, "headers": headers_out})
        await send({"type": "http.response.body", "body": body})


_READ = (b"authorization", b"content-type", b"content-encoding", b"content-length")


def _headers(scope: Scope) -> dict[str, str]:
    """The request headers this route reads, each as Starlette's `Headers.get` gives it (the
    first of that name, latin-1), in one pass: four `Headers.get` calls cost four passes, each
    decoding every header (~5% of the request's CPU, py-spy)."""
    found: dict[str, str] = {}
    for name, value in scope["headers"]:
        if name in _READ:
            found.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return found


async def _body_chunks(receive: Receive) -> AsyncIterator[bytes]:
    """The body's chunks as they arrive, as Starlette's `Request.stream` yields them (a client
    gone mid-body is its ClientDisconnect)."""
    while True:
        message = await receive()
        if message["type"] == "http.request":
            if body := message.get("body", b""):
                yield body
            if not message.get("more_body", False):
                return
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()


def _route_path(scope: Scope) -> str:
    """The path routing matches against: without the app's `root_path` prefix, as Starlette's
    router strips it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] == "/":
        return path[len(root) :]
    return path
