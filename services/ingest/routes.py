"""Ingest endpoints. Thin: each hands the request body to the ingest service (service.py), or an
entity correction to the editor (editor.py)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from pydantic import BaseModel

from services.ingest.body import Upload, read_model
from services.ingest.editor import EntityEditor
from services.ingest.service import IngestService
from shared.errors import ErrorOut
from shared.schemas import BatchResult, EntityCorrected, IngestResult, MergeIn, SplitIn

router = APIRouter(prefix="/v1")


def _service(request: Request) -> IngestService:
    service: IngestService = request.app.state.ingest
    return service


# Dependencies are `async def`: FastAPI runs a plain `def` one in the thread pool, a thread hop
# per dependency per request for a dictionary lookup.
async def get_service(request: Request) -> IngestService:
    return _service(request)


ServiceDep = Annotated[IngestService, Depends(get_service)]
Correction = TypeVar("Correction", bound=BaseModel)


async def get_editor(request: Request) -> EntityEditor:
    editor: EntityEditor = request.app.state.editor
    return editor


EditorDep = Annotated[EntityEditor, Depends(get_editor)]

_EXAMPLES = {
    "text": {
        "summary": "Plain text",
        "value": {
            "text": "Vladimir Putin spoke to Donald Trump.\nRead also| Other story",
            "source": "demo",
            "external_id": "demo-1",
            "published_at": "2025-06-04T12:00:00Z",
        },
    },
    "html": {
        "summary": "An HTML page",
        "value": {
            "html": "<html><body><article><p>Officials in Lisbon said...</p></article></body>"
            "</html>",
            "url": "https://news.example/lisbon",
            "source": "news.example",
        },
    },
    "url": {
        "summary": "Only a URL: the service fetches the page",
        "value": {"url": "https://news.example/lisbon", "source": "news.example"},
    },
}
_ARTICLE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ArticleIn"},
                "examples": _EXAMPLES,
            }
        },
    }
}
_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/ArticleIn"}}
            },
            "application/x-ndjson": {
                "schema": {"type": "string", "description": "One ArticleIn JSON object a line"},
                "example": '{"text": "First story...", "source": "demo"}\n'
                '{"text": "Second story...", "source": "demo"}\n',
            },
        },
    }
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    408: {"description": "The body did not arrive in time", "model": ErrorOut},
    413: {"description": "Body larger than the configured limit", "model": ErrorOut},
    415: {"description": "Unsupported content type", "model": ErrorOut},
    422: {"description": "Invalid article: the message names the field", "model": ErrorOut},
}
_ARTICLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"description": "Stored and queued for enrichment (or a duplicate of a stored one)"},
    **_ERRORS,
}
_BATCH_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"description": "Every item stored and queued (or a duplicate)"},
    207: {"description": "Some items were rejected; each item says why", "model": BatchResult},
    **_ERRORS,
}


@router.post(
    "/articles",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=IngestResult,
    openapi_extra=_ARTICLE_BODY,
    responses=_ARTICLE_RESPONSES,
    summary="Submit one article (text or HTML)",
)
async def post_article(request: Request) -> Response:
    # The service straight from the app, not a dependency: FastAPI's per-request resolution
    # of one dependency costs ~30-50 us of CPU here (py-spy), more than parsing the article.
    result = await _service(request).submit_article(Upload.of(request))
    return _json(result, status.HTTP_202_ACCEPTED)


@router.post(
    "/articles/batch",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BatchResult,
    openapi_extra=_BATCH_BODY,
    responses=_BATCH_RESPONSES,
    summary="Submit many articles as a JSON array or NDJSON; one result per item",
)
async def post_batch(request: Request) -> Response:
    answer = await _service(request).submit_batch(Upload.of(request))
    # 202 when every item was taken, 207 when some were rejected (see each item's `ok`).
    code = status.HTTP_207_MULTI_STATUS if answer.rejected else status.HTTP_202_ACCEPTED
    return Response(answer.json(), code, media_type="application/json")


def declared_post() -> APIRoute:
    """The POST /v1/articles route as declared here (direct.py answers it below FastAPI)."""
    return next(
        r
        for r in router.routes
        if isinstance(r, APIRoute) and r.path == "/v1/articles" and "POST" in (r.methods or ())
    )


def _json(result: BaseModel, status_code: int) -> Response:
    """The result serialised once, by its own model. Returned through `response_model`, FastAPI
    would validate the model it was just given and serialise it again (bench/ANALYSIS.md,
    ingest); the model stays declared above for the OpenAPI schema."""
    return Response(result.model_dump_json(), status_code, media_type="application/json")


@router.delete(
    "/articles/{article_id}",
    response_model=IngestResult,
    responses={404: {"description": "No article with this id"}},
    summary="Retract an article: it becomes a tombstone (410) and the feed says `retracted`",
)
def delete_article(
    article_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="An article id")],
    service: ServiceDep,
    reason: Annotated[
        str | None, Query(max_length=1000, description="Why it was withdrawn")
    ] = None,
) -> IngestResult:
    return service.retract(article_id, reason)


# ---- entity corrections (editors) ---------------------------------------------------------

CORRECTION_BODY_LIMIT = 64 * 1024
EntityIdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="An entity id")]


def _body(model: str, example: dict[str, Any]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{model}"},
                    "example": example,
                }
            },
        }
    }


_CORRECTION_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Corrected; the affected articles are queued for re-tagging"},
    404: {"description": "No entity with this id", "model": ErrorOut},
    409: {"description": "An entity involved was merged into another already", "model": ErrorOut},
    **_ERRORS,
}


async def _read_correction(
    request: Request, model: type[Correction], what: str, service: IngestService
) -> Correction:
    return await read_model(
        Upload.of(request),
        model,
        what=what,
        limit=CORRECTION_BODY_LIMIT,
        timeout=service.settings.max_body_seconds,
    )


@router.post(
    "/entities/{entity_id}/merge",
    response_model=EntityCorrected,
    openapi_extra=_body("MergeIn", {"from_id": 7, "reason": "same person", "editor": "ana"}),
    responses=_CORRECTION_RESPONSES,
    summary="Merge another entity into this one (an editor's correction)",
    description="The other entity's names, aliases and articles join this one; its id answers "
    "the read API with a redirect here. The linker keeps to it from then on, and the articles "
    "that named the other entity are re-tagged on the reenrich queue (feed: `updated`).",
)
async def merge_entity(
    entity_id: EntityIdPath, request: Request, editor: EditorDep, service: ServiceDep
) -> EntityCorrected:
    body = await _read_correction(request, MergeIn, "merge", service)
    return await run_in_threadpool(editor.merge, entity_id, body)


@router.post(
    "/entities/{entity_id}/split",
    response_model=EntityCorrected,
    openapi_extra=_body(
        "SplitIn", {"aliases": ["Trump"], "name": "Trump", "reason": "not always him"}
    ),
    responses=_CORRECTION_RESPONSES,
    summary="Split names off this entity into an entity of their own (an editor's correction)",
    description="The names are pinned to the new entity (or the store's entity of that name "
    "and label; one merged into this entity is brought back): records naming them join it, "
    "whatever the linker would do. Articles that joined this entity through those names are "
    "re-tagged on the reenrich queue (feed: `updated`).",
)
async def split_entity(
    entity_id: EntityIdPath, request: Request, editor: EditorDep, service: ServiceDep
) -> EntityCorrected:
    body = await _read_correction(request, SplitIn, "split", service)
    return await run_in_threadpool(editor.split, entity_id, body)
