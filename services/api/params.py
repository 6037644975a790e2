"""Query parameters of the read API: enums that accept any case, and a guard that refuses
parameters no route declares (a misspelt `q=` or `since=` must not silently list everything)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute


class _AnyCase(StrEnum):
    """An enum whose values are matched case-insensitively (`type=person` is `PERSON`)."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            folded = value.casefold()
            for member in cls:
                if member.value.casefold() == folded:
                    return member
        return None


class EntityLabel(_AnyCase):
    # The OntoNotes names the pipeline keeps (services/enrich/pipeline/entities.py NAMED_LABELS).
    PERSON = "PERSON"
    NORP = "NORP"
    FAC = "FAC"
    ORG = "ORG"
    GPE = "GPE"
    LOC = "LOC"
    PRODUCT = "PRODUCT"
    EVENT = "EVENT"
    WORK_OF_ART = "WORK_OF_ART"
    LAW = "LAW"
    LANGUAGE = "LANGUAGE"


class StatusName(_AnyCase):
    pending = "pending"
    queued = "queued"
    enriched = "enriched"
    failed = "failed"
    retracted = "retracted"  # tombstones, listed only when asked for


class SortOrder(_AnyCase):
    relevance = "relevance"  # search hits, best first (the default with q=)
    newest = "newest"  # most recently stored first (the default without q=)


class Include(_AnyCase):
    """The heavy parts of an article record, left out unless asked for."""

    raw = "raw"
    source_text = "source_text"
    mentions = "mentions"


_QUERY_NAMES: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _declared_query_names(route: APIRoute) -> frozenset[str]:
    names = _QUERY_NAMES.get(id(route))
    if names is None:
        names = _QUERY_NAMES[id(route)] = frozenset(_query_names(route.dependant))
    return names


def reject_unknown_query(request: Request) -> None:
    """A router dependency: 422 naming any query parameter the matched route does not take."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = _declared_query_names(route)
    unknown = sorted({name for name in request.query_params if name not in allowed})
    if unknown:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"unknown query parameter {', '.join(repr(n) for n in unknown)}; "
            f"this endpoint takes: {', '.join(sorted(allowed)) or 'none'}",
        )


def split_list(raw: str | None, enum: type[_AnyCase], *, name: str) -> set[Any]:
    """A comma-separated list of enum values (`include=raw,mentions`), 422 naming bad ones."""
    chosen: set[Any] = set()
    for part in (raw or "").split(","):
        if not part.strip():
            continue
        try:
            chosen.add(enum(part.strip()))
        except ValueError:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"query parameter {name!r}: {part.strip()!r} is not one of "
                f"{', '.join(m.value for m in enum)}",
            ) from None
    return chosen
