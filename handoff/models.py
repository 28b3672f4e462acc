"""Partner agencies and the handoffs of incidents to them (docs/handoff.md)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting.models import Region
from triage.models import Incident


class DeliveryMethod(models.TextChoices):
    WEBHOOK = "webhook", _("Signed webhook")
    EMAIL = "email", _("E-mail")
    MANUAL = "manual", _("Manual export")


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    regions = models.ManyToManyField(Region, blank=True, related_name="agencies", verbose_name=_("regions"))
    categories = models.JSONField(_("categories"), default=list, blank=True)  # category slugs
    languages = models.JSONField(_("languages"), default=list, blank=True)  # language codes it reads
    delivery_method = models.CharField(_("delivery"), max_length=16, choices=DeliveryMethod.choices,
                                       default=DeliveryMethod.MANUAL)
    webhook_url = models.URLField(_("webhook address"), blank=True)
    # The Standard Webhooks secret ("whsec_" + base64), Fernet-encrypted: the worker must read it to sign.
    webhook_secret = models.BinaryField(editable=False, null=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # The redaction profile: identifier types (triage.identifiers.IDENTIFIER_TYPES) it may receive.
    identifier_types = models.JSONField(_("identifiers it may receive"), default=list, blank=True)
    # SHA-256 of the agency's API token (shown once, when issued).
    api_token_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


class HandoffState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    DELIVERED = "delivered", _("Delivered")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACTIONED = "actioned", _("Actioned")
    NO_ACTION = "no_action", _("No action")
    MORE_INFORMATION = "more_information", _("More information needed")
    FAILED = "failed", _("Failed")
    EXPORTED = "exported", _("Exported by hand")


class HandoffKind(models.TextChoices):
    HANDOFF = "handoff", _("Handoff")
    UPDATE = "update", _("Update with new information")


class Handoff(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="handoffs", verbose_name=_("incident"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="handoffs", verbose_name=_("agency"))
    state = models.CharField(_("state"), max_length=20, choices=HandoffState.choices, default=HandoffState.QUEUED)
    # An update carries an incident the agency already has, with the tips that joined it since.
    kind = models.CharField(_("kind"), max_length=16, choices=HandoffKind.choices, default=HandoffKind.HANDOFF)
    # The agency dedupes on it: every delivery attempt of one handoff carries the same key.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    packet = models.JSONField(_("packet"), default=dict)  # frozen when the handoff is made
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    outcome_note = models.TextField(_("agency's note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   verbose_name=_("handed off by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    outcome_at = models.DateTimeField(_("outcome reported"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("handoff")
        verbose_name_plural = _("handoffs")
        constraints = [
            # One live handoff of an incident per agency; a failed one may be made again, and
            # updates follow as often as new information comes.
            models.UniqueConstraint(fields=["incident", "agency"], condition=~Q(state="failed") & Q(kind="handoff"),
                                    name="one_live_handoff_per_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.incident} → {self.agency}"


class HandoffAttempt(models.Model):
    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="delivery_attempts")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.handoff_id} @ {self.at}: {self.status_code or self.error}"
