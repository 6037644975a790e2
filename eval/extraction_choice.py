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
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.extraction_choice")
    parser.add_argument("--limit", type=int, default=0, help="only the first N English pages")
    args = parser.parse_args(argv)
    config = _config()
    pages = [p for p in load_trafilatura_pages(config.language_detector) if p.english]
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
