"""`python -m eval.extraction_choice`: trafilatura settings compared on the English tuning pages.

For each setting (and each "keep the longer of" combination) the extracted text goes through the
pipeline's own clean and boilerplate steps, then is scored like eval/realscore.py does: non-article
lines kept, article recall per page, pages below 0.8. This is the comparison behind the choice in
services/enrich/pipeline/extract.py (figures in docs/extraction.md). `--limit N` for a quick look.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import trafilatura

from eval.realreport import _config
from eval.realscore import RealPage, SetScore, load_trafilatura_pages, score_page
from services.enrich.pipeline.boilerplate import strip_boilerplate
from services.enrich.pipeline.clean import clean_text
from services.enrich.pipeline.textmap import TextMap

SETTINGS: dict[str, dict[str, Any]] = {
    "balanced, no tables (before)": {"include_tables": False},
    "balanced": {},
    "precision": {"favor_precision": True},
    "recall": {"favor_recall": True},
    "recall, fast": {"favor_recall": True, "fast": True},
    "precision, fast": {"favor_precision": True, "fast": True},
}
# Cost triggers compared (docs/extraction.md): fallbacks only when the fast passes are short,
# or the recall pass only when the precision pass looks short.
SHORT_CHARS = (500, 1000, 2000)
RECALL_WHEN_SHARE = (0.5, 0.8)
RECALL_WHEN_CHARS = (2000, 5000)
LONGER_OF = (
    ("precision", "recall"),
    ("precision", "recall, fast"),
    ("precision, fast", "recall, fast"),
    ("balanced", "recall"),
    ("balanced", "precision", "recall"),
)


def _extract(html: str, options: dict[str, Any]) -> str:
    found = trafilatura.bare_extraction(
        html, include_comments=False, with_metadata=True, deduplicate=False, **options
    )
    return (found.text or "") if isinstance(found, trafilatura.settings.Document) else ""


def _size(text: str) -> int:
    return len("".join(text.split()))


def compare(pages: Sequence[RealPage], rules: Any) -> dict[str, SetScore]:
    texts = {name: [_extract(p.html, o) for p in pages] for name, o in SETTINGS.items()}

    def cleaned(text: str) -> str:
        return strip_boilerplate(clean_text(TextMap.identity(text)), rules).text.text

    scores = {
        name: SetScore([score_page(p, cleaned(t)) for p, t in zip(pages, found, strict=True)])
        for name, found in texts.items()
    }
    for combo in LONGER_OF:
        chosen = [max((texts[n][i] for n in combo), key=_size) for i in range(len(pages))]
        scores["longer of " + " + ".join(combo)] = SetScore(
            [score_page(p, cleaned(t)) for p, t in zip(pages, chosen, strict=True)]
        )
    for short in SHORT_CHARS:
        fast = zip(texts["precision, fast"], texts["recall, fast"], strict=True)
        ran = sum(1 for a, b in fast if max(_size(a), _size(b)) < short) / max(len(pages), 1)
        name = f"longer of precision, fast + recall, fast; with fallbacks when both < {short}"
        scores[f"{name} (fallbacks ran on {ran:.0%})"] = SetScore(
            [
                score_page(p, cleaned(_fast_then_fallbacks(texts, i, short)))
                for i, p in enumerate(pages)
            ]
        )
    page_sizes = [_size(trafilatura.html2txt(p.html)) for p in pages]
    precision_sizes = [_size(t) for t in texts["precision"]]
    triggers = {
        f"precision; recall only when precision < {share:.0%} of the page's text": [
            size < share * page for size, page in zip(precision_sizes, page_sizes, strict=True)
        ]
        for share in RECALL_WHEN_SHARE
    }
    for chars in RECALL_WHEN_CHARS:
        triggers[f"precision; recall only when precision < {chars} chars"] = [
            size < chars for size in precision_sizes
        ]
    for name, fired in triggers.items():
        share_run = sum(fired) / len(fired) if fired else 0.0
        scores[f"{name} (recall ran on {share_run:.0%})"] = SetScore(
            [score_page(p, cleaned(_recall_when(texts, i, fired[i]))) for i, p in enumerate(pages)]
        )
    return scores


def _fast_then_fallbacks(texts: dict[str, list[str]], i: int, short: int) -> str:
    """The pipeline's rule: the longer of the two fast passes, unless both are short; then the
    precision pass with fallbacks replaces the fast one."""
    precision, recall = texts["precision, fast"][i], texts["recall, fast"][i]
    if max(_size(precision), _size(recall)) < short:
        precision = texts["precision"][i]
    return recall if _size(recall) > _size(precision) else precision


def _recall_when(texts: dict[str, list[str]], i: int, run_recall: bool) -> str:
    """Precision (with fallbacks), and the recall pass only when the trigger says so."""
    precision, recall = texts["precision"][i], texts["recall, fast"][i]
    return recall if run_recall and _size(recall) > _size(precision) else precision


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.extraction_choice")
    parser.add_argument("--limit", type=int, default=0, help="only the first N English pages")
    parser.add_argument("--all-pages", action="store_true", help="every language, not English")
    args = parser.parse_args(argv)
    config = _config()
    pages = load_trafilatura_pages(config.language_detector)
    pages = pages if args.all_pages else [p for p in pages if p.english]
    pages = pages[: args.limit] if args.limit else pages
    print("| setting | junk lines | pages with junk | recall / page | pages < 0.8 |")
    print("| --- | --- | --- | --- | --- |")
    for name, score in compare(pages, config.rules).items():
        s = score.summary()
        print(
            f"| {name} | {s['junk_lines']} | {s['share_with_junk']:.1%} "
            f"| {s['mean_recall']:.3f} | {s['below_0_8']} of {s['pages']} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
