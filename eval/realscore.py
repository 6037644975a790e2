"""Extraction on real web pages: non-article lines kept and article text lost, per page.

Two labelled sources, both outside the repository's code:

- trafilatura's evaluation pages (var/realdata/trafilatura, rebuilt by `python -m eval.realdata`):
  per page, "with" snippets that must appear in the extracted text and "without" snippets that
  must not. Used for tuning.
- the hand-labelled pages (eval/realpages/labels.json, labelled apart, when present): lede, ending
  and body snippets that must appear, junk lines that must not. Used only to report.

Per page: `junk` = labelled non-article snippets found in the text, `recall` = share of the
labelled article snippets found. Snippets are compared with whitespace collapsed, case kept.
Three systems: bare trafilatura (default settings), wirefeed as it was before the real-page work
(figures recorded in eval/realscore-baseline.json), and wirefeed now, through the pipeline's own
`prepare` step (extract -> clean -> strip boilerplate), entity tagging left out: it does not
change the text.
"""

from __future__ import annotations

import json
import re
import statistics
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TRAFILATURA_DIR = ROOT / "var" / "realdata" / "trafilatura"
HAND_LABELS = Path(__file__).parent / "realpages" / "labels.json"
BASELINE_PATH = Path(__file__).parent / "realscore-baseline.json"
RECALL_FLOOR = 0.8

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFC, invisible format characters dropped (labels carry a few), whitespace collapsed."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True, slots=True)
class RealPage:
    name: str  # file name under its set's folder
    html: str
    article: tuple[str, ...]  # snippets that must appear
    junk: tuple[str, ...]  # snippets that must not
    english: bool
    bare_text: str | None = None  # bare trafilatura's text, when already computed
    bare_seconds: float = 0.0  # the CPU time that took


@dataclass(slots=True)
class PageScore:
    name: str
    english: bool
    recall: float | None  # None: no article snippet labelled
    junk_found: list[str]
    lost: list[str]
    chars: int
    flags: list[str] = field(default_factory=list)  # the record's quality flags (wirefeed)


@dataclass(slots=True)
class SetScore:
    pages: list[PageScore] = field(default_factory=list)

    def subset(self, english_only: bool) -> SetScore:
        return SetScore([p for p in self.pages if p.english or not english_only])

    @property
    def junk_lines(self) -> int:
        return sum(len(p.junk_found) for p in self.pages)

    @property
    def junk_per_page(self) -> float:
        return self.junk_lines / len(self.pages) if self.pages else 0.0

    @property
    def share_with_junk(self) -> float:
        return sum(1 for p in self.pages if p.junk_found) / len(self.pages) if self.pages else 0.0

    @property
    def recalls(self) -> list[float]:
        return [p.recall for p in self.pages if p.recall is not None]

    @property
    def mean_recall(self) -> float:
        return statistics.fmean(self.recalls) if self.recalls else 0.0

    @property
    def below_floor(self) -> int:
        return sum(1 for r in self.recalls if r < RECALL_FLOOR)

    @property
    def share_below_floor(self) -> float:
        return self.below_floor / len(self.recalls) if self.recalls else 0.0

    def flag_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for page in self.pages:
            for flag in page.flags:
                counts[flag] = counts.get(flag, 0) + 1
        return dict(sorted(counts.items()))

    def summary(self) -> dict[str, float | int]:
        return {
            "pages": len(self.pages),
            "junk_lines": self.junk_lines,
            "junk_per_page": round(self.junk_per_page, 4),
            "share_with_junk": round(self.share_with_junk, 4),
            "mean_recall": round(self.mean_recall, 4),
            "below_0_8": self.below_floor,
            "share_below_0_8": round(self.share_below_floor, 4),
        }


def score_page(page: RealPage, text: str, flags: Sequence[str] = ()) -> PageScore:
    flat = normalise(text)
    found = [s for s in page.article if normalise(s) in flat]
    lost = [s for s in page.article if normalise(s) not in flat]
    junk = [s for s in page.junk if normalise(s) and normalise(s) in flat]
    recall = len(found) / len(page.article) if page.article else None
    return PageScore(page.name, page.english, recall, junk, lost, len(text), list(flags))


# A system gives a page's text, or its text and the record's quality flags.
System = Callable[[RealPage], str | tuple[str, list[str]]]


def score_set(pages: Sequence[RealPage], extract: System) -> SetScore:
    scores = []
    for page in pages:
        out = extract(page)
        text, flags = (out, []) if isinstance(out, str) else out
        scores.append(score_page(page, text, flags))
    return SetScore(scores)


