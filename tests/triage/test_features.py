"""What the classifier reads: one concept for one thing in six languages, spellings that meet."""

from __future__ import annotations

import pytest

from triage.features import reading


def _concepts(text: str, language: str) -> set[str]:
    return {token for token in reading(text, language) if token.startswith("§")}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("the officer took a bribe", "en"),
        ("le dieron mordida al oficial", "es"),
        ("pot-de-vin au douanier", "fr"),
        ("propina pro guarda", "pt"),
        ("дал взятку менту", "ru"),
        ("دفعنا رشوة للشرطي", "ar"),
    ],
)
def test_a_bribe_to_an_official_reads_alike_in_six_languages(text: str, language: str) -> None:
    assert {"§bribe", "§official"} <= _concepts(text, language)


def test_russian_typed_in_latin_letters_meets_russian_in_cyrillic() -> None:
    cyrillic, latin = reading("взятку", "ru"), reading("vzyatku", "ru")
    assert "vzyatku" in cyrillic and "vzyatku" in latin
    assert "§bribe" in cyrillic and "§bribe" in latin


def test_a_latin_word_means_something_only_in_its_own_language() -> None:
    assert "§vehicle" in _concepts("the car crossed at night", "en")
    assert "§vehicle" not in _concepts("il est venu car il avait peur", "fr")  # "car": because


def test_arabic_words_are_read_without_the_article_and_prepositions_written_on_them() -> None:
    assert "§weapon" in _concepts("وجدنا السلاح بالشاحنة", "ar")
    assert "§weapon" in _concepts("وبالسلاح", "ar")


def test_concepts_outweigh_any_one_word() -> None:
    tokens = reading("cocaine", "en")
    assert tokens.count("§drug") == 2 and tokens.count("cocaine") == 1


def test_nothing_to_read_is_an_empty_reading() -> None:
    assert reading("$$$ ### ***", "en") == [] and reading("", "") == []
