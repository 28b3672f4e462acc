"""Urgency: scores with reasons a caseworker can read, in every shipped language."""

from __future__ import annotations

import pytest
from django.utils import translation

from triage.urgency import describe_reason, reasons_as_json, score_urgency

URGENT = {
    "en": "Children locked in a truck with no air, heading to the border now, men with rifles.",
    "es": "Niños encerrados en un camión sin agua, van hacia el puente ahora, hombres armados.",
    "fr": "Des enfants enfermés dans un camion sans eau, il se dirige vers la frontière maintenant, hommes armés.",
    "ar": "أطفال محتجزون في شاحنة بلا ماء، متجهة نحو الحدود الآن، ورجال مسلحون",
    "pt": "Crianças trancadas num caminhão sem água, indo para a fronteira agora, homens armados.",
    "ru": "Дети заперты в фуре без воды, едут в сторону границы сейчас, с оружием.",
}


@pytest.mark.parametrize(("language", "text"), URGENT.items())
def test_people_in_danger_now_with_weapons_scores_high_in_each_language(language: str, text: str) -> None:
    urgency = score_urgency(text, language)
    codes = {reason.code for reason in urgency.reasons}
    assert {"people_in_danger", "imminent", "weapons", "children", "vehicle_moving"} <= codes
    assert urgency.score >= 80
    for reason in urgency.reasons:
        assert reason.evidence in text  # the resident's own words, not a normalised copy
    assert [r.points for r in urgency.reasons] == sorted((r.points for r in urgency.reasons), reverse=True)


def test_a_vague_tip_scores_low() -> None:
    urgency = score_urgency("There is a strange car parked near the church sometimes.", "en", labels=["suspicious_activity"])
    assert urgency.score <= 20


def test_spam_and_questions_stay_low_whatever_they_say() -> None:
    ad = score_urgency("Buy guns now!!! cheap rifles tonight only", "en", labels=["spam_abuse"])
    assert ad.score == 0 and [reason.code for reason in ad.reasons] == ["category"]  # "now" is not imminent
    question = score_urgency("how do I report a kidnapping right now?", "en", labels=["not_a_crime_report"])
    assert question.score == 0 and [reason.code for reason in question.reasons] == ["category"]


def test_corroboration_raises_the_score_up_to_a_cap() -> None:
    text = "Drugs unloaded at the warehouse behind the petrol station."
    scores = [score_urgency(text, "en", labels=["drug_trafficking"], reporter_count=n).score for n in (1, 2, 3, 4, 8)]
    assert scores == sorted(scores) and scores[0] < scores[1] < scores[2]
    assert max(scores) <= 100


def test_the_time_window_counts_as_imminence() -> None:
    assert score_urgency("A boat left the beach.", occurred_window="now").score > score_urgency("A boat left the beach.").score


def test_reasons_read_as_sentences_and_survive_json() -> None:
    urgency = score_urgency(URGENT["en"], "en", reporter_count=3)
    lines = [describe_reason(r) for r in reasons_as_json(urgency)]
    assert "Weapons mentioned: “rifles” (+25)" in lines
    assert "Corroborated by 3 reporters (+20)" in lines
    with translation.override("es"):
        assert all(describe_reason(r) for r in reasons_as_json(urgency))
