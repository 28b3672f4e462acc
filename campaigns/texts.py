"""A campaign's languages: which are written, missing or older than the base text."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from .models import Campaign

MISSING, OUTDATED, CURRENT = "missing", "outdated", "current"
# Telegram's limit for a photo's caption, counted in UTF-16 code units as Telegram counts.
CAPTION_LIMIT = 1024


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


def message_text(text: CampaignText) -> str:
    return f"{text.title}\n\n{text.body}"


def telegram_length(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def truncate_for_telegram(value: str, limit: int) -> str:
    """Cut to `limit` UTF-16 code units at a character boundary, ending with "…" when cut."""
    if telegram_length(value) <= limit:
        return value
    while telegram_length(value) > limit - 1:
        value = value[:-1]
    return value.rstrip() + "…"


def caption_and_rest(text: CampaignText) -> tuple[str, str]:
    """What goes with the photo and what follows it as a message: the whole text as the caption
    when it fits; otherwise the title alone (cut to the limit, though titles are far shorter)
    and then the body, so nothing of the text is lost."""
    whole = message_text(text)
    if telegram_length(whole) <= CAPTION_LIMIT:
        return whole, ""
    return truncate_for_telegram(text.title, CAPTION_LIMIT), text.body
