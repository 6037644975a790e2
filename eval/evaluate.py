"""`python -m eval.evaluate`: boilerplate, entity and throughput figures on the development set.

Prints everything in one run and writes the same figures to eval/RESULTS.md.
Options: --errors lists every entity false positive / negative; --no-write leaves RESULTS.md alone.
`--set conll` scores the entity steps on CoNLL-2003 (eval/conll.py; eng.testa by default, another
file in the same format with --conll-file) and writes eval/RESULTS-conll.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eval.bench import DetectorCost, Throughput, measure_language_detector, measure_throughput
from eval.conll import CONLL_DIR, evaluate_conll, read_conll, render_conll
from eval.devset import SCORED_LABELS, load_devset
from eval.scoring import EntityScore
from eval.systems import DevsetReport, evaluate_devset, submitted
from services.enrich.config import load_pipeline_config
from shared.settings import Settings

RESULTS_PATH = Path(__file__).parent / "RESULTS.md"


def _entity_table(report: DevsetReport) -> list[str]:
    rows = ["| type | wirefeed P | R | F1 | bare spaCy P | R | F1 |", "| --- " * 7 + "|"]
    systems: tuple[EntityScore, EntityScore] = (report.wirefeed, report.bare)
    for label in (*SCORED_LABELS, "micro"):
        cells = []
        for score in systems:
            c = score.micro if label == "micro" else score.by_label[label]
            cells += [f"{c.precision:.1%}", f"{c.recall:.1%}", f"{c.f1:.1%}"]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return rows


def render(
    report: DevsetReport,
    speed: Throughput,
    detector: DetectorCost,
    *,
    articles: int,
    model: str,
    labelled_set: str,
) -> str:
    bp = report.boilerplate
    gain = (report.wirefeed.micro.f1 - report.bare.micro.f1) * 100
    lines = [
        f"# wirefeed enrichment: results on eval/{labelled_set}",
        "",
        f"Command: `.venv/bin/python -m eval.evaluate --set {labelled_set}` ({articles}"
        f" hand-labelled articles in eval/{labelled_set}, model {model}).",
        "",
        "## Boilerplate",
        "",
        f"- leak rate: {bp.leak_rate:.1%} ({len(bp.leaked)} of {bp.boilerplate_lines}"
        " boilerplate lines survive)",
        *(f"  - leaked: {line}" for line in bp.leaked),
        f"- keep rate: {bp.keep_rate:.2%} ({bp.body_lines - len(bp.lost)} of {bp.body_lines}"
        " body lines kept)",
        *(f"  - lost: {line[:100]}" for line in bp.lost),
        f"- credits moved: {bp.credits_moved} of {bp.credit_lines}",
        "",
        "## Entities",
        "",
        "Scored per article as the set of distinct (surface, label) pairs, surfaces normalised",
        "alike for both systems (leading 'the' and possessive 's dropped). wirefeed: the text and",
        "label of every mention it outputs; bare spaCy: the full default pipeline of the same",
        "model on wirefeed's clean text.",
        "",
        *_entity_table(report),
        "",
        f"Micro-F1 gain over bare spaCy: {gain:+.1f} points.",
        "",
        "## Throughput (CPU time, same NER-only model, bare = NER on the clean texts)",
        "",
        f"- wirefeed pipeline: {speed.wirefeed_words_per_second:,.0f} words/s",
        f"- bare model NER: {speed.bare_words_per_second:,.0f} words/s",
        f"- ratio (median of paired rounds): {speed.ratio:.2f}",
        "",
        "## Language detection (lingua, low-accuracy mode, 25 common languages)",
        "",
        f"- resident memory of the loaded detector: {detector.resident_mb:.0f} MB",
        f"- time per article: {detector.ms_per_document:.2f} ms (included in the pipeline figure)",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.evaluate", description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list entity errors")
    parser.add_argument("--no-write", action="store_true", help="do not write the results file")
    parser.add_argument(
        "--set",
        choices=["devset", "heldout", "modern", "conll", "real"],
        default="devset",
        help="devset: the set rules were tuned on; heldout: articles written and labelled apart, "
        "never used for tuning (results in eval/RESULTS-heldout.md); modern: short modern news "
        "articles (sport, tech, business) written apart from the entity rules, entities only "
        "(eval/RESULTS-modern.md); conll: CoNLL-2003 "
        "development split, entities only (eval/RESULTS-conll.md); real: extraction on real web "
        "pages (eval/RESULTS-real.md)",
    )
    parser.add_argument(
        "--conll-file",
        type=Path,
        default=CONLL_DIR / "eng.testa",
        help="CoNLL-2003 file to score with --set conll (default: eng.testa from eval.realdata)",
    )
    parser.add_argument(
        "--save-baseline",
        metavar="COMMIT",
        help="with --set real: record wirefeed's figures as the 'before' baseline made at COMMIT",
    )
    args = parser.parse_args(argv)
    if args.set == "conll":
        return _conll_main(args)
    if args.set == "real":
        from eval.realreport import evaluate_real

        sys.stdout.write(evaluate_real(write=not args.no_write, baseline_commit=args.save_baseline))
        return 0

    import spacy

    settings = Settings()
    config = load_pipeline_config(settings)
    bare_nlp = spacy.load(settings.spacy_model)  # full default pipeline
    articles = load_devset(Path(__file__).parent / args.set)
    report = evaluate_devset(articles, config, bare_nlp)
    clean_texts = report.clean_texts
    speed = measure_throughput([submitted(a) for a in articles], clean_texts, config)
    detector = measure_language_detector(clean_texts, config)

    text = render(
        report,
        speed,
        detector,
        articles=len(articles),
        model=settings.spacy_model,
        labelled_set=args.set,
    )
    sys.stdout.write(text)
    if args.errors:
        for system, score in (("wirefeed", report.wirefeed), ("bare", report.bare)):
            for article_id, kind, (surface, label) in score.errors:
                print(f"{system}\t{article_id}\t{kind}\t{label}\t{surface}")
    if not args.no_write:
        path = (
            RESULTS_PATH
            if args.set == "devset"
            else RESULTS_PATH.with_name(f"RESULTS-{args.set}.md")
        )
        path.write_text(text, encoding="utf-8")
    return 0


def _conll_main(args: argparse.Namespace) -> int:
    import spacy

    settings = Settings()
    if not args.conll_file.exists():
        sys.exit(f"{args.conll_file} not found: build it with `python -m eval.realdata`")
    config = load_pipeline_config(settings)
    bare_nlp = spacy.load(settings.spacy_model)
    report = evaluate_conll(read_conll(args.conll_file), config, bare_nlp)
    command = ".venv/bin/python -m eval.evaluate --set conll"
    if args.conll_file != CONLL_DIR / "eng.testa":
        command += f" --conll-file {args.conll_file}"
    text = render_conll(
        report, split=args.conll_file.name, model=settings.spacy_model, command=command
    )
    sys.stdout.write(text)
    if args.errors:
        for system, score in (("wirefeed", report.wirefeed_prose), ("bare", report.bare_prose)):
            for doc_id, kind, label, surface in score.errors:
                print(f"{system}\t{doc_id}\t{kind}\t{label}\t{surface}")
    if not args.no_write and args.conll_file == CONLL_DIR / "eng.testa":
        RESULTS_PATH.with_name("RESULTS-conll.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
