from __future__ import annotations

import re

import pytest

from reporting.receipts import (
    check_receipt,
    format_receipt,
    hash_receipt,
    new_receipt,
    new_reference,
    normalise_reference,
)


def test_references_are_short_and_unambiguous() -> None:
    references = {new_reference() for _ in range(500)}
    assert len(references) == 500
    for reference in references:
        assert re.fullmatch(r"T-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{2}", reference)


@pytest.mark.parametrize("typed", ["T-7KQ3-M9", "t-7kq3-m9", "T7KQ3M9", " t 7kq3 m9 "])
def test_it_accepts_references_as_people_type_them(typed: str) -> None:
    assert normalise_reference(typed) == "T-7KQ3-M9"


@pytest.mark.parametrize("typed", ["", "T-7KQ3", "T-7KQ3-M9X", "T-0KQ3-M9", "X-7KQ3-M9"])
def test_it_refuses_what_cannot_be_a_reference(typed: str) -> None:
    assert normalise_reference(typed) is None


def test_a_receipt_checks_against_its_hash_only() -> None:
    receipt = new_receipt()
    stored = hash_receipt(receipt)
    assert stored.startswith("scrypt$") and receipt not in stored
    assert check_receipt(receipt, stored)
    assert check_receipt(format_receipt(receipt), stored)  # spaces as shown on screen
    assert not check_receipt(new_receipt(), stored)
    assert not check_receipt(receipt, "md5$whatever")
    assert hash_receipt(receipt) != stored  # salted


def test_the_hash_is_keyed(settings) -> None:
    receipt = new_receipt()
    stored = hash_receipt(receipt)
    settings.TIPLINE_HMAC_KEY = "another-deployment"
    assert not check_receipt(receipt, stored)
