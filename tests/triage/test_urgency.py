"""Urgency: a caseworker sees why a tip is urgent, in the resident's own words, in every language."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from triage.urgency import (
    REASON_CODES,
    REASON_LABELS,
    UrgencyReason,
    describe_reason,
    reasons_as_json,
    score_urgency,
)

# People locked in a truck heading to the border now, with weapons; and the words a caseworker
# should be shown for each reason, exactly as the resident wrote them.
TRUCK_TIPS: dict[str, tuple[str, dict[str, str]]] = {
    "en": (
        "Six people locked in a truck trailer, no air, heading to the border now. The driver has rifles.",
        {"people_in_danger": "locked in", "imminent": "now", "vehicle_moving": "heading to", "weapons": "rifles"},
    ),
    "es": (
        "Hay seis personas encerradas en la caja de un tráiler, sin aire. Se dirige a la frontera ahora mismo y el chofer lleva armas.",
        {"people_in_danger": "encerradas", "imminent": "ahora mismo", "vehicle_moving": "Se dirige", "weapons": "armas"},
    ),
    "fr": (
        "Six personnes enfermées dans la remorque d'un camion, sans air. Il se dirige vers la frontière maintenant, le chauffeur a des fusils.",
        {"people_in_danger": "enfermées", "imminent": "maintenant", "vehicle_moving": "se dirige vers", "weapons": "fusils"},
    ),
    "ar": (
        "ستة أشخاص محتجزون في مقطورة شاحنة بلا هواء، متجهة نحو الحدود الآن، والسائق معه أسلحة.",
        {"people_in_danger": "محتجزون", "imminent": "الآن", "vehicle_moving": "متجهة", "weapons": "أسلحة"},
    ),
    "pt": (
        "Seis pessoas trancadas na carreta de um caminhão, sem ar, indo para a fronteira agora. O motorista tem fuzis.",
        {"people_in_danger": "trancadas", "imminent": "agora", "vehicle_moving": "indo para", "weapons": "fuzis"},
    ),
    "ru": (
        "Шесть человек заперты в кузове фуры, без воздуха, едут в сторону границы сейчас. У водителя оружие.",
        {"people_in_danger": "заперты", "imminent": "сейчас", "vehicle_moving": "едут в сторону", "weapons": "оружие"},
    ),
}

VAGUE_TIPS = {
    "en": "There is a strange car parked near the church sometimes.",
    "es": "A veces hay un carro extraño estacionado cerca de la iglesia.",
    "fr": "Il y a parfois une voiture bizarre garée près de l'église.",
    "ar": "أحيانا توجد سيارة غريبة متوقفة قرب الكنيسة.",
    "pt": "Às vezes tem um carro estranho parado perto da igreja.",
    "ru": "Иногда возле церкви стоит странная машина.",
}

ALL_CRIME_LABELS = ["people_smuggling", "arms_trafficking", "violence_threat", "drug_trafficking"]


def _evidence(text: str, language: str = "", **kwargs: object) -> dict[str, str]:
    return {reason.code: reason.evidence for reason in score_urgency(text, language, **kwargs).reasons}


@pytest.mark.parametrize("language", TRUCK_TIPS)
def test_people_locked_in_a_truck_heading_to_the_border_now_with_weapons_score_high(language: str) -> None:
    text, expected = TRUCK_TIPS[language]
    urgency = score_urgency(text, language)
    assert urgency.score >= 90
    assert _evidence(text, language) | expected == _evidence(text, language)


@pytest.mark.parametrize("language", TRUCK_TIPS)
def test_every_piece_of_evidence_is_found_in_the_original_text(language: str) -> None:
    text, _expected = TRUCK_TIPS[language]
    urgency = score_urgency(text, language, labels=ALL_CRIME_LABELS, occurred_window="now", reporter_count=3)
    assert all(reason.evidence in text for reason in urgency.reasons)


@pytest.mark.parametrize(
    ("text", "code", "evidence"),
    [
        ("Vimos hombres ARMADOS en la playa", "weapons", "ARMADOS"),
        ("Они пришли с оружием", "weapons", "оружием"),
        ("Водитель вооружён", "weapons", "вооружён"),
        ("رجال مُسَلَّحُونَ عند المعبر", "weapons", "مُسَلَّحُونَ"),
        ("جاؤوا بالسـلاح", "weapons", "بالسـلاح"),
        ("رأيت الأطفال في الشاحنة", "children", "الأطفال"),
        ("Les enfants sont enfermés", "people_in_danger", "enfermés"),
        ("Il est arme\u0301", "weapons", "arme\u0301"),  # the accent typed as a separate mark
        ("Crianças sufocando no baú", "people_in_danger", "sufocando"),
        ("A 12-year-old girl was with them", "children", "12-year-old"),
        ("Amenazaron al vecino", "violence", "Amenazaron"),
        ("Избили водителя", "violence", "Избили"),
    ],
)
def test_inflected_and_accented_words_match_and_are_shown_as_written(text: str, code: str, evidence: str) -> None:
    assert _evidence(text).get(code) == evidence


@pytest.mark.parametrize(
    "text",
    [
        "They were not armed",
        "No hay armas en el camión",
        "Ils n'ont pas d'armes",
        "Não havia armas",
        "Были без оружия",
        "لا يوجد سلاح",
        "There were no children",
    ],
)
def test_a_denied_mention_is_not_a_reason(text: str) -> None:
    assert score_urgency(text).reasons == ()


def test_a_negation_cut_off_by_punctuation_does_not_deny() -> None:
    assert _evidence("No! They have guns", "en")["weapons"] == "guns"


def test_without_denies_only_the_next_word() -> None:
    assert _evidence("شاحنة بلا ماء وأطفال يبكون", "ar")["children"] == "وأطفال"


def test_portuguese_no_means_in_the_and_denies_nothing() -> None:
    assert _evidence("Armas no caminhão, crianças no baú", "pt").keys() >= {"weapons", "children"}


@pytest.mark.parametrize(
    "text",
    ["Nowhere to go, I know", "Snow on the road", "Armenian traders", "Tue 14:00 at the market", "minor injuries",
     "skilled workers", "infantry", "a 35-year-old man", "Он пытался уйти", "автоматически", "Granada"],
)
def test_look_alike_words_give_no_reason(text: str) -> None:
    assert score_urgency(text).reasons == ()


@pytest.mark.parametrize(
    "text",
    ["The customs officer took a bribe", "le dieron mordida al aduanero", "pot-de-vin au douanier", "propina pro guarda",
     "дал взятку гаишнику", "دفعنا رشوة للجمركي"],
)
def test_a_bribe_is_not_a_weapon(text: str) -> None:
    assert score_urgency(text).reasons == ()


@pytest.mark.parametrize(
    ("text", "language"),
    [("boxes of kids toys", "en"), ("killer deal on phones", "en"), ("ropa de bebé y precios bomba", "es"),
     ("jouets pour enfants, prix bombe", "fr"), ("carrinho de bebê", "pt"), ("детские игрушки, взрывные цены", "ru"),
     ("بمحل ألعاب الأطفال", "ar")],
)
def test_goods_for_children_and_advert_hype_are_not_the_thing(text: str, language: str) -> None:
    assert score_urgency(text, language).reasons == ()


def test_children_beside_childrens_goods_still_count() -> None:
    assert _evidence("pistol parts in boxes of kids toys, 2 kids in the cab", "en")["children"] == "kids"
    assert _evidence("детские игрушки в фуре, внутри плачут дети", "ru")["children"] == "дети"


@pytest.mark.parametrize("language", VAGUE_TIPS)
def test_a_vague_suspicious_car_scores_low(language: str) -> None:
    urgency = score_urgency(VAGUE_TIPS[language], language, labels=["suspicious_activity"])
    assert 5 <= urgency.score <= 20
    assert [reason.code for reason in urgency.reasons] == ["category"]


@pytest.mark.parametrize("label", ["spam_abuse", "not_a_crime_report"])
@pytest.mark.parametrize("language", TRUCK_TIPS)
def test_spam_and_not_a_crime_labels_score_nothing_and_say_why(label: str, language: str) -> None:
    urgency = score_urgency(TRUCK_TIPS[language][0], language, labels=[label], occurred_window="now", reporter_count=5)
    assert urgency.score == 0
    assert [(reason.code, reason.points) for reason in urgency.reasons] == [("category", 0)]
    assert describe_reason(urgency.reasons[0]) == "Not a crime report or spam (+0)"


def test_a_crime_label_beside_not_a_crime_lifts_the_cap() -> None:
    text = TRUCK_TIPS["en"][0]
    assert score_urgency(text, "en", labels=["not_a_crime_report", "people_smuggling"]).score >= 90


def test_corroboration_raises_the_score_up_to_a_cap() -> None:
    text = "Drugs unloaded at the warehouse behind the petrol station."
    scores = [score_urgency(text, "en", labels=["drug_trafficking"], reporter_count=n).score for n in range(1, 10)]
    assert scores == sorted(scores)
    assert scores[0] < scores[1] < scores[2] < scores[3]
    assert scores[3] == scores[-1]


def test_the_reporters_time_window_counts_as_imminence() -> None:
    text = "A boat left the beach with people."
    now, today, unknown = (score_urgency(text, occurred_window=w).score for w in ("now", "today", ""))
    assert now > today > unknown


def test_words_in_the_text_beat_the_window_when_as_strong() -> None:
    assert _evidence("They are crossing right now", occurred_window="now")["imminent"] == "right now"


@pytest.mark.parametrize(("label", "code"), [("arms_trafficking", "weapons"), ("violence_threat", "violence")])
def test_a_serious_label_alone_is_a_reason_without_words(label: str, code: str) -> None:
    assert _evidence("Something is going on at the crossing.", labels=[label])[code] == ""


@pytest.mark.parametrize("language", TRUCK_TIPS)
def test_the_score_never_exceeds_100(language: str) -> None:
    text = TRUCK_TIPS[language][0] + " Children, grenades, shooting, kidnapped."
    urgency = score_urgency(text, language, labels=ALL_CRIME_LABELS, occurred_window="now", reporter_count=50)
    assert urgency.score == 100


def test_reasons_come_once_each_strongest_first() -> None:
    urgency = score_urgency("Now, right now: knives and rifles and grenades, they shot him", labels=["arms_trafficking"])
    codes = [reason.code for reason in urgency.reasons]
    assert len(codes) == len(set(codes))
    assert [r.points for r in urgency.reasons] == sorted((r.points for r in urgency.reasons), reverse=True)
    assert _evidence("knives and rifles and grenades")["weapons"] == "grenades"


def test_reasons_read_as_english_sentences() -> None:
    assert describe_reason(UrgencyReason("weapons", 25, "rifles")) == "Weapons mentioned: “rifles” (+25)"
    assert describe_reason(UrgencyReason("imminent", 35, "")) == "Happening now or about to happen (+35)"
    assert describe_reason(UrgencyReason("corroborated", 10, "")) == "Corroborated by 2 reporters (+10)"
    assert describe_reason(UrgencyReason("corroborated", 30, "")) == "Corroborated by 4 or more reporters (+30)"
    assert describe_reason(UrgencyReason("category", -75, "")) == "Not a crime report or spam (-75)"


def test_rows_stored_with_the_reporter_count_as_evidence_still_read_well() -> None:
    assert describe_reason({"code": "corroborated", "points": 20, "evidence": "3"}) == "Corroborated by 3 reporters (+20)"


def test_reasons_survive_json_and_read_the_same() -> None:
    urgency = score_urgency(TRUCK_TIPS["en"][0], "en", labels=["people_smuggling"], reporter_count=3)
    stored = json.loads(json.dumps(reasons_as_json(urgency)))
    assert all(set(item) == {"code", "points", "evidence"} for item in stored)
    assert [describe_reason(item) for item in stored] == [describe_reason(r) for r in urgency.reasons]
    assert "Corroborated by 3 reporters (+20)" in [describe_reason(item) for item in stored]


def test_every_reason_reads_without_error_in_spanish() -> None:
    reasons = [UrgencyReason(code, 10, "x") for code in REASON_CODES] + [UrgencyReason("category", -40, "")]
    with translation.override("es"):
        assert all(describe_reason(reason) for reason in reasons)


def test_every_reason_code_has_a_label() -> None:
    assert set(REASON_LABELS) == set(REASON_CODES)

