"""What HTML extraction costs next to the entity model, on real English pages.

The devset throughput figure (eval/bench.py) is measured on text articles, where extraction does
not run. Here the same comparison is made on real pages: the whole pipeline on the HTML against
the bare model's NER on the clean texts it produced (CPU seconds, paired rounds, median ratio),
and the extraction step alone, one trafilatura pass (as before the real-page work) against the
two passes the pipeline now runs.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import trafilatura

from eval.bench import Throughput, measure_throughput
from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich_many
from services.enrich.pipeline.extract import extract_html

PAGES = 40
ROUNDS = 3


@dataclass(frozen=True, slots=True)
class HtmlCost:
    pages: int
    one_pass_ms: float  # per page: trafilatura once, balanced, no tables (before)
    two_pass_ms: float  # per page: the pipeline's extract_html
    throughput: Throughput  # whole pipeline on HTML vs bare NER on its clean texts


def _one_pass(html: str) -> Any:
    return trafilatura.bare_extraction(
        html, include_comments=False, include_tables=False, with_metadata=True, deduplicate=False
    )


def _cpu_ms(work: Any, items: Sequence[str]) -> float:
    started = time.process_time()
    for item in items:
        work(item)
    return 1000 * (time.process_time() - started) / len(items)


def measure_html_cost(htmls: Sequence[str], config: PipelineConfig) -> HtmlCost:
    htmls = list(htmls)[:PAGES]
    documents = [SubmittedDocument(html=h) for h in htmls]
    clean_texts = [d.clean_text for d in enrich_many(documents, config)]
    return HtmlCost(
        pages=len(htmls),
        one_pass_ms=_cpu_ms(_one_pass, htmls),
        two_pass_ms=_cpu_ms(extract_html, htmls),
        throughput=measure_throughput(documents, clean_texts, config, rounds=ROUNDS),
    )


def render_cost(cost: HtmlCost) -> list[str]:
    t = cost.throughput
    return [
        f"## Cost of extraction on HTML ({cost.pages} English pages of the tuning set, CPU time)",
        "",
        f"- extraction, one trafilatura pass (before): {cost.one_pass_ms:.0f} ms/page",
        f"- extraction, precision + recall passes (now): {cost.two_pass_ms:.0f} ms/page",
        f"- whole pipeline on the HTML: {t.wirefeed_words_per_second:,.0f} words/s; bare model "
        f"NER on the same clean texts: {t.bare_words_per_second:,.0f} words/s",
        f"- ratio (median of {ROUNDS} paired rounds): {t.ratio:.2f} of bare NER",
    ]
