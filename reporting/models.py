"""Intake nouns: Reporter, Tip, its status history, Attachment and Message (docs/intake.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .i18n import pick_translation


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    API = "api", _("API")
    TELEGRAM = "telegram", _("Telegram")


class TipStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    TRIAGED = "triaged", _("Waiting for review")
    IN_REVIEW = "in_review", _("In review")
    VERIFIED = "verified", _("Verified")
    REJECTED_SPAM = "rejected_spam", _("Rejected as spam")
    REJECTED_NOT_ACTIONABLE = "rejected_not_actionable", _("Closed: not actionable")
    REJECTED_DUPLICATE = "rejected_duplicate", _("Merged with another report")
    HANDED_OFF = "handed_off", _("Handed to a partner agency")
    CLOSED = "closed", _("Closed")


class OccurredWindow(models.TextChoices):
    NOW = "now", _("Happening now")
    TODAY = "today", _("Earlier today")
    YESTERDAY = "yesterday", _("Yesterday")
    THIS_WEEK = "this_week", _("In the last few days")
    EARLIER = "earlier", _("Longer ago")


class Region(models.Model):
    """A jurisdiction: agencies cover regions, caseworkers and campaigns are limited to them.

    A tip with coordinates inside the box is placed in the region at intake (the smallest box
    wins); a caseworker can set it by hand.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    # {"en": "North river", "es": "Río norte", ...}: editor content, English as the fallback.
    names = models.JSONField(_("names"), default=dict)
    min_latitude = models.FloatField(_("south edge"), null=True, blank=True)
    max_latitude = models.FloatField(_("north edge"), null=True, blank=True)
    min_longitude = models.FloatField(_("west edge"), null=True, blank=True)
    max_longitude = models.FloatField(_("east edge"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return pick_translation(self.names) or self.code

    def area(self) -> float:
        return ((self.max_latitude or 0) - (self.min_latitude or 0)) * ((self.max_longitude or 0) - (self.min_longitude or 0))


class Reporter(models.Model):
    """A pseudonym. Never a raw platform id: `lookup_key` is a keyed HMAC of it."""

    pseudonym = models.CharField(max_length=16, unique=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # HMAC-SHA256 (hex) of "channel:platform user id"; empty for one-off web reporters.
    lookup_key = models.CharField(max_length=64, unique=True, null=True, blank=True, default=None)
    # Encrypted handle needed to write back (e.g. a chat id), readable only by the sending code.
    reply_handle = models.BinaryField(null=True, blank=True, editable=False)
    language = models.CharField(max_length=8, blank=True)
    subscribed = models.BooleanField(default=False)
    # The campaign whose deep link brought this resident to the bot; their next tips carry it.
    campaign_code = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    forgotten_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")

    def __str__(self) -> str:
        return self.pseudonym


class Tip(models.Model):
    reference = models.CharField(_("reference"), max_length=12, unique=True)
    reporter = models.ForeignKey(Reporter, on_delete=models.PROTECT, related_name="tips")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    declared_language = models.CharField(max_length=8, blank=True)
    detected_language = models.CharField(max_length=8, blank=True)
    language_confidence = models.FloatField(null=True, blank=True)
    text = models.TextField(_("what happened"))
    redacted_text = models.TextField(blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_precision_m = models.PositiveIntegerField(null=True, blank=True)
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="tips", verbose_name=_("region")
    )
    occurred_window = models.CharField(max_length=16, choices=OccurredWindow.choices, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)  # approximate, from the window
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    status = models.CharField(
        _("status"), max_length=32, choices=TipStatus.choices, default=TipStatus.RECEIVED
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triage_timings = models.JSONField(default=dict, blank=True)
    # When triage last failed on this tip (a step raised). Drains pass such a tip by, so one tip
    # that breaks a step cannot make every batch fall back to one tip at a time; the sweeper
    # retries it on its own now and then (TIPLINE_TRIAGE_RETRY_FAILED_AFTER).
    triage_failed_at = models.DateTimeField(_("triage last failed"), null=True, blank=True, editable=False)
    # "scrypt$n$r$p$salt$digest"; the receipt itself is shown once and never stored.
    receipt_hash = models.CharField(max_length=160, blank=True, editable=False)
    campaign_code = models.CharField(max_length=32, blank=True, db_index=True)

    class Meta:
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        # Without it, staff see the redacted text only, and no identifiers.
        permissions = [("view_unredacted_tip", _("Can see a tip's unredacted text and identifiers"))]
        indexes = [
            # Serves the sweeper (triage.tasks.sweep_untriaged_tips): only untriaged tips.
            models.Index(
                fields=["received_at"],
                condition=Q(status="received"),
                name="tip_untriaged_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class TipEvent(models.Model):
    """One status transition of a tip: who, when, from what to what. Append-only."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=32, choices=TipStatus.choices, blank=True)
    to_status = models.CharField(max_length=32, choices=TipStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=32)  # "system", "reporter", or the staff role
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    # Set when the reporter was sent a notice of this change (reporting.notices); claimed once.
    reporter_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.tip_id}: {self.from_status} → {self.to_status}"


class AttachmentState(models.TextChoices):
    PENDING = "pending", _("Waiting to be cleaned")
    CLEAN = "clean", _("Cleaned")
    REJECTED = "rejected", _("Rejected")


class Attachment(models.Model):
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="attachments")
    state = models.CharField(
        max_length=16, choices=AttachmentState.choices, default=AttachmentState.PENDING
    )
    # Name in the quarantine storage while pending; emptied once the original is deleted.
    quarantine_name = models.CharField(max_length=100, blank=True)
    file = models.FileField(upload_to="photos/", blank=True)
    content_type = models.CharField(max_length=32, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    byte_size = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)  # of the cleaned file
    rejection_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    cleaned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.tip_id}/{self.pk} ({self.state})"


class MessageDirection(models.TextChoices):
    TO_REPORTER = "to_reporter", _("To the reporter")
    FROM_REPORTER = "from_reporter", _("From the reporter")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # Web reporters fetch their thread themselves; nothing is pushed to them.
    ON_REQUEST = "on_request", _("Shown when the reporter checks")


class Message(models.Model):
    """The anonymous thread on a tip, caseworker ↔ reporter."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=16, choices=MessageDirection.choices)
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    delivery_state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    # The platform's id of the sent message (Telegram's message_id, unique per chat): a reply to
    # it lands in this thread.
    platform_message_id = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.tip_id}: {self.direction}"


class StaffScope(models.Model):
    """The regions a caseworker works in. Staff without one (supervisors) see every region."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scope")
    regions = models.ManyToManyField(Region, blank=True, verbose_name=_("regions"))

    class Meta:
        verbose_name = _("staff regions")
        verbose_name_plural = _("staff regions")

    def __str__(self) -> str:
        return str(self.user)


class AuditEvent(models.Model):
    """Who viewed, changed or exported what; append-only, read by supervisors and auditors."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              verbose_name=_("who"))
    action = models.CharField(_("action"), max_length=32)  # "viewed", "exported", "handed_off", ...
    object_type = models.CharField(_("object type"), max_length=64)  # "triage.incident"
    object_id = models.CharField(_("object"), max_length=64)  # a reference where there is one
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action} {self.object_type}:{self.object_id}"
