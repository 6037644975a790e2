"""What HTML extraction costs next to the entity model, on real English pages.

The devset throughput figure (eval/bench.py) is measured on text articles, where extraction does
not run. Here, on real pages:

- the extraction step alone, in CPU ms per page, four ways: one trafilatura pass (as before the
  real-page work), two full passes (the first version of the real-page work: each pass parses
  the page and reads its metadata, the precision pass with trafilatura's fallback extractors),
  the pipeline's extraction as at 4e64698 (parsed once, but every pass a `bare_extraction` that
  copies and prunes the page again), and the pipeline's `extract_html` now. Each way is timed
  in a fresh interpreter, warmed on other pages first, so neither one-time set-up nor the text
  caches trafilatura filled for another way count; the ways alternate over rounds and the
  median is kept;
- the whole pipeline on the HTML against the bare model's NER on the clean texts it produced
  (eval/bench.py's paired rounds), with the extraction now, as at 4e64698 and with the two full
  passes.

`python -m eval.htmlcost` prints the figures (`python -m eval.evaluate --set real` writes them to
eval/RESULTS-real.md).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trafilatura
from trafilatura.settings import Document

from eval.bench import Throughput, measure_throughput
from eval.shared_passes import bare_pass_text
from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich_many
from services.enrich.pipeline import extract as extraction
from services.enrich.pipeline import run as pipeline_run
from services.enrich.pipeline.document import Extracted
from services.enrich.pipeline.extract import _DATE_PARAMS, ExtractionError, _size, _with_time
from services.enrich.pipeline.extract import extract_html as extraction_now

ROOT = Path(__file__).resolve().parent.parent
PAGES = 40
WARM_PAGES = 10  # further English pages, run before timing
ROUNDS = 5


def one_pass(html: str) -> Any:
    """Before the real-page work: one balanced pass, tables dropped."""
    return trafilatura.bare_extraction(
        html, include_comments=False, include_tables=False, with_metadata=True, deduplicate=False
    )


def two_full_passes(html: str) -> Extracted:
    """The real-page work's first version (commit 5dadcd2), kept here to be measured: each pass
    parses the page and reads its metadata; the precision pass with fallbacks."""
    found = []
    for options in ({"favor_precision": True}, {"favor_recall": True, "fast": True}):
        document = trafilatura.bare_extraction(
            html,
            include_comments=False,
            include_tables=True,
            with_metadata=True,
            deduplicate=False,
            date_extraction_params=_DATE_PARAMS,
            **options,
        )
        found.append(document if isinstance(document, Document) else None)
    sizes = [_size((d.text or "") if d else "") for d in found]
    kept = 1 if sizes[1] > sizes[0] else 0
    document = found[kept]
    if document is None or not (document.text or "").strip():
        raise ExtractionError("no article text could be extracted from the HTML")
    return Extracted(
        text=document.text or "",
        title=document.title,
        author=document.author,
        date=_with_time(html, document.date),
        url=document.url,
        site_name=document.sitename,
        description=document.description,
        extraction=("precision", "recall")[kept],
        candidate_chars={"precision": sizes[0], "recall": sizes[1]},
    )


def _bare_pass(tree: Any, kind: Any, url: str | None) -> str:
    return bare_pass_text(tree, kind.options, url)


def prune_per_pass(html: str) -> Extracted:
    """`extract_html` as at commit 4e64698: the page parsed and its metadata read once, but every
    pass a `bare_extraction` on the parsed tree, which copies and prunes it again."""
    kept = extraction.prune_page, extraction._run
    extraction.prune_page, extraction._run = (lambda tree: tree), _bare_pass  # type: ignore[assignment]
    try:
        return extraction_now(html)
    finally:
        extraction.prune_page, extraction._run = kept


WAYS: dict[str, Callable[[str], object]] = {
    "one pass (before the real-page work)": one_pass,
    "two full passes (precision with fallbacks + recall)": two_full_passes,
    "each pass prunes the page again (4e64698)": prune_per_pass,
    "now (extract_html)": extraction_now,
}


@dataclass(frozen=True, slots=True)
class HtmlCost:
    pages: int
    extraction_ms: dict[str, float]  # per way: median over rounds of CPU ms per page
    throughput: dict[str, Throughput]  # per extraction: pipeline vs bare NER


@contextmanager
def _pipeline_extraction(extract: Callable[[str], Extracted]) -> Iterator[None]:
    """The pipeline with another extraction step, for the side-by-side throughput."""
    kept = pipeline_run.extract_html
    pipeline_run.extract_html = extract
    try:
        yield
    finally:
        pipeline_run.extract_html = kept


def _cpu_ms(work: Callable[[str], object], items: Sequence[str]) -> float:
    started = time.process_time()
    for item in items:
        with suppress(ExtractionError):
            work(item)
    return 1000 * (time.process_time() - started) / len(items)


def _fresh_ms(way: str, htmls: Sequence[str], warm: Sequence[str]) -> float:
    """CPU ms per page for one way, in an interpreter of its own."""
    done = subprocess.run(
        [sys.executable, "-m", "eval.htmlcost", "--time-way", way],
        input=json.dumps({"pages": list(htmls), "warm": list(warm)}),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return float(done.stdout.strip().splitlines()[-1])


def measure_html_cost(htmls: Sequence[str], config: PipelineConfig) -> HtmlCost:
    htmls = list(htmls)
    pages, warm = htmls[:PAGES], htmls[PAGES : PAGES + WARM_PAGES]
    times: dict[str, list[float]] = {way: [] for way in WAYS}
    for round_index in range(ROUNDS):
        ways = list(WAYS) if round_index % 2 == 0 else list(reversed(WAYS))
        for way in ways:
            times[way].append(_fresh_ms(way, pages, warm))
    documents = [SubmittedDocument(html=h) for h in pages]
    throughput = {}
    for name, extract in (
        ("now", extraction_now),
        ("as at 4e64698 (each pass prunes the page again)", prune_per_pass),
        ("two full passes", two_full_passes),
    ):
        with _pipeline_extraction(extract):
            clean_texts = [d.clean_text for d in enrich_many(documents, config)]
            throughput[name] = measure_throughput(documents, clean_texts, config, rounds=ROUNDS)
    return HtmlCost(
        pages=len(pages),
        extraction_ms={way: statistics.median(ms) for way, ms in times.items()},
        throughput=throughput,
    )


def render_cost(cost: HtmlCost) -> list[str]:
    lines = [
        f"## Cost of extraction on HTML ({cost.pages} English pages of the tuning set, CPU time)",
        "",
        f"Extraction alone, ms per page (each way in a fresh interpreter warmed on {WARM_PAGES} "
        f"other pages, median of {ROUNDS} alternating rounds):",
        "",
    ]
    lines += [f"- {way}: {ms:.1f} ms/page" for way, ms in cost.extraction_ms.items()]
    lines += ["", "Whole pipeline on the HTML against bare model NER on the same clean texts:", ""]
    for name, t in cost.throughput.items():
        lines.append(
            f"- extraction {name}: pipeline {t.wirefeed_words_per_second:,.0f} words/s, bare NER "
            f"{t.bare_words_per_second:,.0f} words/s, ratio {t.ratio:.2f} (median of {ROUNDS} "
            "paired rounds)"
        )
    return lines


def _time_way(way: str) -> None:
    given = json.load(sys.stdin)
    work = WAYS[way]
    _cpu_ms(work, given["warm"])
    print(f"{_cpu_ms(work, given['pages']):.3f}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--time-way"]:
        _time_way(args[1])
        return 0
    from eval.realreport import _config
    from eval.realscore import load_trafilatura_pages

    config = _config(with_model=True)
    english = [p.html for p in load_trafilatura_pages(config.language_detector) if p.english]
    print("\n".join(render_cost(measure_html_cost(english, config))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
