"""Realistic tip bodies for load generation: several languages, 10 to 500 characters.

Made up, but shaped like what residents write: one to a few sentences about smuggling,
trafficking or extortion near a border, sometimes with a place, sometimes with a time.
"""

from __future__ import annotations

import json
import random

# Sentences per language; a tip is one or more sentences of one language.
_SENTENCES: dict[str, list[str]] = {
    "en": [
        "A white van without plates crosses the river road every night around 2am.",
        "Men are charging families at the bus station to take them across the border.",
        "Three girls were brought to the hotel near the market, they looked very scared.",
        "Trucks unload boxes at the old warehouse behind the petrol station after dark.",
        "Someone is collecting 'protection money' from the shops on Main Street every Friday.",
        "I saw guns being moved from a pickup into a boat at the fishing dock.",
        "The checkpoint guards let a black SUV pass without checking it, again.",
        "Drugs are sold openly outside the school gate in the afternoon.",
        "My neighbour's son was promised a job abroad and now nobody can reach him.",
        "Please check the farm on the north road, people are kept there and not paid.",
    ],
    "es": [
        "Una camioneta blanca cruza el río todas las noches cerca de las dos.",
        "Están cobrando a las familias en la terminal para pasarlas al otro lado.",
        "Llevaron a tres muchachas al hotel junto al mercado, tenían mucho miedo.",
        "Descargan cajas en la bodega vieja detrás de la gasolinera cuando oscurece.",
        "Cada viernes cobran 'cuota' a los comercios de la calle principal.",
        "Vi que pasaban armas de una camioneta a una lancha en el muelle.",
        "En el retén dejaron pasar una camioneta negra sin revisarla otra vez.",
    ],
    "fr": [
        "Un camion sans plaques passe la frontière chaque nuit vers deux heures.",
        "Des hommes font payer les familles à la gare routière pour les faire passer.",
        "On a amené trois jeunes filles à l'hôtel près du marché, elles avaient peur.",
        "Des cartons sont déchargés dans l'entrepôt derrière la station-service la nuit.",
        "Quelqu'un rackette les commerçants de la rue principale tous les vendredis.",
        "Le poste de contrôle a laissé passer un 4x4 noir sans le fouiller.",
    ],
    "ar": [
        "شاحنة بيضاء بدون لوحات تعبر طريق النهر كل ليلة حوالي الساعة الثانية.",
        "رجال يأخذون المال من العائلات في محطة الحافلات لتهريبهم عبر الحدود.",
        "أحضروا ثلاث فتيات إلى الفندق قرب السوق وكن خائفات جدا.",
        "يفرغون صناديق في المستودع القديم خلف محطة الوقود بعد المغرب.",
        "شخص يجمع إتاوات من المحلات في الشارع الرئيسي كل جمعة.",
    ],
    "pt": [
        "Uma van branca sem placa atravessa a estrada do rio todas as noites.",
        "Estão cobrando das famílias na rodoviária para levá-las para o outro lado.",
        "Levaram três meninas para o hotel perto do mercado, pareciam assustadas.",
        "Descarregam caixas no armazém velho atrás do posto de gasolina à noite.",
        "Vi armas sendo passadas de uma caminhonete para um barco no cais.",
    ],
    "ru": [
        "Белый фургон без номеров каждую ночь около двух часов пересекает границу.",
        "На автовокзале с семей берут деньги, чтобы переправить их через границу.",
        "В гостиницу у рынка привезли трёх девушек, они были очень напуганы.",
        "Ночью разгружают коробки на старом складе за заправкой.",
        "По пятницам кто-то собирает деньги с магазинов на главной улице.",
    ],
}
_PLACES = ["Río Bravo crossing", "Puerto Norte", "Gare routière de Kati", "Mercado central", ""]
_WINDOWS = ["now", "today", "yesterday", "this_week", "earlier", ""]
MIN_CHARS, MAX_CHARS = 10, 500


def _tip_text(rng: random.Random, language: str) -> str:
    """One to a few sentences, or a terse fragment; always within MIN_CHARS..MAX_CHARS."""
    sentences = _SENTENCES[language]
    if rng.random() < 0.15:  # people also send a few words only
        return rng.choice(sentences)[: rng.randint(MIN_CHARS, 40)].strip().ljust(MIN_CHARS, ".")
    target = rng.randint(60, MAX_CHARS)
    shuffled = rng.sample(sentences, len(sentences))  # no sentence twice in one tip
    parts: list[str] = []
    while shuffled and sum(len(p) + 1 for p in parts) < target:
        parts.append(shuffled.pop())
    text = " ".join(parts)
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rsplit(" ", 1)[0]
    return text


def tip_payload(rng: random.Random) -> dict[str, object]:
    """An API body as a resident's app would send it; optional fields present now and then."""
    language = rng.choice(list(_SENTENCES))
    payload: dict[str, object] = {"text": _tip_text(rng, language)}
    if rng.random() < 0.5:
        payload["language"] = language
    place = rng.choice(_PLACES)
    if place:
        payload["place_name"] = place
    window = rng.choice(_WINDOWS)
    if window:
        payload["occurred"] = window
    if rng.random() < 0.3:
        payload["latitude"] = round(rng.uniform(-30, 35), 5)
        payload["longitude"] = round(rng.uniform(-110, 40), 5)
        payload["location_precision_m"] = rng.choice([50, 500, 5000])
    return payload


def encoded_payloads(count: int, seed: int = 2024) -> list[bytes]:
    """`count` JSON bodies, encoded once up front so the load client spends no time on them."""
    rng = random.Random(seed)
    return [json.dumps(tip_payload(rng), ensure_ascii=False).encode() for _ in range(count)]
