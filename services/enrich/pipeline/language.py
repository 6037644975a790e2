"""Language of the clean text, and whether the (English-only) entity model should see it.

The detector is configuration, handed in like the spaCy model: anything with
`detect(text) -> (ISO 639-1 code, confidence 0..1) | None` (services/enrich/language_detector.py
wraps lingua). Without one the producer's hint stands, with no confidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Enough text to decide reliably; more only costs time.
SAMPLE_CHARS = 300
# Fewer letters than this (once names are set aside) and any answer is a guess: keep the hint.
MIN_SAMPLE_LETTERS = 12
# Skipping the entities of an English text costs far more than tagging a foreign one: skip only
# when the detector is sure and has read enough ordinary words to be (an English sentence
# quoting a few words of German is still English).
MIN_CONFIDENCE_TO_SKIP = 0.8
MIN_SAMPLE_LETTERS_TO_SKIP = 80
ENTITY_MODEL_LANGUAGE = "en"


class LanguageDetector(Protocol):
    def detect(self, text: str) -> tuple[str, float] | None: ...


@dataclass(frozen=True, slots=True)
class LanguageVerdict:
    language: str | None
    confidence: float | None
    skip_entities_reason: str | None


def _is_name_or_number(word: str) -> bool:
    first = next((ch for ch in word if ch.isalnum()), "")
    return not first or first.isupper() or first.isdigit()


def _sample(text: str) -> str:
    """The text's ordinary words, names and numbers set aside: "Angela Merkel spoke in Berlin"
    reads as German or Indonesian to a detector, "spoke in" does not. Scripts without case
    keep every word."""
    words: list[str] = []
    length = 0
    for word in text[: SAMPLE_CHARS * 4].split():
        if _is_name_or_number(word):
            continue
        words.append(word)
        length += len(word) + 1
        if length >= SAMPLE_CHARS:
            break
    return " ".join(words)


def judge_language(
    text: str, *, hint: str | None, detector: LanguageDetector | None
) -> LanguageVerdict:
    detected = None
    letters = 0
    if detector is not None:
        sample = _sample(text)
        letters = sum(ch.isalpha() for ch in sample)
        if letters >= MIN_SAMPLE_LETTERS:
            detected = detector.detect(sample)
    if detected is None:
        return LanguageVerdict(hint, None, None)
    language, confidence = detected
    confidence = round(confidence, 4)
    sure = confidence >= MIN_CONFIDENCE_TO_SKIP and letters >= MIN_SAMPLE_LETTERS_TO_SKIP
    if language != ENTITY_MODEL_LANGUAGE and sure:
        reason = (
            f"language detected as '{language}' (confidence {confidence:.2f}); "
            f"the entity model only reads '{ENTITY_MODEL_LANGUAGE}'"
        )
        return LanguageVerdict(language, confidence, reason)
    return LanguageVerdict(language, confidence, None)
