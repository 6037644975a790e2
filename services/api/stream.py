"""`GET /v1/stream`: the change feed pushed as Server-Sent Events.

A view of the feed, never a second source of truth: every event is one feed item, its SSE `id`
is the item's feed position, and a client that reconnects with `Last-Event-ID` (browsers do so
by themselves) or `after=` continues right after the last event it received. Positions become
visible in order, so resuming from the last id seen delivers every item exactly once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
import orjson
from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from sqlalchemy.engine import Engine
from sqlmodel import Session
from sse_starlette import EventSourceResponse, ServerSentEvent

from services.api.params import reject_unknown_query
from services.api.queries import ArticleFilter, feed_page
from services.api.routes import AliasesDep, FeedFiltersDep, feed_items
from shared.aliases import AliasTable

router = APIRouter(prefix="/v1", dependencies=[Depends(reject_unknown_query)])

PAGE = 100
# How often an idle stream looks for new items; the feed is an indexed range scan, so cheap.
POLL_SECONDS = 0.5


def _start(after: str | None, last_event_id: str | None) -> int:
    chosen = last_event_id if last_event_id is not None else after
    if chosen is None:
        return 0
    if not chosen.isdigit() or len(chosen) > 18:
        name = "Last-Event-ID" if last_event_id is not None else "after"
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{name} must be a feed position (digits), got {chosen[:40]!r}",
        )
    return int(chosen)


def _next_page(
    engine: Engine, after: int, filters: ArticleFilter, aliases: AliasTable
) -> list[dict[str, Any]]:
    # A short session per poll: a stream may stay open for hours and must not hold one.
    with Session(engine) as session:
        rows = feed_page(session, after=after, limit=PAGE, filters=filters, aliases=aliases)
        return feed_items(rows)


async def _events(
    request: Request, after: int, filters: ArticleFilter, aliases: AliasTable
) -> AsyncIterator[ServerSentEvent]:
    position = after
    engine: Engine = request.app.state.engine
    while not await request.is_disconnected():
        items = await anyio.to_thread.run_sync(_next_page, engine, position, filters, aliases)
        for item in items:
            position = item["seq"]
            yield ServerSentEvent(
                data=orjson.dumps(item).decode(),
                id=str(position),
                event=item["event"],
            )
        if len(items) < PAGE:
            await anyio.sleep(POLL_SECONDS)


@router.get(
    "/stream",
    summary="Follow the feed as Server-Sent Events",
    description="One SSE event per feed event (`event:` its kind: created, updated or "
    "retracted; `id:` its feed position; `data:` the feed item as JSON). Resumes after "
    "`Last-Event-ID` (sent by EventSource clients on reconnect) or `after=`; a comment line "
    "every `heartbeat` seconds keeps proxies from closing an idle stream. Takes the feed's "
    "filters, `event=` included.",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "The event stream"}},
)
async def stream(
    request: Request,
    aliases: AliasesDep,
    filters: FeedFiltersDep,
    after: Annotated[
        str | None,
        Query(max_length=18, description="Feed position already seen; 0 for the start"),
    ] = None,
    heartbeat: Annotated[
        float, Query(ge=0.2, le=300, description="Seconds between heartbeats")
    ] = 15,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=40)] = None,
) -> EventSourceResponse:
    start = _start(after, last_event_id)
    return EventSourceResponse(
        _events(request, start, filters, aliases),
        ping=heartbeat,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
