"""Text folding shared by the urgency lexicon and the classifier's features.

Folded text is lower case, Latin letters lose their accents, Arabic letter variants are unified
and tashkeel/tatweel dropped, and ё reads as е: the spellings residents type on a phone for the
same word (sin acentos, أ/ا, ة/ه) become one.
"""

from __future__ import annotations

import unicodedata

_SPECIAL = {
    "ё": "е",
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ـ": "",
    "ی": "ي", "ک": "ك",  # Persian keyboards type these for Arabic ي and ك
    "’": "'", "‘": "'", "ʼ": "'", "‐": "-", "‑": "-",
}


def fold_char(char: str) -> str:
    """One character folded: may be empty (a mark) or longer than one (İ)."""
    lowered = char.lower()
    if lowered in _SPECIAL:
        return _SPECIAL[lowered]
    if unicodedata.combining(char):  # a loose accent or an Arabic tashkeel mark
        return ""
    decomposed = unicodedata.normalize("NFD", lowered)
    # Only Latin letters lose their marks: й is not и, and Arabic hamza seats stay.
    if unicodedata.name(decomposed[0], "").startswith("LATIN"):
        return "".join(c for c in decomposed if not unicodedata.combining(c))
    return lowered


class _FoldTable(dict[int, str]):
    """A str.translate table that folds each character the first time it is seen.

    It holds one entry per distinct character ever seen: a few hundred in practice.
    """

    def __missing__(self, ordinal: int) -> str:
        folded = self[ordinal] = fold_char(chr(ordinal))
        return folded


FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    return text.translate(FOLD_TABLE)