# ---- loading --------------------------------------------------------------------------------


def _is_english(text: str, detector: Any) -> bool:
    """The detector on the whole start of the text (the pipeline's own judgement sets names
    aside, which on German text leaves too little to read)."""
    found = detector.detect(text[:3000])
    return found is not None and found[0] == "en"


def load_trafilatura_pages(detector: Any, directory: Path = TRAFILATURA_DIR) -> list[RealPage]:
    """Every page of evaldata.json whose HTML file is present. English or not is judged by the
    language detector on the page's labelled article snippets plus its bare trafilatura text, so
    it does not depend on the system under test."""
    import trafilatura

    index = json.loads((directory / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for entry in index.values():
        path = directory / "eval" / entry["file"]
        if not path.exists():
            continue
        html = path.read_bytes().decode("utf-8", errors="replace")
        article = tuple(entry.get("with", ()))
        started = time.process_time()
        bare = trafilatura.extract(html) or ""
        seconds = time.process_time() - started
        pages.append(
            RealPage(
                name=entry["file"],
                html=html,
                article=article,
                junk=tuple(entry.get("without", ())),
                english=_is_english(" ".join(article) + "\n" + bare, detector),
                bare_text=bare,
                bare_seconds=seconds,
            )
        )
    return pages


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [v if isinstance(v, str) else str(v.get("text", "")) for v in value]


def load_hand_labelled(path: Path = HAND_LABELS) -> list[RealPage]:
    """The hand-labelled pages, if that file exists: each page names its HTML file (relative to
    var/realdata/trafilatura/eval) and lists lede, ending, body snippets and junk lines."""
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    entries: Iterable[dict[str, Any]] = data["pages"] if isinstance(data, dict) else data
    pages = []
    for entry in entries:
        file = entry.get("file") or entry.get("html_file")
        html_path = TRAFILATURA_DIR / "eval" / str(file)
        if not html_path.exists():
            continue
        article = [*_strings(entry.get("lede")), *_strings(entry.get("ending"))]
        article += _strings(entry.get("body") or entry.get("body_snippets"))
        junk = _strings(entry.get("junk") or entry.get("junk_lines"))
        language = entry.get("language", "en")
        pages.append(
            RealPage(
                name=str(file),
                html=html_path.read_bytes().decode("utf-8", errors="replace"),
                article=tuple(s for s in article if s.strip()),
                junk=tuple(s for s in junk if s.strip()),
                english=language == "en",
            )
        )
    return pages


# ---- systems --------------------------------------------------------------------------------


def bare_trafilatura(page: RealPage) -> str:
    import trafilatura

    if page.bare_text is not None:
        return page.bare_text
    return trafilatura.extract(page.html) or ""


def wirefeed_system(config: Any) -> System:
    from services.enrich.pipeline import SubmittedDocument
    from services.enrich.pipeline import run as steps
    from services.enrich.pipeline.extract import ExtractionError

    # Before the real-page work the step was private and had no clean_text (the baseline run).
    prepare = getattr(steps, "prepare", None) or steps._prepare

    assess = getattr(steps, "assess_prepared", None)  # absent before the real-page work

    def run(page: RealPage) -> str | tuple[str, list[str]]:
        try:
            prepared = prepare(SubmittedDocument(html=page.html), config)
        except ExtractionError:
            return ""
        text = str(prepared.stripped.text.text)
        return (text, assess(prepared, config).flags) if assess else text

    return run


# ---- baseline -------------------------------------------------------------------------------


def save_baseline(scores: dict[str, SetScore], commit: str, path: Path = BASELINE_PATH) -> None:
    data = {
        "about": "wirefeed before the real-page extraction work, measured at this commit",
        "commit": commit,
        "sets": {
            name: {
                "english": score.subset(True).summary(),
                "all": score.summary(),
                "pages": [asdict(p) for p in score.pages],
            }
            for name, score in scores.items()
        },
    }
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Baseline:
    commit: str
    sets: dict[str, SetScore]


def load_baseline(
    pages_by_set: dict[str, Sequence[RealPage]], path: Path = BASELINE_PATH
) -> Baseline | None:
    """The recorded per-page figures; which pages are English is taken from the current pages,
    so every system is summarised over the same pages."""
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    sets = {}
    for name, recorded in data["sets"].items():
        english = {p.name: p.english for p in pages_by_set.get(name, ())}
        sets[name] = SetScore(
            [
                PageScore(**{**row, "english": english.get(row["name"], row["english"])})
                for row in recorded["pages"]
            ]
        )
    return Baseline(str(data["commit"]), sets)
