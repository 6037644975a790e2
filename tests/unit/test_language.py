"""Language detection: stored with a confidence; other languages are not shown to the model."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.enrich.pipeline import PipelineConfig, SubmittedDocument, enrich
from services.enrich.pipeline.language import judge_language

GERMAN = (
    "Bundeskanzler Friedrich Merz hat am Donnerstag in Berlin den Haushalt für das kommende "
    "Jahr vorgestellt. Die Opposition kritisierte die Pläne der Regierung scharf, weil sie "
    "nach ihrer Ansicht zu wenig für die Bahn und zu viel für neue Schulden vorsehen. Ob das "
    "Parlament noch vor dem Sommer darüber abstimmt, ist offen."
)
ENGLISH = "Chancellor Friedrich Merz presented next year's budget in Berlin on Thursday."


class FixedDetector:
    def __init__(self, answer: tuple[str, float] | None) -> None:
        self.answer = answer

    def detect(self, text: str) -> tuple[str, float] | None:
        return self.answer


def test_non_english_article_skips_entities(pipeline_config: PipelineConfig) -> None:
    enriched = enrich(SubmittedDocument(text=GERMAN, language="en"), pipeline_config)
    assert enriched.language == "de"
    assert enriched.language_confidence is not None and enriched.language_confidence > 0.9
    assert enriched.entities == []
    assert enriched.entities_skipped_reason and "'de'" in enriched.entities_skipped_reason
    assert enriched.to_dict()["entities_skipped_reason"] == enriched.entities_skipped_reason


def test_english_article_is_tagged(pipeline_config: PipelineConfig) -> None:
    enriched = enrich(SubmittedDocument(text=ENGLISH), pipeline_config)
    assert enriched.language == "en"
    assert enriched.entities_skipped_reason is None
    assert "Friedrich Merz" in {e.name for e in enriched.entities}


def test_english_made_mostly_of_foreign_names_is_still_tagged(
    pipeline_config: PipelineConfig,
) -> None:
    # Names read as German or Indonesian to a detector; the words between them do not.
    for text in ("Angela Merkel spoke in Berlin.", "Angela Merkel spoke in Berlin. " * 5):
        enriched = enrich(SubmittedDocument(text=text), pipeline_config)
        assert enriched.entities_skipped_reason is None
        assert "Berlin" in {e.name for e in enriched.entities}


def test_short_foreign_text_is_detected_but_still_tagged(pipeline_config: PipelineConfig) -> None:
    text = "El presidente Pedro Sánchez anunció el martes en Madrid un nuevo plan."
    enriched = enrich(SubmittedDocument(text=text), pipeline_config)
    assert enriched.language == "es" and enriched.entities_skipped_reason is None


def test_english_sentence_quoting_german_is_tagged(pipeline_config: PipelineConfig) -> None:
    text = 'He said: "Wir haben es geschafft" before leaving for Munich.'
    enriched = enrich(SubmittedDocument(text=text), pipeline_config)
    assert enriched.entities_skipped_reason is None
    assert "Munich" in {e.name for e in enriched.entities}


def test_spanish_article_skips_entities(pipeline_config: PipelineConfig) -> None:
    text = (
        "El presidente Pedro Sánchez anunció el martes en Madrid un nuevo plan de vivienda para "
        "los jóvenes, que incluye ayudas al alquiler y la construcción de miles de pisos públicos "
        "en los próximos cinco años."
    )
    enriched = enrich(SubmittedDocument(text=text), pipeline_config)
    assert enriched.language == "es" and enriched.entities == []
    assert enriched.entities_skipped_reason


def test_without_a_detector_the_producer_hint_stands(pipeline_config: PipelineConfig) -> None:
    config = replace(pipeline_config, language_detector=None)
    enriched = enrich(SubmittedDocument(text=ENGLISH, language="en"), config)
    assert (enriched.language, enriched.language_confidence) == ("en", None)


def test_undecided_detector_falls_back_to_hint() -> None:
    verdict = judge_language("Hi", hint="fr", detector=FixedDetector(None))
    assert (verdict.language, verdict.confidence, verdict.skip_entities_reason) == (
        "fr",
        None,
        None,
    )


def test_low_confidence_guess_is_not_reported_as_the_language() -> None:
    verdict = judge_language(
        "and so it was, they said", hint=None, detector=FixedDetector(("nl", 0.3))
    )
    assert verdict.language is None and verdict.skip_entities_reason is None
    assert (verdict.guess, verdict.confidence) == ("nl", 0.3)
    assert verdict.uncertain_reason and "'nl'" in verdict.uncertain_reason


def test_low_confidence_guess_leaves_the_producers_hint() -> None:
    verdict = judge_language(
        "and so it was, they said", hint="en", detector=FixedDetector(("nl", 0.3))
    )
    assert verdict.language == "en" and verdict.uncertain_reason is not None


# Real short English lines from news pages: lingua's low-accuracy mode alone called some of
# them Swedish or Danish at about 0.6. Each must come out English, or unknown, never another
# language.
SHORT_ENGLISH = [
    "Stocks rose on Monday.",
    "Apple shares fell 3% after the earnings call.",
    "Thanks for signing up!",
    "Police said two people were injured in the crash.",
    "Rain is forecast for the weekend across the north.",
    "Prices have gone up again this month",
    "Tim Cook said the iPhone was selling well in China and India.",
    "The deal is expected to close next year.",
]


@pytest.mark.parametrize("text", SHORT_ENGLISH)
def test_short_english_is_english_or_unknown(text: str, pipeline_config: PipelineConfig) -> None:
    verdict = judge_language(text, hint=None, detector=pipeline_config.language_detector)
    assert verdict.language in ("en", None), verdict
    if verdict.language is None:
        assert verdict.uncertain_reason
    assert verdict.skip_entities_reason is None


def test_short_english_mostly_recognised(pipeline_config: PipelineConfig) -> None:
    verdicts = [
        judge_language(t, hint=None, detector=pipeline_config.language_detector)
        for t in SHORT_ENGLISH
    ]
    assert sum(v.language == "en" for v in verdicts) >= len(SHORT_ENGLISH) - 1


def test_mixed_batch_tags_only_the_english_article(pipeline_config: PipelineConfig) -> None:
    from services.enrich.pipeline import enrich_many

    german, english = enrich_many(
        [SubmittedDocument(text=GERMAN), SubmittedDocument(text=ENGLISH)], pipeline_config
    )
    assert german.entities == [] and english.entities
