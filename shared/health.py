"""Liveness and readiness probes shared by both HTTP services."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine


def health_router(
    *, engine: Callable[[], Engine], extra: dict[str, Callable[[], None]] | None = None
) -> APIRouter:
    """`/healthz`: the process answers. `/readyz`: the database answers (and any `extra` check)."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    def readyz() -> JSONResponse:
        checks: dict[str, str] = {}
        ready = True
        try:
            with engine().connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unavailable: {type(exc).__name__}"
            ready = False
        for name, check in (extra or {}).items():
            try:
                check()
                checks[name] = "ok"
            except Exception as exc:  # reported, not fatal: see the caller's note
                checks[name] = f"unavailable: {type(exc).__name__}"
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    return router
