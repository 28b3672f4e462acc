"""/c/<code>/: a campaign's public page, readable on a phone with JavaScript off."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language_from_request, get_language_info

from .models import Campaign, CampaignStatus
from .texts import published_languages, text_for


def campaign_page(request: HttpRequest, code: str) -> HttpResponse:
    campaign = Campaign.objects.filter(code=code, public_page=True, status=CampaignStatus.APPROVED).first()
    if campaign is None:
        raise Http404
    languages = published_languages(campaign)
    asked = request.GET.get("lang") or get_language_from_request(request)
    text = text_for(campaign, (asked or "").split("-")[0])
    with translation.override(text.language):
        context = {
            "campaign": campaign,
            "text": text,
            "direction": "rtl" if get_language_info(text.language)["bidi"] else "ltr",
            "switcher": [(code, get_language_info(code)["name_local"]) for code in languages],
            "report_url": reverse("reporting:report") + f"?c={campaign.code}",
            "telegram_url": (f"https://t.me/{settings.TELEGRAM_BOT_USERNAME}?start={campaign.code}"
                             if settings.TELEGRAM_BOT_USERNAME else ""),
        }
        return render(request, "campaigns/page.html", context)
