"""The /ui pages: search with filters, an article with its entities and removals, an entity.

They call the same query functions as the JSON API, in the same process, over the app's
read-only engine. With read keys configured, a page needs the key in a cookie, set by a small
form; the cookie is HttpOnly and SameSite=Strict, and every page forbids scripts by CSP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from services.api.cursor import MAX_ID, decode_cursor, encode_cursor
from services.api.params import EntityLabel
from services.api.queries import (
    ArticleFilter,
    aliases_of,
    entity_articles,
    list_articles,
    list_sources,
    load_article,
)
from services.api.ui.marks import mention_spans, removal_spans, runs
from shared.auth import KeyRing
from shared.models import ArticleStatus, Entity
from shared.settings import Settings

HERE = Path(__file__).parent
BASE = "/ui"
COOKIE = "wirefeed_read_key"
PAGE = 20
KNOWN_LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP")
# No scripts at all; styles and images only from here.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

templates = Jinja2Templates(directory=HERE / "templates")
static = StaticFiles(directory=HERE / "static")


class NeedsKey(Exception):
    """The page needs a read key the visitor has not given (or gave wrong)."""


def _session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


def _require_key(request: Request) -> None:
    settings: Settings = request.app.state.settings
    ring = KeyRing.of(settings.read_keys)
    if not ring.digests:
        return
    key = request.cookies.get(COOKIE)
    if not key or not ring.holds(key):
        raise NeedsKey


router = APIRouter(prefix=BASE, include_in_schema=False)
PageSession = Annotated[Session, Depends(_session)]
Guarded = [Depends(_require_key)]


def _page(request: Request, name: str, context: dict[str, Any], code: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(
        request,
        name,
        {"base": BASE, "known_labels": KNOWN_LABELS, **context},
        status_code=code,
    )
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def login_page(request: Request, _exc: Exception) -> Response:
    """What a guarded page answers without a valid key: the form (401)."""
    return _page(
        request,
        "login.html",
        {
            "next": request.url.path,
            "error": "That key was not accepted." if request.cookies.get(COOKIE) else None,
        },
        code=status.HTTP_401_UNAUTHORIZED,
    )


@router.post("/login")
async def login(request: Request) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    key = form.get("key", [""])[0]
    target = form.get("next", [BASE + "/"])[0]
    if not target.startswith(BASE + "/"):  # only our own pages: no open redirect
        target = BASE + "/"
    settings: Settings = request.app.state.settings
    if not KeyRing.of(settings.read_keys).holds(key):
        return _page(
            request,
            "login.html",
            {"next": target, "error": "That key was not accepted."},
            code=status.HTTP_401_UNAUTHORIZED,
        )
    response = RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(COOKIE, key, httponly=True, samesite="strict", path=BASE)
    return response


def _label(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return EntityLabel(value).value
    except ValueError:
        return None


@router.get("/", dependencies=Guarded)
def search_page(request: Request, session: PageSession) -> HTMLResponse:
    raw = {k: v.strip() for k, v in request.query_params.items() if v.strip()}
    params = {k: raw.get(k) for k in ("q", "entity", "entity_type", "source", "language")}
    params["entity_type"] = _label(params["entity_type"])
    error = None
    after = None
    try:
        if cursor := raw.get("cursor"):
            after = decode_cursor(cursor, arity=2 if params["q"] else 1)
    except HTTPException:
        error = "That page link is not valid; showing the first page."
    filters = ArticleFilter(
        q=params["q"],
        entity=params["entity"],
        entity_type=params["entity_type"],
        source=params["source"],
        language=params["language"],
    )
    hits = list_articles(
        session,
        filters=filters,
        aliases=request.app.state.aliases,
        by_relevance=bool(params["q"]),
        after=after,
        limit=PAGE + 1,
        snippets_for=PAGE,
    )
    next_url = None
    if len(hits) > PAGE:
        last = hits[PAGE - 1]
        key = (last.rank or 0.0, last.article.id or 0) if params["q"] else (last.article.id or 0,)
        query = {k: v for k, v in params.items() if v} | {"cursor": encode_cursor(*key)}
        next_url = f"{BASE}/?{urlencode(query)}"
    return _page(
        request,
        "search.html",
        {
            "params": params,
            "hits": hits[:PAGE],
            "labels": [label.value for label in EntityLabel],
            "sources": list_sources(session),
            "next_url": next_url,
            "error": error,
        },
    )


def _quality_flags(quality: Any) -> list[str]:
    """Whatever shape the pipeline's quality record has: flags as readable lines."""
    if not quality:
        return []
    if isinstance(quality, dict):
        flags = quality.get("flags", quality)
        if isinstance(flags, dict):
            return [f"{k}: {v}" for k, v in flags.items() if v not in (None, False, [], {})]
        if isinstance(flags, list):
            return [str(f.get("code", f)) if isinstance(f, dict) else str(f) for f in flags]
    if isinstance(quality, list):
        return [str(f) for f in quality]
    return [str(quality)]


@router.get("/articles/{article_id}", dependencies=Guarded)
def article_page(request: Request, article_id: int, session: PageSession) -> HTMLResponse:
    loaded = (
        load_article(session, article_id, with_raw=True, slim=False)
        if 0 < article_id <= MAX_ID
        else None
    )
    if loaded is None:
        return _page(request, "search.html", _not_found(session, f"No article {article_id}."), 404)
    article, enrichment = loaded
    if article.status == ArticleStatus.retracted:  # a tombstone, as GET /v1/articles/{id}: 410
        reason = f": {article.retraction_reason}" if article.retraction_reason else ""
        gone = _not_found(session, f"Article {article_id} was retracted{reason}.")
        return _page(request, "search.html", gone, 410)
    entities = enrichment.get("entities", [])
    source_text = enrichment.get("source_text") or article.raw
    return _page(
        request,
        "article.html",
        {
            "article": article,
            "language": article.detected_language or article.language,
            "flags": _quality_flags(enrichment.get("quality")),
            "entities": entities,
            "clean_runs": runs(article.clean_text or "", mention_spans(entities)),
            "source_runs": runs(source_text, removal_spans(enrichment.get("removals", []))),
        },
    )


@router.get("/entities/{entity_id}", dependencies=Guarded)
def entity_page(request: Request, entity_id: int, session: PageSession) -> Response:
    entity = session.get(Entity, entity_id) if 0 < entity_id <= MAX_ID else None
    if entity is None:
        return _page(request, "search.html", _not_found(session, f"No entity {entity_id}."), 404)
    if entity.merged_into is not None:  # an editor merged it: its page is the other one's
        target = f"{BASE}/entities/{entity.merged_into}"
        return RedirectResponse(target, status_code=status.HTTP_307_TEMPORARY_REDIRECT)
    return _page(
        request,
        "entity.html",
        {
            "entity": entity,
            "aliases": aliases_of(session, [entity_id])[entity_id],
            "articles": entity_articles(session, entity_id, limit=100),
        },
    )


def _not_found(session: Session, message: str) -> dict[str, Any]:
    return {
        "params": {},
        "hits": [],
        "labels": [label.value for label in EntityLabel],
        "sources": list_sources(session),
        "next_url": None,
        "error": message,
    }
