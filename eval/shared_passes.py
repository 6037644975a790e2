"""`python -m eval.shared_passes`: the pipeline's passes (services/enrich/pipeline/passes.py,
the raw-tree pruning done once per page) against `trafilatura.bare_extraction` on the same
parsed tree, on every trafilatura evaluation page under var/realdata (`python -m eval.realdata`).

Prints the pages whose text differs for any pass (there must be none) and the CPU time of the
page's passes both ways. Run it after upgrading trafilatura: passes.py follows its internals.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import trafilatura
from trafilatura.settings import Document

from services.enrich.pipeline.extract import PRECISION, PRECISION_FALLBACKS, RECALL
from services.enrich.pipeline.passes import prune_page, run_pass

PAGES = Path(__file__).resolve().parent.parent / "var" / "realdata" / "trafilatura" / "eval"
PASSES = (PRECISION, RECALL, PRECISION_FALLBACKS)


def bare_pass_text(tree: object, options: dict[str, bool], url: str | None = None) -> str:
    """One pass's text as trafilatura's own `bare_extraction` gives it (it copies and prunes the
    tree itself): the reference passes.py is held to."""
    found = trafilatura.bare_extraction(
        tree, url=url, include_comments=False, include_tables=True, deduplicate=False, **options
    )
    return (found.text or "") if isinstance(found, Document) else ""


def main() -> int:
    paths = sorted(PAGES.glob("*.html"))
    if not paths:
        print(f"no pages under {PAGES}: run `python -m eval.realdata` first")
        return 1
    differing: list[str] = []
    bare_seconds = shared_seconds = 0.0
    for path in paths:
        tree = trafilatura.load_html(path.read_bytes().decode("utf-8", errors="replace"))
        if tree is None:
            continue
        started = time.process_time()
        alone = [bare_pass_text(tree, p.options) for p in PASSES]
        bare_seconds += time.process_time() - started
        started = time.process_time()
        page = prune_page(tree)
        shared = [
            run_pass(
                page,
                precision=p.options.get("favor_precision", False),
                fast=p.options.get("fast", False),
                url=None,
            )
            for p in PASSES
        ]
        shared_seconds += time.process_time() - started
        pairs = zip(PASSES, alone, shared, strict=True)
        differing += [f"{path.name}: {p.name}" for p, a, s in pairs if a != s]
    print(f"{len(paths)} pages, {len(PASSES)} passes each ({', '.join(p.name for p in PASSES)})")
    print(f"passes differing from bare_extraction: {len(differing)}")
    print("\n".join(f"  - {d}" for d in differing))
    print(f"CPU: bare_extraction {bare_seconds:.1f} s, shared pruning {shared_seconds:.1f} s")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
