"""OpenAPI and its documentation pages for both services.

The pages (Swagger UI at /docs, ReDoc at /redoc) load their scripts from the fastapi-offline
wheel, served by the service itself: nothing comes from a CDN, so they work without internet.
Request bodies the ingest service parses by hand (to bound size and time) are declared with
`openapi_extra`; the models they refer to are added to the components here, so no `$ref` dangles.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel

REF_TEMPLATE = "#/components/schemas/{model}"
_STATIC = "/static-offline-docs"  # where fastapi-offline serves the packaged assets
_LOCAL_ONLY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' blob:; worker-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; frame-ancestors 'none'"
)


def documented_app(
    *, title: str, description: str, extra_models: tuple[type[BaseModel], ...] = (), **kw: Any
) -> FastAPI:
    app = FastAPIOffline(
        title=title, version="0.1.0", description=description, redoc_url=None, **kw
    )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{_STATIC}/redoc.standalone.js",
            redoc_favicon_url=f"{_STATIC}/favicon.png",
            with_google_fonts=False,
        )
        # ReDoc's footer logo lives on its CDN: the policy keeps the page on our own host.
        page.headers["Content-Security-Policy"] = _LOCAL_ONLY
        return page

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in extra_models:
                found = model.model_json_schema(ref_template=REF_TEMPLATE)
                for name, definition in found.pop("$defs", {}).items():
                    components.setdefault(name, definition)
                components.setdefault(model.__name__, found)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
