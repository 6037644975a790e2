"""`python -m eval.htmlcost_paired`: the whole pipeline on HTML with the extraction now and as at
4e64698 (each pass a `bare_extraction` that prunes the page again), in one process, alternating
in every round with bare NER on the same clean texts.

eval.htmlcost measures each extraction in its own block of rounds, so a change of the machine's
load between the blocks shows up as a difference; here every round times bare NER, then both
pipelines in alternating order, and prints each round's ratios and the median.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from eval.htmlcost import PAGES, _pipeline_extraction, prune_per_pass
from services.enrich.pipeline import SubmittedDocument, enrich_many
from services.enrich.pipeline.extract import extract_html

ROUNDS = 8


def main() -> int:
    from eval.realreport import _config
    from eval.realscore import load_trafilatura_pages

    config = _config(with_model=True)
    pages = [p.html for p in load_trafilatura_pages(config.language_detector) if p.english]
    documents = [SubmittedDocument(html=h) for h in pages[:PAGES]]
    clean_texts = [d.clean_text for d in enrich_many(documents, config)]

    def seconds(work: Callable[[], object]) -> float:
        started = time.process_time()
        work()
        return time.process_time() - started

    def bare() -> None:
        for _ in config.nlp.pipe(clean_texts):
            pass

    def pipeline(extract: Callable[[str], object]) -> Callable[[], None]:
        def run() -> None:
            with _pipeline_extraction(extract):  # type: ignore[arg-type]
                enrich_many(documents, config)

        return run

    ways = {"as at 4e64698": pipeline(prune_per_pass), "now": pipeline(extract_html)}
    for way in ways.values():  # warm both, and the model
        way()
    bare()
    ratios: dict[str, list[float]] = {name: [] for name in ways}
    for round_index in range(ROUNDS):
        order = list(ways) if round_index % 2 == 0 else list(reversed(ways))
        bare_seconds = seconds(bare)
        for name in order:
            ratios[name].append(bare_seconds / seconds(ways[name]))
        print(f"round {round_index}: " + ", ".join(f"{n} {r[-1]:.3f}" for n, r in ratios.items()))
    medians = ", ".join(f"{n} {statistics.median(r):.3f}" for n, r in ratios.items())
    print(f"pipeline on HTML / bare NER, median of {ROUNDS} rounds: {medians}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
