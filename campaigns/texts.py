"""A campaign's languages: which are written, missing or older than the base text."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from .models import Campaign

MISSING, OUTDATED, CURRENT = "missing", "outdated", "current"


def write_language(campaign: Campaign, language: str, title: str, body: str) -> bool:
    """Set one language's text; True when it changed (and its time was stamped)."""
    title, body = title.strip(), body.strip()
    if campaign.titles.get(language, "") == title and campaign.bodies.get(language, "") == body:
        return False
    for field, value in ((campaign.titles, title), (campaign.bodies, body)):
        if value:
            field[language] = value
        else:
            field.pop(language, None)
    campaign.written_at = {**campaign.written_at, language: timezone.now().isoformat()}
    return True


def translation_states(campaign: Campaign) -> dict[str, str]:
    """Each shipped language other than the base: missing, outdated or current."""
    base_time = campaign.written_at.get(campaign.base_language, "")
    states = {}
    for code, _name in settings.LANGUAGES:
        if code == campaign.base_language:
            continue
        if not campaign.titles.get(code) or not campaign.bodies.get(code):
            states[code] = MISSING
        elif campaign.written_at.get(code, "") < base_time:
            states[code] = OUTDATED
        else:
            states[code] = CURRENT
    return states


def published_languages(campaign: Campaign) -> list[str]:
    """Languages with a title and a text, the base language first."""
    written = [code for code, _name in settings.LANGUAGES if campaign.titles.get(code) and campaign.bodies.get(code)]
    return sorted(written, key=lambda code: code != campaign.base_language)


@dataclass(frozen=True)
class CampaignText:
    language: str
    title: str
    body: str


def text_for(campaign: Campaign, wanted: str) -> CampaignText:
    """The text in `wanted`, else in the base language."""
    language = wanted if wanted in published_languages(campaign) else campaign.base_language
    return CampaignText(language, campaign.titles.get(language, ""), campaign.bodies.get(language, ""))
