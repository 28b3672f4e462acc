"""Identifiers found and redacted in every shipped language; ordinary numbers left alone."""

from __future__ import annotations

import pytest

from triage.identifiers import find_identifiers, redact, redact_text

CASES = [
    ("en", "Call +52 55 1234 5678, the truck AB-123-CD paid $500 to Mr. John Smith at 22:30.",
     "Call [PHONE], the truck [PLATE] paid [AMOUNT] to [NAME] at 22:30.",
     {("phone", "+525512345678"), ("plate", "AB123CD"), ("money", "$500"), ("person", "john smith")}),
    ("es", "Un hombre llamado Pedro Gómez cobra 2.000 pesos; placa ABC-123-D, ver t.me/contrabando y @narco_jefe",
     "Un hombre llamado [NAME] cobra [AMOUNT]; placa [PLATE], ver [LINK] y [HANDLE]",
     {("person", "pedro gómez"), ("plate", "ABC123D"), ("link", "t.me/contrabando"), ("handle", "@narco_jefe")}),
    ("fr", "M. Dupont, immatriculation ab-123-cd, 300 euros, 06 12 34 56 78, 19°25'57\"N 99°7'59\"W",
     "[NAME], immatriculation [PLATE], [AMOUNT], [PHONE], [COORDINATES]",
     {("person", "dupont"), ("plate", "AB123CD"), ("phone", "0612345678"), ("coordinates", "19.4325,-99.1331")}),
    ("ar", "السيد أحمد يطلب ٥٠٠ دولار، هاتف +٩٦٦ ٥٥ ١٢٣ ٤٥٦٧ عند 19.4326, -99.1332",
     "[NAME] يطلب [AMOUNT]، هاتف [PHONE] عند [COORDINATES]",
     {("person", "أحمد"), ("phone", "+966551234567"), ("coordinates", "19.4326,-99.1332")}),
    ("pt", "Seu Zé cobra R$ 200 no km 12, placa ABC1D23, CPF 123.456.789-09, email ze@exemplo.com.br",
     "[NAME] cobra [AMOUNT] no km 12, placa [PLATE], [ID], email [EMAIL]",
     {("plate", "ABC1D23"), ("id_number", "12345678909"), ("email", "ze@exemplo.com.br")}),
    ("ru", "Господин Иванов на машине А123ВС 77 берёт 5000 рублей, телефон +7 (912) 345-67-89, паспорт 4510 123456",
     "[NAME] на машине [PLATE] берёт [AMOUNT], телефон [PHONE], [ID]",
     {("plate", "А123ВС77"), ("phone", "+79123456789"), ("id_number", "4510123456"), ("person", "иванов")}),
]


@pytest.mark.parametrize(("language", "text", "redacted", "expected"), CASES, ids=[c[0] for c in CASES])
def test_it_finds_and_redacts_identifiers_in_each_language(language: str, text: str, redacted: str, expected: set) -> None:
    spans = find_identifiers(text, language)
    assert expected <= {(s.type, s.normalized) for s in spans}
    assert redact(text, spans) == redacted
    for span in spans:
        assert text[span.start:span.end] == span.text


@pytest.mark.parametrize(
    "text",
    ["It happened in 2024 at 22:30 on 12/05/2024.", "The bus stops at km 12, gate 4.", "Yesterday Maria saw it.",
     "Вчера в 23:15 было 3 машины.", "كان هناك 3 سيارات في 2024"],
)
def test_ordinary_numbers_and_words_are_not_identifiers(text: str) -> None:
    assert find_identifiers(text) == []


def test_kept_types_stay_in_clear() -> None:
    text = "The truck AB-123-CD belongs to Mr. Smith, call +33 6 12 34 56 78."
    redacted, _spans = redact_text(text, "en", keep={"plate"})
    assert redacted == "The truck AB-123-CD belongs to [NAME], call [PHONE]."


def test_spans_never_overlap_and_the_more_specific_wins() -> None:
    spans = find_identifiers("Write to juan@t.me.com or +52 55 1234 5678", "en")
    assert [s.type for s in spans] == ["email", "phone"]
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))


def test_plate_formats_come_from_settings(settings) -> None:
    assert not any(s.type == "plate" for s in find_identifiers("car QQ9999QQ9 again", "en"))
    settings.TIPLINE_PLATE_PATTERNS = [r"[A-Z]{2}\d{4}[A-Z]{2}\d"]
    assert [s.normalized for s in find_identifiers("car QQ9999QQ9 again", "en") if s.type == "plate"] == ["QQ9999QQ9"]
