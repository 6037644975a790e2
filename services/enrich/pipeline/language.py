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
# Below this confidence the detector's answer is not reported as the language: on short text
# lingua's low-accuracy mode says "nl" or "sv" at 0.59 for plain English. The guess is kept
# apart (`guess`) and the record is flagged language_uncertain.
MIN_CONFIDENCE_TO_REPORT = 0.8
ENTITY_MODEL_LANGUAGE = "en"


class LanguageDetector(Protocol):
    def detect(self, text: str) -> tuple[str, float] | None: ...


@dataclass(frozen=True, slots=True)
class LanguageVerdict:
    language: str | None
    confidence: float | None
    skip_entities_reason: str | None
    # Set when the detector was asked but could not tell: why, and its best guess if any.
    uncertain_reason: str | None = None
    guess: str | None = None


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


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def _detect(text: str, detector: LanguageDetector) -> tuple[tuple[str, float] | None, int]:
    """The detector's answer and how many letters of ordinary words it read. On short text the
    words set aside (names, numbers) are read too, and the more confident answer wins: "Apple
    shares fell 3% after the earnings call" is Swedish (0.62) without its names, English (0.86)
    with them."""
    sample = _sample(text)
    letters = _letters(sample)
    on_sample = detector.detect(sample) if letters >= MIN_SAMPLE_LETTERS else None
    if letters >= MIN_SAMPLE_LETTERS_TO_SKIP:
        return on_sample, letters
    whole = text[:SAMPLE_CHARS].strip()
    on_whole = detector.detect(whole) if _letters(whole) >= MIN_SAMPLE_LETTERS else None
    answers = [a for a in (on_sample, on_whole) if a is not None]
    return (max(answers, key=lambda a: a[1]) if answers else None), letters


def judge_language(
    text: str, *, hint: str | None, detector: LanguageDetector | None
) -> LanguageVerdict:
    if detector is None:
        return LanguageVerdict(hint, None, None)
    detected, letters = _detect(text, detector)
    if detected is None:
        reason = "too little text to tell the language" if text.strip() else "no text"
        return LanguageVerdict(hint, None, None, uncertain_reason=reason)
    language, confidence = detected
    confidence = round(confidence, 4)
    if confidence < MIN_CONFIDENCE_TO_REPORT:
        reason = (
            f"detector unsure: best guess '{language}' at {confidence:.2f} "
            f"(below {MIN_CONFIDENCE_TO_REPORT})"
        )
        return LanguageVerdict(hint, confidence, None, uncertain_reason=reason, guess=language)
    sure = confidence >= MIN_CONFIDENCE_TO_SKIP and letters >= MIN_SAMPLE_LETTERS_TO_SKIP
    if language != ENTITY_MODEL_LANGUAGE and sure:
        reason = (
            f"language detected as '{language}' (confidence {confidence:.2f}); "
            f"the entity model only reads '{ENTITY_MODEL_LANGUAGE}'"
        )
        return LanguageVerdict(language, confidence, reason)
    return LanguageVerdict(language, confidence, None)
