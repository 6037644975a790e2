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

from services.enrich.pipeline.boilerplate import (
    RuleSet,
    Stripped,
    strip_boilerplate,
    suspect_lines,
)
from services.enrich.pipeline.canonical import canonicalise
from services.enrich.pipeline.clean import clean
from services.enrich.pipeline.document import (
    EnrichedDocument,
    EntityGroup,
    Extracted,
    Removal,
    SubmittedDocument,
)
from services.enrich.pipeline.entities import RawMention, tag_texts
from services.enrich.pipeline.extract import extract_html
from services.enrich.pipeline.known_labels import label_known_names
from services.enrich.pipeline.label_evidence import vote_labels
from services.enrich.pipeline.language import LanguageDetector, LanguageVerdict, judge_language
from services.enrich.pipeline.mention_rules import as_news_desk, refine_mentions
from services.enrich.pipeline.propagate import propagate
from services.enrich.pipeline.quality import QualityReport, assess, has_article
from services.enrich.pipeline.salience import rank_by_salience
from services.enrich.pipeline.stats import compute_stats
from services.enrich.pipeline.textmap import TextMap
from services.enrich.pipeline.trim import trim_mentions
from shared.aliases import AliasTable

# The rule id under which a page's text is set aside when it holds no article.
NO_ARTICLE_RULE = "no-article"


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    rules: RuleSet
    aliases: AliasTable
    nlp: Any  # a loaded spaCy Language with the NER component
    language_detector: LanguageDetector | None = None  # None: trust the producer's hint
    given_names: frozenset[str] = frozenset()  # tells a mislabelled full name for a PERSON
    not_names: frozenset[str] = frozenset()  # "AI", "GDP": tagged by the model, never entities
    cities: frozenset[str] = frozenset()  # "Missoula": a "person" of that name is the city


@dataclass(frozen=True, slots=True)
class Prepared:
    document: SubmittedDocument
    extracted: Extracted
    stripped: Stripped
    language: LanguageVerdict
    no_article_reason: str | None = None  # HTML only: why the page holds no article

    @property
    def clean_text(self) -> str:
        return self.stripped.text.text


def _extract(document: SubmittedDocument) -> Extracted:
    """HTML -> text; a page with no text at all raises ExtractionError (the article fails with
    that message, as a pipeline error: nothing could be read from it)."""
    if document.html is None:
        return Extracted(text=document.text or "")
    return extract_html(document.html)


def _drop_all(stripped: Stripped, rule: str) -> Stripped:
    """Every kept line removed under `rule`: a page whose text is no article (its menu)."""
    text = stripped.text
    removals = list(stripped.removals)
    position = 0
    for line in text.text.split("\n"):
        if line:
            raw_start, raw_end = text.raw_span(position, position + len(line))
            removals.append(Removal(rule, line, raw_start, raw_end))
        position += len(line) + 1
    return Stripped(text.keep([]), removals, stripped.credits)


def assess_prepared(prepared: Prepared, config: PipelineConfig) -> QualityReport:
    """The record's quality flags: they depend on the text, never on the entities."""
    text = prepared.clean_text
    return assess(
        clean_text=text,
        before_cleaning=prepared.extracted.text,
        no_article_reason=prepared.no_article_reason,
        language_uncertain_reason=prepared.language.uncertain_reason,
        suspect_lines=suspect_lines(text, config.rules.for_source(prepared.document.source)),
    )


def prepare(document: SubmittedDocument, config: PipelineConfig) -> Prepared:
    """Extract, clean, strip boilerplate, judge the language: everything but the entities."""
    extracted = _extract(document)
    no_article_reason = None
    cleaned = clean(TextMap.identity(extracted.text))
    stripped = strip_boilerplate(
        cleaned.text, config.rules.for_source(document.source), extracted.furniture
    )
    if cleaned.removals:  # invisible characters are audited removals too, in text order
        removals = sorted([*cleaned.removals, *stripped.removals], key=lambda r: r.raw_start)
        stripped = Stripped(stripped.text, removals, stripped.credits)
    if document.html is not None and not has_article(stripped.text.text):
        no_article_reason = "the page's text has no line that reads like an article"
        stripped = _drop_all(stripped, NO_ARTICLE_RULE)
    language = judge_language(
        stripped.text.text, hint=document.language, detector=config.language_detector
    )
    return Prepared(document, extracted, stripped, language, no_article_reason)


def enrich(document: SubmittedDocument, config: PipelineConfig) -> EnrichedDocument:
    return enrich_many([document], config)[0]


def enrich_many(
    documents: Sequence[SubmittedDocument], config: PipelineConfig
) -> list[EnrichedDocument]:
    prepared = [prepare(d, config) for d in documents]
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
    cities: frozenset[str] = frozenset(),
) -> list[EntityGroup]:
    """From the model's mentions to the article's entities, most salient first."""
    mentions = trim_mentions(found, not_names=not_names)
    mentions = refine_mentions(mentions, text=text.text, given_names=given_names, aliases=aliases)
    mentions = [as_news_desk(m, text.text) for m in label_known_names(mentions, text.text, aliases)]
    mentions = propagate(mentions, text.text)
    mentions = vote_labels(mentions, text.text, aliases, cities)
    entities = canonicalise(mentions, text=text, aliases=aliases)
    return rank_by_salience(entities, text.text)


def _finish(
    prepared: Prepared, found: list[RawMention], config: PipelineConfig
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
            cities=config.cities,
        )
    )
    extracted = prepared.extracted
    metadata: dict[str, Any] = {
        k: v
        for k, v in (
            ("title", extracted.title),
            ("author", extracted.author),
            ("date", extracted.date),
            ("url", extracted.url),
            ("site_name", extracted.site_name),
            ("description", extracted.description),
        )
        if v
    }
    if extracted.extraction is not None:
        metadata["extraction"] = {
            "kept": extracted.extraction,
            "chars": extracted.candidate_chars,
        }
        if extracted.standfirst_added:
            metadata["extraction"]["standfirst_added"] = True
    if prepared.language.guess is not None:
        metadata["language_guess"] = {
            "language": prepared.language.guess,
            "confidence": prepared.language.confidence,
        }
    quality = assess_prepared(prepared, config)
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
        quality=quality.flags,
        quality_detail=quality.detail,
        stats=compute_stats(
            source_text=extracted.text,
            clean_text=text.text,
            removals=prepared.stripped.removals,
            credits=prepared.stripped.credits,
            entities=entities,
        ),
    )
