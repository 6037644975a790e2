"""`python -m eval.blockcost`: what the furniture step (services/enrich/pipeline/blocks.py) adds to
extract_html, paired: every round times extract_html on the English tuning pages with the step
and without it (the step replaced by one that finds nothing), alternating which goes first, in
one process; prints each round's ms per page and the medians, and the step's own time per page
(furniture_lines alone on the parsed pages, which the paired rounds' noise can hide).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any

from services.enrich.pipeline import extract

ROUNDS = 7


def _nothing(tree: Any, text: str) -> Mapping[str, str]:
    return {}


def _step_alone(pages: list[str]) -> float:
    """furniture_lines by itself on each page's parsed tree and kept text."""
    import trafilatura

    inputs = []
    for html in pages:
        with suppress(extract.ExtractionError):
            inputs.append((trafilatura.load_html(html), extract.extract_html(html).text))
    runs = []
    for _ in range(ROUNDS):
        started = time.process_time()
        for tree, text in inputs:
            extract.furniture_lines(tree, text)
        runs.append(1000 * (time.process_time() - started) / len(inputs))
    return statistics.median(runs)


def main() -> int:
    from eval.realreport import _config
    from eval.realscore import load_trafilatura_pages

    config = _config()
    pages = [p.html for p in load_trafilatura_pages(config.language_detector) if p.english]
    with_step = extract.furniture_lines

    def timed(step: Callable[[Any, str], Mapping[str, str]]) -> float:
        extract.furniture_lines = step
        started = time.process_time()
        for html in pages:
            with suppress(extract.ExtractionError):
                extract.extract_html(html)
        return 1000 * (time.process_time() - started) / len(pages)

    ways: dict[str, Callable[[Any, str], Mapping[str, str]]] = {
        "without the step": _nothing,
        "with the step": with_step,
    }
    for step in ways.values():  # warm
        timed(step)
    times: dict[str, list[float]] = {name: [] for name in ways}
    for round_index in range(ROUNDS):
        order = list(ways) if round_index % 2 == 0 else list(reversed(ways))
        for name in order:
            times[name].append(timed(ways[name]))
        print(f"round {round_index}: " + ", ".join(f"{n} {t[-1]:.1f}" for n, t in times.items()))
    extract.furniture_lines = with_step
    print(f"the step alone: {_step_alone(pages):.2f} ms/page (median of {ROUNDS} passes)")
    medians = {name: statistics.median(t) for name, t in times.items()}
    paired = statistics.median(b - a for a, b in zip(*times.values(), strict=True))
    print(
        f"extract_html on {len(pages)} English pages, ms/page, median of {ROUNDS} rounds: "
        + ", ".join(f"{n} {m:.1f}" for n, m in medians.items())
        + f"; the step adds {paired:.1f} ms/page (median of the rounds' differences)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
