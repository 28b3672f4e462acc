"""Editor-written content (category names, campaign text) is data: a value per language."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language


def pick_translation(values: dict[str, str], language: str | None = None) -> str:
    """The value for `language` (or the active one), else the base language's, else any."""
    wanted = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    for code in (wanted, settings.LANGUAGE_CODE):
        if values.get(code):
            return values[code]
    return next((value for value in values.values() if value), "")
