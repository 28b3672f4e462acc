"""Outreach campaigns: text per language written by editors, approved before it goes out."""

from __future__ import annotations

import secrets
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting.models import Region, Reporter


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    CANCELLED = "cancelled", _("Cancelled")


def image_storage() -> Storage:
    return storages["campaign_images"]


def random_image_name(instance: Campaign, filename: str) -> str:
    """Nothing of the uploader's file name is kept, and the URL cannot be guessed."""
    return f"{secrets.token_urlsafe(18)}{PurePath(filename).suffix.lower()}"


class Campaign(models.Model):
    # The attribution code: in t.me/<bot>?start=<code>, /c/<code>/ and the report form's ?c=<code>.
    code = models.SlugField(_("code"), max_length=32, unique=True)
    base_language = models.CharField(_("base language"), max_length=8, choices=settings.LANGUAGES,
                                     default=settings.LANGUAGE_CODE)
    # {"en": "...", "es": "..."}: editor content; the base language is written first.
    titles = models.JSONField(_("titles"), default=dict, blank=True)
    bodies = models.JSONField(_("texts"), default=dict, blank=True)
    # {"en": "2026-11-29T10:00:00+00:00"}: when each language was last written, to tell which
    # translations are older than the base text.
    written_at = models.JSONField(default=dict, blank=True, editable=False)
    # Re-encoded without metadata before it is stored (campaigns.actions.prepare_image).
    image = models.ImageField(_("image"), upload_to=random_image_name, storage=image_storage, blank=True,
                              help_text=_("Optional. JPEG, PNG or WebP; shown on the public page and sent "
                                          "with the Telegram broadcast."))
    # Telegram's id of the image after its first upload: every other recipient gets it by id.
    telegram_file_id = models.CharField(max_length=200, blank=True, editable=False)
    audience_languages = models.JSONField(_("audience languages"), default=list, blank=True)
    # A resident is in a region when one of their tips was placed there; none chosen: everyone.
    audience_regions = models.ManyToManyField(Region, blank=True, related_name="+", verbose_name=_("audience regions"))
    telegram_broadcast = models.BooleanField(_("broadcast on Telegram"), default=True)
    public_page = models.BooleanField(_("public page"), default=True)
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    # Empty: one round. N: a round every N days from `send_at` (campaigns.broadcast.next_round_due).
    repeat_every_days = models.PositiveSmallIntegerField(
        _("repeat every (days)"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Empty: send once. Rounds are counted from \"send at\"; a cancelled campaign sends no more."))
    status = models.CharField(_("status"), max_length=20, choices=CampaignStatus.choices,
                              default=CampaignStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("written by"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # The round being sent or last sent (0: none yet); the two times below are that round's.
    broadcast_round = models.PositiveSmallIntegerField(_("round"), default=0, editable=False)
    broadcast_started_at = models.DateTimeField(_("broadcast started"), null=True, blank=True)
    broadcast_finished_at = models.DateTimeField(_("broadcast finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        permissions = [
            ("approve_campaign", _("Can approve a campaign before it goes out")),
            ("send_campaign", _("Can start the broadcast of an approved campaign")),
        ]

    def __str__(self) -> str:
        return self.titles.get(self.base_language) or self.code


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    # The worker died between sending and recording: counted as sent, never sent again.
    UNCONFIRMED = "unconfirmed", _("Sent, not confirmed")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (unsubscribed)")


class Delivery(models.Model):
    """One campaign to one subscribed resident."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name="+")
    # A repeating campaign goes to each resident once a round.
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    state = models.CharField(_("state"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.QUEUED)
    error = models.CharField(_("error"), max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "reporter", "round"],
                                               name="one_delivery_per_resident_and_round")]
        # Serves the sender's queue and the progress counts of a round (campaigns.broadcast).
        indexes = [models.Index(fields=["campaign", "round", "state", "id"], name="delivery_round_queue_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.round} → {self.reporter_id}: {self.state}"
