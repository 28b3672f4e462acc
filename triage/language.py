"""Language detection: an offline detector (lingua) restricted to the deployment's languages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

# Below this many letters a guess is noise: keep the language the reporter chose instead.
MIN_LETTERS_TO_DETECT = 8
# Lingua's confidence below which the detected language is not trusted over a declared one.
MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class DetectedLanguage:
    code: str  # ISO 639-1, or "" when unknown
    confidence: float | None


@cache
def detector_for(codes: tuple[str, ...]) -> LanguageDetector:
    """Built once per process (models preloaded): ~0.7 s, so never per task."""
    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in codes]
    return LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()


def configured_detector() -> LanguageDetector:
    return detector_for(tuple(sorted(settings.TIPLINE_DETECTION_LANGUAGES)))


def detect_language(text: str, declared: str = "") -> DetectedLanguage:
    """The language `text` is written in; the declared one when the text is too short to tell."""
    fallback = DetectedLanguage(declared, None)
    if sum(char.isalpha() for char in text) < MIN_LETTERS_TO_DETECT:
        return fallback
    values = configured_detector().compute_language_confidence_values(text)
    if not values:
        return fallback
    best = values[0]
    code = best.language.iso_code_639_1.name.lower()
    if best.value < MIN_CONFIDENCE and declared:
        return fallback
    return DetectedLanguage(code, round(best.value, 4))
