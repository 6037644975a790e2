"""The ingest bench's baseline: a bare FastAPI JSON endpoint, served by uvicorn exactly like
`wirefeed serve` serves the ingest service (one process, no access log)."""

from __future__ import annotations

import argparse
import itertools
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response

app = FastAPI()
_ids = itertools.count(1)


@app.post("/v1/articles", status_code=202)
async def post_article(request: Request) -> dict[str, Any]:
    payload = await request.json()  # parse the body, as any JSON endpoint must
    return {"id": next(_ids), "status": "queued", "duplicate": False, "n": len(payload)}


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/bytes/{size}")
def sized(size: int) -> Response:
    """A JSON body of `size` bytes from a sync handler (a thread-pool hop, as the read API's
    handlers have): the floor for moving a page that big through uvicorn and the client."""
    return Response(b'"' + b"x" * max(0, size - 2) + b'"', media_type="application/json")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_config=None, access_log=False)
