"""The hand-labelled real-page set (issue 8) stays well-formed and true to its pages."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from eval.realpages.check_labels import (
    DEFAULT_HTML_DIR,
    ENTITY_LABELS,
    LABELS,
    MAX_SNIPPET_CHARS,
    page_problems,
)

MIN_PAGES = 48  # the issue asks for at least 40


def _pages() -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = json.loads(LABELS.read_text(encoding="utf-8"))["pages"]
    return pages


def test_enough_distinct_pages() -> None:
    files = [page["file"] for page in _pages()]
    assert len(files) >= MIN_PAGES
    assert len(set(files)) == len(files)


@pytest.mark.parametrize("page", _pages(), ids=lambda page: str(page["file"]))
def test_page_is_well_formed(page: dict[str, Any]) -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", page["sha256"])
    assert len(page["body_snippets"]) == 3
    assert len(page["junk"]) <= 10
    for text in [page["lede"], page["ending"], *page["body_snippets"], *page["junk"]]:
        assert 0 < len(text) <= MAX_SNIPPET_CHARS, text
    assert tuple(page["entities"]) == ENTITY_LABELS
    surfaces = [s for label in ENTITY_LABELS for s in page["entities"][label]]
    assert len(surfaces) == len(set(surfaces)), "one label per distinct surface"
    assert not any(s.lower().startswith("the ") for s in surfaces)


@pytest.mark.skipif(
    not DEFAULT_HTML_DIR.exists(), reason="real pages not built: run python -m eval.realdata"
)
@pytest.mark.parametrize("page", _pages(), ids=lambda page: str(page["file"]))
def test_labels_occur_in_the_page(page: dict[str, Any]) -> None:
    assert page_problems(page, DEFAULT_HTML_DIR) == []
