"""The language detector the pipeline is given: lingua, restricted to common news languages.

Restricting the candidates keeps memory small (low-accuracy mode: trigram models only, about
45 MB resident for the set below, loaded up front so no request pays for it) and avoids rare
languages winning on short text. lingua ships its models inside the wheel: nothing is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# ISO 639-1 codes: the languages a news feed most often carries.
COMMON_LANGUAGES = (
    "en", "fr", "de", "es", "pt", "it", "nl", "ru", "uk", "pl", "tr", "ar", "zh", "ja", "ko",
    "hi", "id", "sv", "da", "fa", "he", "el", "cs", "ro", "vi",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LinguaDetector:
    detector: Any  # lingua.LanguageDetector

    def detect(self, text: str) -> tuple[str, float] | None:
        values = self.detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0.0:
            return None
        best = values[0]
        return best.language.iso_code_639_1.name.lower(), float(best.value)


def load_language_detector(codes: tuple[str, ...] = COMMON_LANGUAGES) -> LinguaDetector:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    languages = [IsoCode639_1.from_str(code) for code in codes]
    detector = (
        LanguageDetectorBuilder.from_iso_codes_639_1(*languages)
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )
    return LinguaDetector(detector)
