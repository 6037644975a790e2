"""The pipeline, every step in the order it runs:

extract -> clean -> strip boilerplate -> judge language -> tag entities -> trim mentions ->
refine mentions -> label known names -> propagate names -> vote labels by evidence ->
canonicalise -> rank by salience -> stats.

Pure: everything it needs (rules, aliases, the loaded model, the language detector) is passed
in. `enrich_many` streams several documents' paragraphs through one `nlp.pipe`, which is how
workers and benchmarks batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.enrich.pipeline.boilerplate import RuleSet, Stripped, strip_boilerplate
from services.enrich.pipeline.canonical import canonicalise
from services.enrich.pipeline.clean import clean_text
from services.enrich.pipeline.document import (
    EnrichedDocument,
    EntityGroup,
    Extracted,
    SubmittedDocument,
)
from services.enrich.pipeline.entities import RawMention, tag_texts
from services.enrich.pipeline.extract import extract_html
from services.enrich.pipeline.known_labels import label_known_names
from services.enrich.pipeline.label_evidence import vote_labels
from services.enrich.pipeline.language import LanguageDetector, LanguageVerdict, judge_language
from services.enrich.pipeline.mention_rules import refine_mentions
from services.enrich.pipeline.propagate import propagate
from services.enrich.pipeline.salience import rank_by_salience
from services.enrich.pipeline.stats import compute_stats
from services.enrich.pipeline.textmap import TextMap
from services.enrich.pipeline.trim import trim_mentions
from shared.aliases import AliasTable


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    rules: RuleSet
    aliases: AliasTable
    nlp: Any  # a loaded spaCy Language with the NER component
    language_detector: LanguageDetector | None = None  # None: trust the producer's hint
    given_names: frozenset[str] = frozenset()  # tells a mislabelled full name for a PERSON
    not_names: frozenset[str] = frozenset()  # "AI", "GDP": tagged by the model, never entities


@dataclass(frozen=True, slots=True)
class _Prepared:
    document: SubmittedDocument
    extracted: Extracted
    stripped: Stripped
    language: LanguageVerdict


def _prepare(document: SubmittedDocument, config: PipelineConfig) -> _Prepared:
    if document.html is not None:
        extracted = extract_html(document.html)
    else:
        extracted = Extracted(text=document.text or "")
    cleaned = clean_text(TextMap.identity(extracted.text))
    stripped = strip_boilerplate(cleaned, config.rules.for_source(document.source))
    language = judge_language(
        stripped.text.text, hint=document.language, detector=config.language_detector
    )
    return _Prepared(document, extracted, stripped, language)


def enrich(document: SubmittedDocument, config: PipelineConfig) -> EnrichedDocument:
    return enrich_many([document], config)[0]


def enrich_many(
    documents: Sequence[SubmittedDocument], config: PipelineConfig
) -> list[EnrichedDocument]:
    prepared = [_prepare(d, config) for d in documents]
    # An article in another language is not shown to the English model at all.
    to_tag = ["" if p.language.skip_entities_reason else p.stripped.text.text for p in prepared]
    mentions = tag_texts(config.nlp, to_tag)
    return [_finish(p, found, config) for p, found in zip(prepared, mentions, strict=True)]


def resolve_entities(
    found: list[RawMention],
    *,
    text: TextMap,
    aliases: AliasTable,
    given_names: frozenset[str] = frozenset(),
    not_names: frozenset[str] = frozenset(),
) -> list[EntityGroup]:
    """From the model's mentions to the article's entities, most salient first."""
    mentions = trim_mentions(found, not_names=not_names)
    mentions = refine_mentions(mentions, text=text.text, given_names=given_names)
    mentions = label_known_names(mentions, text.text, aliases)
    mentions = propagate(mentions, text.text)
    mentions = vote_labels(mentions, text.text, aliases)
    entities = canonicalise(mentions, text=text, aliases=aliases)
    return rank_by_salience(entities, text.text)


def _finish(
    prepared: _Prepared, found: list[RawMention], config: PipelineConfig
) -> EnrichedDocument:
    text = prepared.stripped.text
    entities = (
        []  # not English: no entity rule may tag it either
        if prepared.language.skip_entities_reason
        else resolve_entities(
            found,
            text=text,
            aliases=config.aliases,
            given_names=config.given_names,
            not_names=config.not_names,
        )
    )
    extracted = prepared.extracted
    metadata = {
        k: v
        for k, v in (
            ("title", extracted.title),
            ("author", extracted.author),
            ("date", extracted.date),
        )
        if v
    }
    return EnrichedDocument(
        clean_text=text.text,
        source_text=extracted.text,
        removals=prepared.stripped.removals,
        credits=prepared.stripped.credits,
        entities=entities,
        language=prepared.language.language,
        language_confidence=prepared.language.confidence,
        entities_skipped_reason=prepared.language.skip_entities_reason,
        metadata=metadata,
        stats=compute_stats(
            source_text=extracted.text,
            clean_text=text.text,
            removals=prepared.stripped.removals,
            credits=prepared.stripped.credits,
            entities=entities,
        ),
    )
