"""Moving a campaign from draft to approved (every step audited), its image, and what it brought."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from handoff.models import Handoff
from reporting.attachments import reencode_without_metadata
from reporting.audit import record_audit
from reporting.models import Tip, TipStatus
from reporting.validation import inspect_photo

from .models import Campaign, CampaignStatus, image_storage


def submit_for_approval(campaign: Campaign, by: AbstractBaseUser | None) -> None:
    if not (campaign.titles.get(campaign.base_language) and campaign.bodies.get(campaign.base_language)):
        raise ValidationError(_("Write the title and text in the base language first."))
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.AWAITING_APPROVAL)
    record_audit(by, "submitted_campaign", campaign)


def approve(campaign: Campaign, by: AbstractBaseUser) -> None:
    """A supervisor's approval; nobody approves their own campaign."""
    if not by.has_perm("campaigns.approve_campaign"):
        raise PermissionDenied
    if campaign.created_by_id is not None and campaign.created_by_id == by.pk:
        raise ValidationError(_("Someone other than its author must approve a campaign."))
    if campaign.status != CampaignStatus.AWAITING_APPROVAL:
        raise ValidationError(_("Only a campaign waiting for approval can be approved."))
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.APPROVED, approved_by=by,
                                                   approved_at=timezone.now())
    record_audit(by, "approved_campaign", campaign)


def back_to_draft(campaign: Campaign, by: AbstractBaseUser | None) -> bool:
    """A campaign changed after it was submitted or approved needs approving again: what goes out
    is always what a supervisor approved. A send in progress pauses at its next batch. True when
    it was reopened."""
    reopened = Campaign.objects.filter(
        pk=campaign.pk, status__in=[CampaignStatus.AWAITING_APPROVAL, CampaignStatus.APPROVED],
    ).update(status=CampaignStatus.DRAFT, approved_by=None, approved_at=None)
    if reopened:
        campaign.status, campaign.approved_by, campaign.approved_at = CampaignStatus.DRAFT, None, None
        record_audit(by, "reopened_campaign", campaign)
    return bool(reopened)


def cancel(campaign: Campaign, by: AbstractBaseUser) -> None:
    """A supervisor stops a campaign: no further rounds, and a send in progress stops at its next batch."""
    if not by.has_perm("campaigns.approve_campaign"):
        raise PermissionDenied
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.CANCELLED)
    record_audit(by, "cancelled_campaign", campaign)


# Telegram shows photos at most 2,560 pixels wide; larger ones only cost upload time.
IMAGE_MAX_SIDE = 2560


def prepare_image(data: bytes) -> ContentFile:
    """An uploaded campaign image, checked like a resident's photo (JPEG, PNG or WebP by content,
    size and pixel caps) and re-encoded from its pixels alone, so no EXIF (GPS, device) is kept.
    Raises ValidationError with a translated message. The storage gives it a random name."""
    inspect_photo(data)
    clean, _content_type, extension = reencode_without_metadata(data, max_side=IMAGE_MAX_SIDE)
    return ContentFile(clean, name=f"image.{extension}")


def discard_image_after_commit(name: str) -> None:
    """Delete a campaign image file no campaign uses any more, once that change is committed
    (a rolled-back replacement keeps the old image and its file)."""
    if name:
        transaction.on_commit(lambda: image_storage().delete(name))


@dataclass(frozen=True)
class Attribution:
    tips: int
    verified: int
    handed_off: int
    # What the agencies reported on the handoffs of incidents holding these tips: state → count.
    outcomes: dict[str, int]


def attribution(campaign: Campaign) -> Attribution:
    """The tips that carry the campaign's code, and what came of them."""
    counts = Tip.objects.filter(campaign_code=campaign.code).aggregate(
        tips=Count("id"),
        verified=Count("id", filter=Q(status__in=[TipStatus.VERIFIED, TipStatus.HANDED_OFF, TipStatus.CLOSED])),
        handed_off=Count("id", filter=Q(status=TipStatus.HANDED_OFF)),
    )
    handoffs = Handoff.objects.filter(
        pk__in=Handoff.objects.filter(incident__tip_triages__tip__campaign_code=campaign.code).values("pk"))
    outcomes = dict(handoffs.values_list("state").annotate(n=Count("id")).order_by("state"))
    return Attribution(counts["tips"], counts["verified"], counts["handed_off"], outcomes)


@dataclass(frozen=True)
class Day:
    day: date
    tips: int  # every tip received that day
    attributed: int  # of which carried the campaign's code


def tips_around_send(campaign: Campaign, before: int = 28, after: int = 14) -> list[Day]:
    """Tips per day from four weeks before the send (or approval) to two weeks after it."""
    start_at = campaign.broadcast_started_at or campaign.approved_at
    if start_at is None:
        return []
    first = (start_at - timedelta(days=before)).date()
    days = [first + timedelta(days=n) for n in range(before + after + 1)]
    window = Tip.objects.filter(received_at__date__gte=days[0], received_at__date__lte=days[-1])
    per_day = dict(window.annotate(day=TruncDate("received_at")).values_list("day").annotate(n=Count("id")))
    ours = dict(window.filter(campaign_code=campaign.code).annotate(day=TruncDate("received_at"))
                .values_list("day").annotate(n=Count("id")))
    return [Day(day, per_day.get(day, 0), ours.get(day, 0)) for day in days]
