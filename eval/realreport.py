"""`python -m eval.evaluate --set real`: the real-page extraction figures, written to
eval/RESULTS-real.md.

`--save-baseline COMMIT` records wirefeed's figures as "before" (eval/realscore-baseline.json).
They were made by running this harness against main's pipeline before the extraction work:

    git archive 578d467 | tar -x -C /tmp/base && cp eval/real*.py eval/evaluate.py /tmp/base/eval/
    ln -s $PWD/var /tmp/base/var && cd /tmp/base
    PYTHONPATH=. $OLDPWD/.venv/bin/python -m eval.evaluate --set real --no-write \
        --save-baseline 578d467  # then copy eval/realscore-baseline.json back
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from eval.htmlcost import _pipeline_extraction, two_full_passes
from eval.realscore import (
    HAND_LABELS,
    RECALL_FLOOR,
    Baseline,
    RealPage,
    SetScore,
    bare_trafilatura,
    load_baseline,
    load_hand_labelled,
    load_trafilatura_pages,
    save_baseline,
    score_set,
    wirefeed_system,
)

RESULTS_PATH = Path(__file__).parent / "RESULTS-real.md"
TWO_FULL_PASSES = "wirefeed, two full passes (5dadcd2)"
SETS = {
    "trafilatura": "trafilatura evaluation pages (tuning set)",
    "hand": "hand-labelled pages, eval/realpages/labels.json (report only, never tuned on)",
}


def _config(*, with_model: bool = False) -> Any:
    """The pipeline's configuration; the spaCy model only when asked (extraction never uses
    it, only the cost comparison does)."""
    from services.enrich.config import load_model, load_rules
    from services.enrich.language_detector import load_language_detector
    from services.enrich.pipeline import PipelineConfig
    from shared.aliases import load_aliases
    from shared.settings import Settings

    settings = Settings()
    return PipelineConfig(
        rules=load_rules(settings),
        aliases=load_aliases(settings.aliases_path),
        nlp=load_model(settings.spacy_model) if with_model else None,
        language_detector=load_language_detector(),
    )


def _row(system: str, summary: dict[str, float | int]) -> str:
    return (
        f"| {system} | {summary['pages']} | {summary['junk_lines']} "
        f"| {summary['junk_per_page']:.3f} | {summary['share_with_junk']:.1%} "
        f"| {summary['mean_recall']:.3f} | {summary['below_0_8']} "
        f"| {summary['share_below_0_8']:.1%} |"
    )


_HEADER = [
    "| system | pages | junk lines | junk lines / page | pages with junk | recall / page "
    "| pages < 0.8 | share < 0.8 |",
    "| --- " * 8 + "|",
]


def _worst(score: SetScore, limit: int = 15) -> list[str]:
    rows = []
    low = sorted(
        (p for p in score.pages if p.recall is not None and p.recall < RECALL_FLOOR),
        key=lambda p: p.recall or 0.0,
    )
    for page in low[:limit]:
        lost = "; ".join(s[:60] for s in page.lost[:2])
        rows.append(f"  - {page.name}: recall {page.recall:.2f}, lost: {lost}")
    junky = sorted(score.pages, key=lambda p: -len(p.junk_found))
    for page in [p for p in junky if p.junk_found][:limit]:
        rows.append(f"  - {page.name}: junk kept: " + "; ".join(s[:60] for s in page.junk_found))
    return rows


def render(
    scores: dict[str, dict[str, SetScore]],
    baseline: Baseline | None,
    seconds: dict[str, float],
    cost: list[str] | None = None,
) -> str:
    lines = [
        "# wirefeed extraction on real web pages",
        "",
        "Command: `.venv/bin/python -m eval.evaluate --set real` (data: "
        "`.venv/bin/python -m eval.realdata`, provenance in var/realdata/PROVENANCE.json).",
        "",
        "Per page: junk = labelled non-article snippets (trafilatura's `without`, the hand set's",
        "junk lines) found in the text; recall = share of labelled article snippets",
        "(trafilatura's `with`, the hand set's lede/ending/body snippets) found. Whitespace is",
        "collapsed before comparing, case is kept. Systems: bare trafilatura",
        "(`trafilatura.extract(html)`, default settings); wirefeed before (figures recorded at",
        f"commit {baseline.commit[:10] if baseline else '?'}, eval/realscore-baseline.json);"
        " wirefeed now (`services.enrich.pipeline.run.prepare`: extract, clean, strip);",
        f"{TWO_FULL_PASSES} (the same pipeline with the extraction of commit 5dadcd2, two full",
        "trafilatura passes on every page: eval/htmlcost.py's `two_full_passes`).",
        "English pages: the language detector reads the labelled snippets plus bare trafilatura's",
        "text, the same for every system.",
    ]
    for set_name, by_system in scores.items():
        for subset, label in (("english", "English pages"), ("all", "all pages")):
            lines += ["", f"## {SETS[set_name]}: {label}", "", *_HEADER]
            for system, score in by_system.items():
                lines.append(_row(system, score.subset(subset == "english").summary()))
            if baseline and set_name in baseline.sets:
                before = baseline.sets[set_name].subset(subset == "english")
                lines.append(_row("wirefeed before", before.summary()))
        now = by_system.get("wirefeed now")
        if now is not None:
            for subset, label in (("english", "English pages"), ("all", "all pages")):
                counts = now.subset(subset == "english").flag_counts()
                listed = ", ".join(f"{flag} {n}" for flag, n in counts.items()) or "none"
                lines += ["", f"Quality flags raised (wirefeed now, {label}): {listed}."]
            lines += ["", "Worst English pages of this set (wirefeed now):", ""]
            lines += _worst(now.subset(True))
    if "hand" not in scores:
        lines += ["", f"Hand-labelled set: {HAND_LABELS} not present when this was written."]
    lines += ["", "## CPU seconds for each whole set (this machine, shared)", ""]
    lines += [f"- {name}: {value:.1f} s" for name, value in seconds.items()]
    if cost:
        lines += ["", *cost]
    return "\n".join(lines) + "\n"


def evaluate_real(*, write: bool, baseline_commit: str | None, cost: bool = True) -> str:
    """`baseline_commit`: record this run's wirefeed figures as the baseline, made at that
    commit (run from an export of that commit with this harness copied in, see below)."""
    config = _config()
    sets: dict[str, list[RealPage]] = {
        "trafilatura": load_trafilatura_pages(config.language_detector)
    }
    hand = load_hand_labelled()
    if hand:
        sets["hand"] = hand
    wirefeed = wirefeed_system(config)
    scores: dict[str, dict[str, SetScore]] = {}
    seconds: dict[str, float] = {}
    for set_name, pages in sets.items():
        scores[set_name] = {}
        for system, run in (
            ("bare trafilatura", bare_trafilatura),
            ("wirefeed now", wirefeed),
            (TWO_FULL_PASSES, wirefeed),
        ):
            started = time.process_time()
            if system == TWO_FULL_PASSES:
                with _pipeline_extraction(two_full_passes):
                    scores[set_name][system] = score_set(pages, run)
            else:
                scores[set_name][system] = score_set(pages, run)
            spent = time.process_time() - started
            if system == "bare trafilatura":  # computed once while loading, timed there
                spent += sum(p.bare_seconds for p in pages)
            seconds[f"{system}, {set_name}"] = spent
    if baseline_commit:
        save_baseline({name: s["wirefeed now"] for name, s in scores.items()}, baseline_commit)
    cost_lines = None
    if cost:
        from eval.htmlcost import measure_html_cost, render_cost

        english = [p.html for p in sets["trafilatura"] if p.english]
        cost_lines = render_cost(measure_html_cost(english, _config(with_model=True)))
    text = render(scores, load_baseline(sets), seconds, cost_lines)
    from eval.realbodies import BODIES, CHECK_BODIES, render_section

    for marked in (BODIES, CHECK_BODIES):
        text += "\n" + "\n".join(render_section(marked))
    if write:
        RESULTS_PATH.write_text(text, encoding="utf-8")
    return text
