"""`python -m eval.real_entities`: entity micro-F1 on the hand-labelled real pages, wirefeed vs
the bare model, and the "Twitter-class" errors wirefeed makes there (eval/RESULTS-real-entities.md).

The pages (var/realdata/trafilatura/eval, from `python -m eval.realdata`) and their labels
(eval/realpages/labels.json) were labelled apart from any tuning: this is for reporting only.

- wirefeed: the whole pipeline on the page's HTML (extraction, cleaning, boilerplate, entities);
- bare spaCy: the model's full default pipeline on wirefeed's clean text of the same page.
Both are scored per page as distinct (surface, label) pairs with eval/scoring.py's
normalisation, PERSON/ORG/GPE/LOC, summed over pages.

A "Twitter-class" error is one of the kinds issue 8 lists: a surface the labels call ORG
(platform, company) output as PERSON or GPE; one they call PERSON output as ORG or GPE; one they
call GPE/LOC output as PERSON; or a known product (shared/data/known_entities.json) output as
PERSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.scoring import EntityScore, Pair, pairs, wirefeed_mentions
from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich_many
from shared.aliases import load_aliases

ROOT = Path(__file__).resolve().parent.parent
LABELS = Path(__file__).parent / "realpages" / "labels.json"
HTML_DIR = ROOT / "var" / "realdata" / "trafilatura" / "eval"
RESULTS_PATH = Path(__file__).parent / "RESULTS-real-entities.md"
# The tuning set: entities of the whole-body pages (eval/realpages/bodies.json), labelled apart
# from the pipeline like labels.json, but meant to be tuned on.
BODY_LABELS = Path(__file__).parent / "realpages" / "body_entities.json"
BODY_RESULTS_PATH = Path(__file__).parent / "RESULTS-body-entities.md"
# gold label -> predicted labels that make a Twitter-class error
TWITTER_CLASS = {
    "ORG": ("PERSON", "GPE"),
    "PERSON": ("ORG", "GPE"),
    "GPE": ("PERSON",),
    "LOC": ("PERSON",),
}


@dataclass(frozen=True, slots=True)
class LabelledPage:
    file: str
    html: str
    gold: frozenset[Pair]
    # For a set labelled on the article body only: that body's text (casefolded, whitespace
    # collapsed). Output surfaces not in it (a deck's, a kept junk line's) are not scored.
    scope: str | None = None

    def in_scope(self, found: set[Pair]) -> set[Pair]:
        if self.scope is None:
            return found
        return {pair for pair in found if " ".join(pair[0].split()).casefold() in self.scope}


@dataclass(slots=True)
class RealEntityReport:
    pages: int
    missing: list[str]  # labelled pages whose HTML is not there
    wirefeed: EntityScore
    bare: EntityScore
    twitter_class: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # page, surface, gold, ours
    # page, "fp" or "fn", surface, label: wirefeed's errors, for tuning on the tuning set
    errors: list[tuple[str, str, str, str]] = field(default_factory=list)


def load_pages(
    labels: Path = LABELS, html_dir: Path = HTML_DIR
) -> tuple[list[LabelledPage], list[str]]:
    data = json.loads(labels.read_text(encoding="utf-8"))
    scopes = {}
    if labels == BODY_LABELS:
        from eval.realbodies import load_pages as load_bodies

        scopes = {
            body.name: " ".join(" ".join(body.body_lines).split()).casefold()
            for body in load_bodies()
        }
    pages, missing = [], []
    for page in data["pages"]:
        path = html_dir / page["file"]
        if not path.exists():
            missing.append(page["file"])
            continue
        gold = pairs((s, label) for label, surfaces in page["entities"].items() for s in surfaces)
        pages.append(
            LabelledPage(
                page["file"],
                path.read_text(encoding="utf-8", errors="replace"),
                frozenset(gold),
                scopes.get(page["file"]),
            )
        )
    return pages, missing


def twitter_class_errors(
    file: str, predicted: set[Pair], gold: frozenset[Pair], products: frozenset[str]
) -> list[tuple[str, str, str, str]]:
    gold_labels: dict[str, set[str]] = {}
    for surface, label in gold:
        gold_labels.setdefault(surface, set()).add(label)
    errors = []
    for surface, label in sorted(predicted):
        for gold_label in sorted(gold_labels.get(surface, set())):
            if label in TWITTER_CLASS.get(gold_label, ()) and label not in gold_labels[surface]:
                errors.append((file, surface, gold_label, label))
        if label == "PERSON" and surface.casefold() in products:
            errors.append((file, surface, "PRODUCT", label))
    return errors


def _known_products() -> frozenset[str]:
    table = load_aliases()
    return frozenset(key for key, known in table.by_key.items() if known.label == "PRODUCT")


def evaluate_real_entities(
    pages: Sequence[LabelledPage], config: PipelineConfig, bare_nlp: Any, missing: list[str]
) -> RealEntityReport:
    records = enrich_many([SubmittedDocument(html=p.html) for p in pages], config)
    clean_texts = [r.clean_text for r in records]
    bare = [[(e.text, e.label_) for e in doc.ents] for doc in bare_nlp.pipe(clean_texts)]
    report = RealEntityReport(len(pages), missing, EntityScore(), EntityScore())
    products = _known_products()
    for page, record, bare_mentions in zip(pages, records, bare, strict=True):
        ours = page.in_scope(pairs(wirefeed_mentions(record.to_dict())))
        report.wirefeed.add_article(page.file, ours, set(page.gold))
        report.bare.add_article(page.file, page.in_scope(pairs(bare_mentions)), set(page.gold))
        report.twitter_class += twitter_class_errors(page.file, ours, page.gold, products)
        report.errors += [(page.file, "fp", *pair) for pair in sorted(ours - page.gold)]
        report.errors += [(page.file, "fn", *pair) for pair in sorted(page.gold - ours)]
    return report


def render(report: RealEntityReport, *, model: str, labels: Path = LABELS) -> str:
    rows = ["| type | wirefeed P | R | F1 | bare spaCy P | R | F1 |", "| --- " * 7 + "|"]
    for label in (*report.wirefeed.by_label, "micro"):
        cells = []
        for score in (report.wirefeed, report.bare):
            c = score.micro if label == "micro" else score.by_label[label]
            cells += [f"{c.precision:.1%}", f"{c.recall:.1%}", f"{c.f1:.1%}"]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    if labels == LABELS:
        what = (
            f"Command: `.venv/bin/python -m eval.real_entities` ({report.pages} pages of"
            f" eval/realpages/labels.json, model {model}). Reporting only: these labels are never"
            " used to write or tune rules."
        )
    else:
        what = (
            f"Command: `.venv/bin/python -m eval.real_entities --labels {labels.name}`"
            f" ({report.pages} pages of eval/realpages/{labels.name}, model {model}): the bodies"
            " of eval/realpages/bodies.json, labelled apart from the pipeline, for tuning."
        )
    lines = [
        "# wirefeed entities on the hand-labelled real pages",
        "",
        what,
        "",
        "Per page, distinct (surface, label) pairs normalised as in eval/scoring.py. wirefeed:"
        " the pipeline on the page's HTML; bare spaCy: the model's full default pipeline on"
        " wirefeed's clean text. Gold also lists title entities, which neither system sees when"
        " the title is not in the extracted body.",
        "",
        *rows,
        "",
        f"Twitter-class errors by wirefeed (issue 8's kinds): {len(report.twitter_class)}",
        "",
        *(
            f"- {file}: {surface!r} labelled {gold}, output {ours}"
            for file, surface, gold, ours in report.twitter_class
        ),
    ]
    if report.missing:
        lines += ["", f"Pages not found (run `python -m eval.realdata`): {len(report.missing)}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    import spacy

    from services.enrich.config import load_pipeline_config
    from shared.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m eval.real_entities", description=__doc__)
    parser.add_argument("--no-write", action="store_true", help="do not write the results file")
    parser.add_argument(
        "--labels",
        choices=("labels.json", BODY_LABELS.name),
        default="labels.json",
        help=f"the report-only set (labels.json) or the tuning set ({BODY_LABELS.name})",
    )
    parser.add_argument("--errors", action="store_true", help="list wirefeed's errors per page")
    args = parser.parse_args(argv)
    labels = LABELS if args.labels == "labels.json" else BODY_LABELS
    pages, missing = load_pages(labels)
    if not pages:
        sys.exit(f"no labelled page found under {HTML_DIR}: run `python -m eval.realdata`")
    settings = Settings()
    config = load_pipeline_config(settings)
    report = evaluate_real_entities(pages, config, spacy.load(settings.spacy_model), missing)
    text = render(report, model=settings.spacy_model, labels=labels)
    sys.stdout.write(text)
    if args.errors:
        sys.stdout.write("".join("\t".join(error) + "\n" for error in report.errors))
    if not args.no_write:
        path = RESULTS_PATH if labels == LABELS else BODY_RESULTS_PATH
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
