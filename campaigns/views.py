"""/c/<code>/: a campaign's public page, readable on a phone with JavaScript off, and its image."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language_from_request, get_language_info

from .models import Campaign, CampaignStatus
from .texts import published_languages, text_for

PUBLISHED = Q(public_page=True, status=CampaignStatus.APPROVED)


def campaign_page(request: HttpRequest, code: str) -> HttpResponse:
    campaign = Campaign.objects.filter(PUBLISHED, code=code).first()
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


def campaign_image(request: HttpRequest, name: str) -> FileResponse:
    """The image of a published campaign for anyone; of any campaign for staff who may see it
    in the admin (the link beside the upload field)."""
    campaigns = Campaign.objects.filter(image=name).exclude(image="")
    published = campaigns.filter(PUBLISHED).exists()
    staff = admin.site.has_permission(request) and request.user.has_perm("campaigns.view_campaign")
    campaign = campaigns.first() if published or staff else None
    if campaign is None:
        raise Http404
    response = FileResponse(campaign.image.open("rb"), content_type="image/png" if name.endswith(".png") else "image/jpeg")
    # Names are random and never reused: a public image can be cached; a draft's stays private.
    response["Cache-Control"] = "public, max-age=86400" if published else "private, no-store"
    return response
