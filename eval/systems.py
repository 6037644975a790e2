"""Run the two systems the harness compares over the development set.

- wirefeed: the whole pipeline on the text as submitted; what counts is the mentions it outputs.
- bare spaCy: the model's full default pipeline on wirefeed's clean text, entities as it tags them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eval.devset import DevArticle
from eval.scoring import (
    BoilerplateScore,
    EntityScore,
    gold_pairs,
    pairs,
    wirefeed_mentions,
)
from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich_many


def submitted(article: DevArticle) -> SubmittedDocument:
    return SubmittedDocument(text=article.text, title=article.title, source=article.source)


def run_wirefeed(articles: Sequence[DevArticle], config: PipelineConfig) -> list[dict[str, Any]]:
    return [d.to_dict() for d in enrich_many([submitted(a) for a in articles], config)]


def run_bare(nlp: Any, texts: Sequence[str]) -> list[list[tuple[str, str]]]:
    return [[(e.text, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]


@dataclass(slots=True)
class DevsetReport:
    boilerplate: BoilerplateScore
    wirefeed: EntityScore
    bare: EntityScore
    clean_texts: list[str]  # wirefeed's, per article: what the bare model was given


def evaluate_devset(
    articles: Sequence[DevArticle], config: PipelineConfig, bare_nlp: Any
) -> DevsetReport:
    records = run_wirefeed(articles, config)
    clean_texts = [r["clean_text"] for r in records]
    bare_mentions = run_bare(bare_nlp, clean_texts)
    report = DevsetReport(BoilerplateScore(), EntityScore(), EntityScore(), clean_texts)
    for article, record, bare in zip(articles, records, bare_mentions, strict=True):
        credits = [c["text"] for c in record["credits"]]
        report.boilerplate.add_article(article, record["clean_text"], credits)
        gold = gold_pairs(article)
        report.wirefeed.add_article(article.id, pairs(wirefeed_mentions(record)), gold)
        report.bare.add_article(article.id, pairs(bare), gold)
    return report
