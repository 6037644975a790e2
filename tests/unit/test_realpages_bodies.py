"""The whole-body tuning set (eval/realpages/bodies.json) stays true to its pages: every page's
body can be found, so eval.realbodies never scores against a body it silently failed to mark."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from eval.realbodies import BODIES, MIN_WORDS, load_pages
from eval.realpages.check_labels import DEFAULT_HTML_DIR, LABELS, visible_lines


def _pages() -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = json.loads(BODIES.read_text(encoding="utf-8"))["pages"]
    return pages


def test_the_tuning_pages_are_not_the_report_only_pages() -> None:
    files = [page["file"] for page in _pages()]
    assert len(files) == len(set(files)) >= 30
    report_only = {page["file"] for page in json.loads(LABELS.read_text("utf-8"))["pages"]}
    assert not report_only & set(files)


needs_pages = pytest.mark.skipif(
    not DEFAULT_HTML_DIR.exists(), reason="real pages not built: run python -m eval.realdata"
)


@needs_pages
@pytest.mark.parametrize("page", _pages(), ids=lambda page: str(page["file"]))
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
def test_every_page_loads_with_a_body() -> None:
    pages = load_pages()
    assert len(pages) == len(_pages())
    for page in pages:
        assert any(len(line.split()) >= MIN_WORDS for line in page.body_lines), page.name
