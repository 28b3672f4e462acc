from __future__ import annotations

import pytest

from triage.language import detect_language

SAMPLES = {
    "en": "A white truck crosses the river every night near the old bridge without lights.",
    "es": "Un camión blanco cruza el río todas las noches cerca del puente viejo sin luces.",
    "fr": "Un camion blanc traverse la rivière chaque nuit près du vieux pont, sans phares.",
    "ar": "شاحنة بيضاء تعبر النهر كل ليلة قرب الجسر القديم دون أضواء.",
    "pt": "Um caminhão branco atravessa o rio todas as noites perto da ponte velha sem faróis.",
    "ru": "Белый грузовик каждую ночь пересекает реку у старого моста без фар.",
}


@pytest.mark.parametrize(("language", "text"), SAMPLES.items())
def test_it_detects_each_shipped_language(language: str, text: str) -> None:
    detected = detect_language(text, declared="en" if language != "en" else "es")
    assert detected.code == language and detected.confidence > 0.5


def test_too_little_text_keeps_the_declared_language() -> None:
    assert detect_language("ok 123", declared="pt").code == "pt"
    assert detect_language("!!", declared="").code == ""


def test_it_answers_only_with_configured_languages(settings) -> None:
    settings.TIPLINE_DETECTION_LANGUAGES = ["en", "fr"]
    assert detect_language(SAMPLES["es"]).code in {"en", "fr"}
