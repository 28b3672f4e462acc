"""Identifiers in tip text (phones, e-mails, plates, IDs, amounts, coordinates, links, handles,
names) as typed spans, and redaction with typed placeholders. See docs/triage.md.

Regular expressions find the shaped identifiers; a spaCy Matcher on a blank tokenizer finds
person names where rules can tell (a title or "named …" before capitalised words). Offsets are
character offsets into the original text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache

import spacy
from django.conf import settings
from spacy.matcher import Matcher

IDENTIFIER_TYPES = ("phone", "email", "plate", "id_number", "money", "coordinates", "link", "handle", "person")
PLACEHOLDERS = {
    "phone": "[PHONE]", "email": "[EMAIL]", "plate": "[PLATE]", "id_number": "[ID]", "money": "[AMOUNT]",
    "coordinates": "[COORDINATES]", "link": "[LINK]", "handle": "[HANDLE]", "person": "[NAME]",
}
# When spans overlap, the earlier type in this list wins (then the longer span).
_PRIORITY = ["email", "link", "coordinates", "id_number", "money", "phone", "plate", "handle", "person"]

_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_D = r"[0-9٠-٩]"

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_LINK = re.compile(r"\b(?:https?://\S+|(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|me|io|info|ru|es|fr|pt|br|mx|ar|co|ly|gg|app)(?:/\S*)?)", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{2,31}\b")
_PHONE = re.compile(rf"(?<![\w+])(?:\+|00)?(?:\(?{_D}{{1,4}}\)?[\s.\-]?){{2,6}}{_D}{{2,4}}(?![\w])")
_COORD_DECIMAL = re.compile(r"(?<![\d.])(-?\d{1,2}\.\d{3,})\s*,\s*(-?\d{1,3}\.\d{3,})(?![\d.])")
_COORD_DMS = re.compile(r"(\d{1,2})°\s*(\d{1,2})['′]\s*(?:(\d{1,2}(?:\.\d+)?)[\"″])?\s*([NS])[,\s]+(\d{1,3})°\s*(\d{1,2})['′]\s*(?:(\d{1,2}(?:\.\d+)?)[\"″])?\s*([EWO])")
_CURRENCY_WORDS = (
    r"usd|eur|mxn|rub|brl|cop|fcfa|xof|dzd|mad|egp|lyd|dollars?|d[oó]lares|euros?|pesos|reais|reales|bol[ií]vares|"
    r"francs?|dinars?|dirhams?|руб(?:лей|ля|ль)?\.?|долларов|доллара|евро|тенге|сомов|دولار|دولارات|يورو|دينار|درهم|جنيه|ليرة"
)
_MONEY = re.compile(
    rf"(?:(?:[$€£₽]|R\$|US\$)\s?{_D}[\d.,\s]*{_D}?|{_D}[\d.,\s]*(?:\s?(?:mil|thousand|mille|тыс\.?|ألف))?\s?(?:[$€£₽]|\b(?:{_CURRENCY_WORDS})\b|(?:{_CURRENCY_WORDS})))",
    re.IGNORECASE,
)
_ID_KEYWORDS = (
    r"passport|passeport|pasaporte|passaporte|паспорт\w*|جواز(?: السفر)?|dni|curp|cpf|rg|nin|id|cédula|cedula|"
    r"carte d'identité|identity card|удостоверени\w*|رقم الهوية|الهوية"
)
_ID_NUMBER = re.compile(rf"(?:\b(?:{_ID_KEYWORDS})\b|(?:{_ID_KEYWORDS}))[\s:#№No.]*([A-Z0-9][A-Z0-9.\- ]{{4,18}}[A-Z0-9])", re.IGNORECASE)
_ID_SHAPE = re.compile(r"\b[A-Z]{1,2}\d{7,9}\b")
_PLATE_KEYWORDS = re.compile(r"(?:plate|placas?|plaque|immatriculation|matr[ií]cula|номер|госномер|لوحة|رقم اللوحة)\W{0,3}$", re.IGNORECASE)

_TITLES = {
    "mr", "mrs", "ms", "mr.", "mrs.", "ms.", "don", "doña", "dona", "sr", "sra", "sr.", "sra.", "señor", "señora",
    "m.", "mme", "mme.", "monsieur", "madame",
    "seu", "senhor", "senhora", "господин", "госпожа", "السيد", "السيدة", "الحاج", "أبو", "ابو",
}
_NAMED = {
    "named", "called", "nicknamed", "alias", "llamado", "llamada", "apodado", "apodada", "appelé", "appelée",
    "surnommé", "chamado", "chamada", "зовут", "кличке", "يدعى", "اسمه", "الملقب",
}


@dataclass(frozen=True)
class IdentifierSpan:
    type: str
    start: int
    end: int
    text: str
    normalized: str


def _alnum_upper(value: str) -> str:
    return re.sub(r"[\W_]", "", value.translate(_ARABIC_DIGITS)).upper()


@cache
def _plate_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?![\w-])")


@cache
def identifier_matcher(language: str) -> tuple[spacy.Language, Matcher]:
    try:
        nlp = spacy.blank(language or "xx")
    except (ImportError, KeyError, ValueError):
        nlp = spacy.blank("xx")
    matcher = Matcher(nlp.vocab)
    capitalised = {"IS_TITLE": True, "IS_ALPHA": True}
    matcher.add("TITLE", [
        [{"LOWER": {"IN": sorted(_TITLES)}}, {"ORTH": ".", "OP": "?"}, capitalised, {**capitalised, "OP": "?"}],
    ])
    matcher.add("NAMED", [[{"LOWER": {"IN": sorted(_NAMED)}}, capitalised, {**capitalised, "OP": "?"}]])
    # Arabic has no capitals: after a title or "named", take the next one or two Arabic words.
    arabic = {"TEXT": {"REGEX": r"^[\u0621-\u064A]{2,}$"}}
    # One word only: Arabic names are often followed by a verb that would look the same.
    matcher.add("ARABIC", [[{"TEXT": {"IN": ["السيد", "السيدة", "الحاج", "أبو", "ابو", "يدعى", "اسمه", "الملقب"]}}, arabic]])
    return nlp, matcher


def _persons(text: str, language: str) -> list[IdentifierSpan]:
    nlp, matcher = identifier_matcher(language)
    doc = nlp.make_doc(text)
    spans = []
    for match_id, start, end in matcher(doc):
        span = doc[start:end]
        title_words = 1 + (1 if end - start > 2 and doc[start + 1].text == "." else 0)
        name_tokens = [t.text for t in span[title_words:]]
        if not name_tokens:
            continue
        if nlp.vocab.strings[match_id] == "NAMED":
            start_char = span[1].idx
        else:
            start_char = span.start_char
        spans.append(IdentifierSpan("person", start_char, span.end_char, text[start_char:span.end_char],
                                    " ".join(name_tokens).lower()))
    return spans


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value.translate(_ARABIC_DIGITS))


def _candidates(text: str, language: str) -> list[IdentifierSpan]:
    found: list[IdentifierSpan] = []

    def add(kind: str, match: re.Match[str], normalized: str, group: int = 0) -> None:
        start, end = match.span(group)
        while end > start and text[end - 1] in " \t\n.,;:":  # trailing separators are not part of it
            end -= 1
        found.append(IdentifierSpan(kind, start, end, text[start:end], normalized))

    for m in _EMAIL.finditer(text):
        add("email", m, m.group(0).lower())
    for m in _LINK.finditer(text):
        if "@" not in text[max(0, m.start() - 1):m.start()]:
            add("link", m, re.sub(r"^https?://(www\.)?", "", m.group(0).lower()).rstrip("/.,"))
    for m in _HANDLE.finditer(text):
        add("handle", m, m.group(0).lower())
    for m in _COORD_DECIMAL.finditer(text):
        lat, lon = float(m.group(1)), float(m.group(2))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            add("coordinates", m, f"{lat:.4f},{lon:.4f}")
    for m in _COORD_DMS.finditer(text):
        lat = int(m.group(1)) + int(m.group(2)) / 60 + float(m.group(3) or 0) / 3600
        lon = int(m.group(5)) + int(m.group(6)) / 60 + float(m.group(7) or 0) / 3600
        lat, lon = (-lat if m.group(4) == "S" else lat), (-lon if m.group(8) in "WO" else lon)
        add("coordinates", m, f"{lat:.4f},{lon:.4f}")
    for m in _ID_NUMBER.finditer(text):
        if len(_digits(m.group(1))) >= 4:
            add("id_number", m, _alnum_upper(m.group(1)))
    for m in _ID_SHAPE.finditer(text):
        add("id_number", m, m.group(0))
    for m in _MONEY.finditer(text):
        if _digits(m.group(0)) or re.search(r"mil|thousand|mille", m.group(0), re.IGNORECASE):
            add("money", m, " ".join(m.group(0).lower().split()))
    for m in _PHONE.finditer(text):
        digits = _digits(m.group(0))
        raw = m.group(0).strip()
        if len(digits) >= 8 and not re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", raw):
            prefix = "+" if raw.startswith(("+", "00")) else ""
            add("phone", m, prefix + (digits[2:] if raw.startswith("00") else digits))
    plates = _plate_regex(tuple(settings.TIPLINE_PLATE_PATTERNS))
    for m in plates.finditer(text):
        value = m.group(0)
        if any(c.isalpha() for c in value) and any(c.isdigit() for c in value):
            add("plate", m, _alnum_upper(value))
    # Lower-case plates only right after a word that says "plate".
    for m in plates.finditer(text.upper()):
        if not text[m.start():m.end()].isupper() and _PLATE_KEYWORDS.search(text[: m.start()]):
            add("plate", m, _alnum_upper(m.group(0)))
    found.extend(_persons(text, language))
    return found


def find_identifiers(text: str, language: str = "") -> list[IdentifierSpan]:
    """Non-overlapping spans sorted by start; on overlap the more specific, then longer, wins."""
    ranked = sorted(_candidates(text, language), key=lambda s: (_PRIORITY.index(s.type), -(s.end - s.start), s.start))
    chosen: list[IdentifierSpan] = []
    for span in ranked:
        if all(span.end <= other.start or span.start >= other.end for other in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def redact(text: str, spans: Sequence[IdentifierSpan], keep: Collection[str] = ()) -> str:
    """Replace each span whose type is not in `keep` by its placeholder."""
    parts: list[str] = []
    position = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.type in keep or span.start < position:
            continue
        parts.append(text[position:span.start])
        parts.append(PLACEHOLDERS[span.type])
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


def redact_text(text: str, language: str = "", keep: Collection[str] = ()) -> tuple[str, list[IdentifierSpan]]:
    spans = find_identifiers(text, language)
    return redact(text, spans, keep), spans
