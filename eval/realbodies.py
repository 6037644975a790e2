"""Extraction scored against whole article bodies marked by hand (eval/realpages/bodies.json).

The snippet sets (eval/realscore.py) can only count the junk someone thought to write down. Here
an annotator marked where each page's article starts and ends in the page's visible text and
which lines inside that span are not article (captions, teasers, prompts), so every line the
extractor keeps can be judged:

- junk lines: kept lines of four words or more that are not part of the marked body (compared
  with whitespace and list/table markers removed); those found in the page's text before the
  body (headline, standfirst, byline) are counted apart from the rest, since whether a
  standfirst is "article" is a convention of the set being compared against;
- line recall: the share of the body's lines of four words or more found in the kept text;
- lines in spans the annotator called neither (`neutral`: a table of addresses after the
  story, a second story the page runs into) count neither way;
- word F1: precision and recall of the kept text's word 4-grams against the body's (counted
  with multiplicity), the measure article-extraction benchmarks use.

This set is for tuning (labelled apart from the pipeline, by a session that never ran it); the
snippet-labelled eval/realpages/labels.json stays report-only, and so does
eval/realpages/bodies_check.json, the same marks on 17 more pages (not news: the evaluation
pages hold no unused English news page), read with `--labels bodies_check.json`.

    python -m eval.realbodies [--system wirefeed|bare|both] [--worst 15] [--labels FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.realpages.check_labels import visible_lines
from eval.realscore import RECALL_FLOOR, TRAFILATURA_DIR, normalise

REALPAGES = Path(__file__).parent / "realpages"
BODIES = REALPAGES / "bodies.json"
CHECK_BODIES = REALPAGES / "bodies_check.json"  # report-only: never tuned on
MIN_WORDS = 4
SHINGLE = 4
_MARKERS = re.compile(r"[\s|]+")
_WORD = re.compile(r"\w+")


def _key(text: str) -> str:
    """Whitespace and table bars removed, list bullets at the start dropped."""
    return _MARKERS.sub("", normalise(text).lstrip("-*• "))


@dataclass(frozen=True, slots=True)
class BodyPage:
    name: str
    html: str
    body_lines: tuple[str, ...]  # the article's visible lines, inside junk removed
    before: str  # the page's visible text before the body (its key)
    neutral: str = ""  # the keys of spans the annotator called neither body nor junk

    @property
    def body_key(self) -> str:
        return _keys(self.body_lines)


def _keys(lines: Sequence[str]) -> str:
    return "".join(_key(line) for line in lines)


def _span(lines: Sequence[str], first: str, last: str) -> tuple[int, int]:
    """Indexes of the first line starting with `first` and of the next one ending in `last`."""
    start = next(i for i, line in enumerate(lines) if line.startswith(normalise(first)))
    end = next(i for i in range(start, len(lines)) if lines[i].endswith(normalise(last)))
    return start, end


def load_pages(path: Path = BODIES) -> list[BodyPage]:
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    pages = []
    for entry in data["pages"]:
        html_path = TRAFILATURA_DIR / "eval" / entry["file"]
        if not html_path.exists():
            continue
        raw = html_path.read_bytes()
        lines = [normalise(line) for line in visible_lines(raw)]
        start, end = _span(lines, entry["body_first"], entry["body_last"])
        junk = {normalise(j) for j in entry.get("inside_junk", [])}
        neutral = [
            _keys(lines[a : b + 1])
            for a, b in (_span(lines, *span) for span in entry.get("neutral", []))
        ]
        pages.append(
            BodyPage(
                name=entry["file"],
                html=raw.decode("utf-8", errors="replace"),
                body_lines=tuple(line for line in lines[start : end + 1] if line not in junk),
                before=_keys(lines[:start]),
                neutral="\n".join(neutral),
            )
        )
    return pages


@dataclass(frozen=True, slots=True)
class BodyScore:
    name: str
    junk: tuple[str, ...]  # kept lines not in the body nor before it
    before_junk: tuple[str, ...]  # kept lines from before the body (headline, deck, byline)
    lost: tuple[str, ...]  # body lines not kept
    line_recall: float
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    words = _WORD.findall(normalise(text).lower())
    return Counter(tuple(words[i : i + SHINGLE]) for i in range(max(len(words) - SHINGLE + 1, 1)))


def _within(line: str, key: str) -> bool:
    """The kept line is part of the text whose key is `key`. A table row is judged by its
    cells (the page shows each cell on a line of its own, sometimes with ruby text the
    extractor drops): most of them must be there."""
    if not line.startswith("|"):
        return _key(line) in key
    cells = [_key(cell) for cell in line.split("|") if cell.strip()]
    return sum(1 for cell in cells if cell in key) * 2 >= len(cells)


def score(page: BodyPage, text: str) -> BodyScore:
    body_key = page.body_key
    kept = [normalise(line) for line in text.split("\n")]
    kept = [line for line in kept if len(line.split()) >= MIN_WORDS]
    outside = [
        line for line in kept if not _within(line, body_key) and not _within(line, page.neutral)
    ]
    before_body: list[str] = []
    junk: list[str] = []
    for line in outside:
        (before_body if _within(line, page.before) else junk).append(line)
    text_key = _key(text.replace("\n", " "))
    long_lines = [line for line in page.body_lines if len(line.split()) >= MIN_WORDS]
    lost = tuple(line for line in long_lines if _key(line) not in text_key)
    got, want = _shingles(text), _shingles(" ".join(page.body_lines))
    common = sum((got & want).values())
    return BodyScore(
        name=page.name,
        junk=tuple(junk),
        before_junk=tuple(before_body),
        lost=lost,
        line_recall=1 - len(lost) / len(long_lines) if long_lines else 1.0,
        precision=common / sum(got.values()) if got else 0.0,
        recall=common / sum(want.values()) if want else 0.0,
    )


def summary(scores: Sequence[BodyScore]) -> dict[str, float | int]:
    precision = statistics.fmean(s.precision for s in scores)
    recall = statistics.fmean(s.recall for s in scores)
    return {
        "pages": len(scores),
        "junk_lines": sum(len(s.junk) for s in scores),
        "pages_with_junk": sum(1 for s in scores if s.junk),
        "before_body_lines": sum(len(s.before_junk) for s in scores),
        "line_recall": round(statistics.fmean(s.line_recall for s in scores), 4),
        "pages_below_0_8": sum(1 for s in scores if s.line_recall < RECALL_FLOOR),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(statistics.fmean(s.f1 for s in scores), 4),
    }


def _systems(names: str) -> dict[str, Callable[[BodyPage], str]]:
    systems: dict[str, Callable[[BodyPage], str]] = {}
    if names in ("bare", "both"):
        import trafilatura

        systems["bare trafilatura"] = lambda page: trafilatura.extract(page.html) or ""
    if names in ("wirefeed", "both"):
        from eval.realreport import _config
        from eval.realscore import RealPage, wirefeed_system

        run = wirefeed_system(_config())

        def wirefeed(page: BodyPage) -> str:
            out = run(RealPage(page.name, page.html, (), (), True))
            return out if isinstance(out, str) else out[0]

        systems["wirefeed"] = wirefeed
    return systems


_SECTIONS = {
    BODIES: (
        "whole article bodies marked by hand, eval/realpages/bodies.json (tuning set)",
        "English news pages",
    ),
    CHECK_BODIES: (
        "whole article bodies marked by hand, eval/realpages/bodies_check.json (report only,"
        " never tuned on)",
        "English pages that are not news (magazine how-tos, tech and personal blog posts: the"
        " evaluation pages hold no unused English news page)",
    ),
}


def render_section(path: Path = BODIES) -> list[str]:
    """The Markdown section eval/RESULTS-real.md carries for a set of marked bodies."""
    pages = load_pages(path)
    if not pages:
        return []
    heading, kind = _SECTIONS[path]
    lines = [
        f"## {heading}",
        "",
        f"Command: `.venv/bin/python -m eval.realbodies --labels {path.name}`. {len(pages)}"
        f" {kind}; every",
        "kept line of 4+ words is judged: junk = not in the marked body (lines from before the",
        "body, the headline, standfirst and byline, counted apart); line recall = share of the",
        "body's 4+ word lines kept; F1 over word 4-grams, averaged per page.",
        "",
        "| system | junk lines | pages with junk | lines from before the body | line recall |"
        " pages < 0.8 | precision | recall | F1 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for system, run in _systems("both").items():
        s = summary([score(page, run(page)) for page in pages])
        lines.append(
            f"| {system} | {s['junk_lines']} | {s['pages_with_junk']} | {s['before_body_lines']}"
            f" | {s['line_recall']:.3f} | {s['pages_below_0_8']} | {s['precision']:.3f}"
            f" | {s['recall']:.3f} | {s['f1']:.3f} |"
        )
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--system", choices=("wirefeed", "bare", "both"), default="both")
    parser.add_argument("--worst", type=int, default=15, help="pages listed per system")
    parser.add_argument("--labels", default=BODIES.name, help="a marks file in eval/realpages/")
    args = parser.parse_args(argv)
    path = REALPAGES / args.labels
    pages = load_pages(path)
    if not pages:
        print(f"no pages: {path} missing or var/realdata not built (python -m eval.realdata)")
        return 1
    for system, run in _systems(args.system).items():
        scores = [score(page, run(page)) for page in pages]
        print(f"## {system}: {json.dumps(summary(scores))}")
        worst = sorted(scores, key=lambda s: (s.line_recall >= RECALL_FLOOR, -len(s.junk)))
        for s in worst[: args.worst]:
            if not s.junk and s.line_recall >= RECALL_FLOOR:
                continue
            print(f"- {s.name}: line recall {s.line_recall:.2f}, f1 {s.f1:.3f}")
            for line in s.junk:
                print(f"    junk: {line[:110]}")
            for line in s.lost[:3]:
                print(f"    lost: {line[:110]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
