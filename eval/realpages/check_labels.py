"""Check the hand-labelled real-page set against the pages it was written from.

Every lede, ending, body snippet, junk line and entity surface in labels.json must occur in
the page's visible text (HTML entities decoded, whitespace collapsed), and every page's
sha256 must match its HTML file, so a typo or a changed file cannot pass unnoticed.

    python -m eval.realpages.check_labels [--html-dir var/realdata/trafilatura/eval]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

LABELS = Path(__file__).with_name("labels.json")
DEFAULT_HTML_DIR = Path(__file__).resolve().parents[2] / "var" / "realdata" / "trafilatura" / "eval"
ENTITY_LABELS = ("PERSON", "ORG", "GPE", "LOC")
MAX_SNIPPET_CHARS = 200

# Tags that end a line of visible text, and tags whose content a browser does not show.
_BLOCK_TAG_NAMES = (
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr td th table section article header footer aside"
    " nav figure figcaption blockquote pre form main dd dt dl hr option button label"
)
_HIDDEN_TAG_NAMES = "script style noscript template title head svg iframe"
_BLOCK_TAGS = frozenset(_BLOCK_TAG_NAMES.split())
_HIDDEN_TAGS = frozenset(_HIDDEN_TAG_NAMES.split())


class _VisibleText(HTMLParser):
    """Collects the text a browser would show; block tags end a line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden_depth += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS and self._hidden_depth:
            self._hidden_depth -= 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(data)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _visible_parts(html_bytes: bytes) -> str:
    parser = _VisibleText()
    parser.feed(html_bytes.decode("utf-8", "replace"))
    parser.close()
    return "".join(parser.parts)


def visible_text(html_bytes: bytes) -> str:
    return normalise(_visible_parts(html_bytes))


def visible_lines(html_bytes: bytes) -> list[str]:
    """The visible text split where block tags end a line, each line whitespace-collapsed
    (the lines eval/realpages/bodies.json was labelled on)."""
    lines = (normalise(part) for part in _visible_parts(html_bytes).split("\n"))
    return [line for line in lines if line]


def _strings(page: dict[str, object], key: str) -> list[str]:
    value = page[key]
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value]
    raise ValueError(f"{page.get('file')}: {key} must be a string or a list of strings")


def page_problems(page: dict[str, object], html_dir: Path) -> list[str]:
    """Every way this page's labels disagree with its HTML file."""
    path = html_dir / str(page["file"])
    if not path.exists():
        return [f"missing HTML file {path}"]
    raw = path.read_bytes()
    problems: list[str] = []
    if hashlib.sha256(raw).hexdigest() != page["sha256"]:
        problems.append("sha256 differs from the HTML file")
    text = visible_text(raw)
    entities = page["entities"]
    if not isinstance(entities, dict) or sorted(entities) != sorted(ENTITY_LABELS):
        return problems + [f"entities must have exactly the labels {ENTITY_LABELS}"]
    fields = [
        (key, s)
        for key in ("title", "lede", "ending", "body_snippets", "junk")
        for s in _strings(page, key)
    ]
    surfaces = [(label, str(s)) for label in ENTITY_LABELS for s in entities[label]]
    for kind, value in fields + [(f"entity {label}", s) for label, s in surfaces]:
        snippet = normalise(value)
        if not snippet or snippet not in text:
            problems.append(f"{kind} not in visible text: {value!r}")
        if kind != "title" and len(snippet) > MAX_SNIPPET_CHARS:
            problems.append(f"{kind} longer than {MAX_SNIPPET_CHARS} characters: {value!r}")
    names = [s for _, s in surfaces]
    if len(names) != len(set(names)):
        problems.append("a surface is listed twice (one label per distinct surface)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--html-dir", type=Path, default=DEFAULT_HTML_DIR)
    parser.add_argument("--labels", type=Path, default=LABELS)
    args = parser.parse_args(argv)
    pages = json.loads(args.labels.read_text(encoding="utf-8"))["pages"]
    failed = 0
    for page in pages:
        for problem in page_problems(page, args.html_dir):
            failed += 1
            print(f"{page['file']}: {problem}")
    print(f"{len(pages)} pages, {failed} problems")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
