"""Urgency: a 0–100 score with reasons a caseworker can read, in every shipped language.

Each reason has a lexicon of word stems per language, matched at word starts on a normalised
copy of the text that keeps every character's position, so the evidence shown is the
resident's own words. Points add up to at most 100; each reason counts once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy, ngettext

REASON_CODES = ("imminent", "weapons", "children", "people_in_danger", "violence", "vehicle_moving", "corroborated", "category")

REASON_LABELS = {
    "imminent": gettext_lazy("Happening now or about to happen"),
    "weapons": gettext_lazy("Weapons mentioned"),
    "children": gettext_lazy("Children mentioned"),
    "people_in_danger": gettext_lazy("People in danger"),
    "violence": gettext_lazy("Violence or threats"),
    "vehicle_moving": gettext_lazy("Vehicle on the move"),
    "category": gettext_lazy("Serious category"),
}

POINTS = {"imminent": 25, "weapons": 25, "children": 20, "people_in_danger": 30, "violence": 20, "vehicle_moving": 10}

# Word stems (normalised: lower case, no accents, Arabic letters unified). A stem matches at
# the start of a word, and Arabic stems also after the prefixes و ف ب ل ال.
LEXICON: dict[str, list[str]] = {
    "imminent": [
        "right now", "now", "tonight", "this night", "in an hour", "in a few minutes", "happening", "currently",
        "ahora", "ahorita", "esta noche", "en este momento", "ya mismo", "esta pasando", "en una hora",
        "maintenant", "ce soir", "cette nuit", "en ce moment", "dans une heure", "tout de suite",
        "agora", "esta noite", "neste momento", "agorinha", "daqui a pouco",
        "сейчас", "прямо сейчас", "сегодня ночью", "этой ночью", "через час", "в данный момент",
        "الان", "الآن", "الليله", "حاليا", "بعد ساعه", "في هذه اللحظه",
    ],
    "weapons": [
        "gun", "guns", "rifle", "pistol", "weapon", "ammo", "ammunition", "grenade", "explosive", "armed", "kalash", "ak-47",
        "arma", "armas", "armado", "fusil", "pistola", "municion", "granada", "explosivo", "escopeta", "cuerno de chivo",
        "arme", "armes", "arme", "fusil", "pistolet", "munition", "grenade", "explosif", "kalach",
        "arma", "armado", "fuzil", "pistola", "municao", "municoes", "granada", "explosivo", "espingarda",
        "оруж", "вооруж", "автомат", "пистолет", "винтовк", "патрон", "гранат", "взрывчат", "ствол",
        "سلاح", "اسلحه", "مسلح", "بندقي", "مسدس", "ذخير", "قنبل", "متفجر", "كلاشن",
    ],
    "children": [
        "child", "children", "kid", "kids", "minor", "minors", "baby", "babies", "teenager", "girls", "boys", "underage",
        "nino", "ninos", "nina", "ninas", "menor", "menores", "bebe", "adolescente", "chamac",
        "enfant", "mineur", "bebe", "adolescent", "fillette", "gamin",
        "crianca", "criancas", "menor", "menores", "bebe", "adolescente", "menina", "menino",
        "дет", "ребен", "ребён", "несовершеннолет", "малолет", "младен", "подрост", "девочк", "мальчик",
        "طفل", "اطفال", "قاصر", "رضيع", "صغار", "بنات صغيرات",
    ],
    "people_in_danger": [
        "locked in", "no air", "no water", "suffocat", "drown", "held against", "kidnap", "hostage", "injured", "sick people",
        "can't breathe", "cannot breathe", "trapped", "dying", "packed in",
        "encerrad", "sin aire", "sin agua", "asfixi", "ahog", "secuestr", "rehen", "herid", "atrapad", "amontonad",
        "enferme", "sans air", "sans eau", "etouff", "noy", "sequestr", "otage", "blesse", "entasse",
        "trancad", "sem ar", "sem agua", "sufoc", "afog", "sequestr", "refem", "ferid", "presos",
        "заперт", "без воздуха", "без воды", "задыха", "тонут", "тонет", "похищ", "заложник", "ранен", "взаперти",
        "محتجز", "محبوس", "بلا ماء", "بدون هواء", "يختنق", "اختناق", "غرق", "مخطوف", "خطف", "رهين", "جريح", "مصاب",
    ],
    "violence": [
        "threat", "beat", "beaten", "shoot", "shot", "shooting", "killed", "murder", "assault", "attack", "stab",
        "amenaz", "golpe", "dispar", "balacer", "mataron", "asesin", "agred", "apunal",
        "menac", "frapp", "tabass", "tir", "tue", "meurtre", "agress", "poignard",
        "ameac", "espanc", "tiro", "atir", "mataram", "assassin", "agred", "esfaque",
        "угрож", "изби", "стрел", "убил", "убий", "напад", "нож",
        "تهديد", "هدد", "ضرب", "اطلاق نار", "رصاص", "قتل", "اعتداء", "طعن",
    ],
    "vehicle_moving": [
        "heading to", "on its way", "on their way", "just left", "crossing now", "driving toward", "moving toward",
        "se dirige", "va hacia", "van hacia", "acaba de salir", "cruzando ahora", "en camino",
        "se dirige vers", "vient de partir", "en route", "roule vers",
        "indo para", "acabou de sair", "a caminho", "seguindo para",
        "едет в сторону", "едут в сторону", "направля", "только что выехал", "выехали", "в пути",
        "متجه", "متجهه", "غادر للتو", "في الطريق", "في طريقها",
    ],
}

# Base points by classifier label; the labels that mean "not a crime" cap the whole score.
CATEGORY_POINTS = {"people_smuggling": 15, "arms_trafficking": 15, "violence_threat": 15, "drug_trafficking": 10,
                   "corruption": 5, "illegal_crossing": 5, "goods_smuggling": 3, "suspicious_activity": 3}
LABEL_REASONS = {"arms_trafficking": "weapons", "violence_threat": "violence"}
CAPPING_LABELS = {"not_a_crime_report": 5, "spam_abuse": 0}
WINDOW_POINTS = {"now": 25, "today": 10}


@dataclass(frozen=True)
class UrgencyReason:
    code: str
    points: int
    evidence: str


@dataclass(frozen=True)
class Urgency:
    score: int
    reasons: tuple[UrgencyReason, ...]


_ARABIC_MAP = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه", "ـ": ""})
_TASHKEEL = re.compile(r"[\u064B-\u0652]")


def normalise(text: str) -> str:
    """Same length as `text`: lower case, accents and tashkeel replaced in place, letters unified."""
    out = []
    for char in text.lower():
        if _TASHKEEL.match(char) or char == "ـ":
            out.append(" ")
            continue
        base = unicodedata.normalize("NFD", char)[0] if "\u00c0" <= char <= "\u024f" else char
        out.append(base.translate(_ARABIC_MAP) or " ")
    return "".join(out)


def _compile(stems: list[str]) -> re.Pattern[str]:
    words = sorted({normalise(s) for s in stems}, key=len, reverse=True)
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    # Word start: not after a letter, except the Arabic prefixes و ف ب ل and ال.
    return re.compile(rf"(?:(?<!\w)|(?<=(?<!\w)[وفبل])|(?<=(?<!\w)ال)|(?<=(?<!\w)وال))(?:{alternatives})\w*")


_PATTERNS = {code: _compile(stems) for code, stems in LEXICON.items()}


def score_urgency(
    text: str,
    language: str = "",
    labels: Collection[str] = (),
    occurred_window: str = "",
    reporter_count: int = 1,
) -> Urgency:
    normalised = normalise(text)
    reasons: dict[str, UrgencyReason] = {}
    for code, pattern in _PATTERNS.items():
        match = pattern.search(normalised)
        if match:
            reasons[code] = UrgencyReason(code, POINTS[code], text[match.start():match.end()])
    if occurred_window in WINDOW_POINTS:
        points = max(WINDOW_POINTS[occurred_window], reasons["imminent"].points if "imminent" in reasons else 0)
        evidence = reasons["imminent"].evidence if "imminent" in reasons else ""
        reasons["imminent"] = UrgencyReason("imminent", points, evidence)
    for label, code in LABEL_REASONS.items():
        if label in labels and code not in reasons:
            reasons[code] = UrgencyReason(code, POINTS[code] // 2, "")
    category_points = max((CATEGORY_POINTS.get(label, 0) for label in labels), default=0)
    if category_points:
        strongest = max((label for label in labels if label in CATEGORY_POINTS), key=CATEGORY_POINTS.__getitem__)
        reasons["category"] = UrgencyReason("category", category_points, strongest)
    if reporter_count >= 2:
        reasons["corroborated"] = UrgencyReason("corroborated", min(30, 10 * (reporter_count - 1)), str(reporter_count))
    score = min(100, sum(reason.points for reason in reasons.values()))
    caps = [CAPPING_LABELS[label] for label in labels if label in CAPPING_LABELS]
    if caps and not (set(labels) - set(CAPPING_LABELS)):
        score = min(score, min(caps))
    ordered = tuple(sorted(reasons.values(), key=lambda r: (-r.points, r.code)))
    return Urgency(score, ordered)


def reasons_as_json(urgency: Urgency) -> list[dict[str, object]]:
    return [{"code": r.code, "points": r.points, "evidence": r.evidence} for r in urgency.reasons]


def describe_reason(reason: UrgencyReason | dict[str, object]) -> str:
    """One translated line for caseworkers, e.g. 'Weapons mentioned: “rifles” (+25)'."""
    if isinstance(reason, dict):
        reason = UrgencyReason(str(reason["code"]), int(reason["points"]), str(reason.get("evidence", "")))
    if reason.code == "corroborated":
        count = int(reason.evidence or 2)
        label = ngettext("Corroborated by %(count)d reporter", "Corroborated by %(count)d reporters", count) % {"count": count}
    else:
        label = str(REASON_LABELS.get(reason.code, reason.code))
        if reason.evidence:
            label = gettext("%(reason)s: “%(evidence)s”") % {"reason": label, "evidence": reason.evidence}
    return f"{label} (+{reason.points})"
