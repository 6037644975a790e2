"""The whole-body sets (eval/realpages/bodies.json for tuning, bodies_check.json report only)
stay true to their pages: every page's body can be found, so eval.realbodies never scores
against a body it silently failed to mark."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from eval.realbodies import BODIES, CHECK_BODIES, MIN_WORDS, load_pages
from eval.realpages.check_labels import DEFAULT_HTML_DIR, LABELS, visible_lines


def _pages(path: Path = BODIES) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["pages"]
    return pages


def _files(path: Path) -> set[str]:
    return {page["file"] for page in _pages(path)}


def test_the_tuning_pages_are_not_the_report_only_pages() -> None:
    files = [page["file"] for page in _pages()]
    assert len(files) == len(set(files)) >= 30
    assert not _files(LABELS) & set(files)
    check = [page["file"] for page in _pages(CHECK_BODIES)]
    assert len(check) == len(set(check)) >= 15
    assert not (_files(LABELS) | set(files)) & set(check)


needs_pages = pytest.mark.skipif(
    not DEFAULT_HTML_DIR.exists(), reason="real pages not built: run python -m eval.realdata"
)


@needs_pages
@pytest.mark.parametrize(
    "page", _pages() + _pages(CHECK_BODIES), ids=lambda page: str(page["file"])
)
def test_marks_are_whole_lines_of_the_page_in_order(page: dict[str, Any]) -> None:
    raw = (DEFAULT_HTML_DIR / page["file"]).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == page["sha256"]
    lines = visible_lines(raw)
    first = [i for i, line in enumerate(lines) if line.startswith(page["body_first"])]
    assert first, "body_first starts no line"
    last = [i for i, line in enumerate(lines) if line.endswith(page["body_last"]) and i >= first[0]]
    assert last, "body_last ends no line after body_first"
    span = set(lines[first[0] : last[0] + 1])
    assert not [junk for junk in page["inside_junk"] if junk not in span]


@needs_pages
@pytest.mark.parametrize("path", [BODIES, CHECK_BODIES], ids=lambda path: path.name)
def test_every_page_loads_with_a_body(path: Path) -> None:
    pages = load_pages(path)
    assert len(pages) == len(_pages(path))
    for page in pages:
        assert any(len(line.split()) >= MIN_WORDS for line in page.body_lines), page.name
