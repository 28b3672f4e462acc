"""Triage nouns. Category is the editable, translated taxonomy (docs/triage.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting.i18n import pick_translation
from reporting.models import Tip


class Category(models.Model):
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    # {"en": "...", "es": "...", ...}: written by supervisors, with English as the fallback.
    names = models.JSONField(_("names"), default=dict)
    descriptions = models.JSONField(_("descriptions"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        return pick_translation(self.names, language) or self.slug

    def description(self, language: str | None = None) -> str:
        return pick_translation(self.descriptions, language)


class ClassifierVersion(models.Model):
    """A trained text classifier on disk, with its metrics and who promoted it."""

    version = models.CharField(_("version"), max_length=64, unique=True)
    path = models.CharField(_("directory"), max_length=500)
    labels = models.JSONField(_("labels"), default=list)
    # Per-label decision thresholds tuned on the validation split.
    thresholds = models.JSONField(_("thresholds"), default=dict)
    metrics = models.JSONField(_("metrics"), default=dict)
    training_summary = models.JSONField(_("training data"), default=dict)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=False)
    promoted_at = models.DateTimeField(_("promoted"), null=True, blank=True)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A candidate's figures beside those of the model that was active when it was trained, on the
    # evaluation set and on held-back corrections (triage.retraining.compare).
    comparison = models.JSONField(_("comparison"), default=dict, blank=True)
    compared_with = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("compared with")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("classifier version")
        verbose_name_plural = _("classifier versions")
        permissions = [("promote_classifierversion", _("Can train and promote classifiers"))]
        constraints = [
            # Workers serve exactly one model: at most one version is active.
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_classifier"),
        ]

    def __str__(self) -> str:
        return self.version


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    HANDED_OFF = "handed_off", _("Handed off")
    CLOSED = "closed", _("Closed")


class Incident(models.Model):
    """A cluster of tips about the same event; caseworkers verify incidents, not single tips."""

    reference = models.CharField(_("reference"), max_length=12, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_tip_at = models.DateTimeField(_("last tip"), default=timezone.now)
    tip_count = models.PositiveIntegerField(_("tips"), default=0)
    # Distinct reporters: corroboration counts people, not messages.
    reporter_count = models.PositiveIntegerField(_("reporters"), default=0)
    urgency = models.PositiveSmallIntegerField(_("urgency"), default=0, db_index=True)
    labels = models.JSONField(_("categories"), default=list, blank=True)
    # {label: tips}, in first-seen order: what `labels` is read from (triage.dedupe.store).
    label_counts = models.JSONField(default=dict, blank=True, editable=False)
    # The most urgent tip's own score; `urgency` adds corroboration by distinct reporters.
    top_tip_urgency = models.PositiveSmallIntegerField(default=0, editable=False)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="assigned_incidents", verbose_name=_("assigned to"))
    # Set when a tip joins after the incident was verified, handed off or closed; cleared when
    # a caseworker has seen it (or sent the agency an update).
    new_information_at = models.DateTimeField(_("new information"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-urgency", "-last_tip_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.reference


class NeedsHumanReason(models.TextChoices):
    """Why the classifier asks a caseworker to look, as the admin shows it."""

    NO_MODEL = "no_model", _("No classifier is active yet")
    NOTHING_TO_READ = "nothing_to_read", _("Nothing to read: only symbols or unknown emoji")
    TOO_SHORT = "too_short", _("Too short to be sure: the likeliest category is shown")
    UNSURE = "unsure", _("No category is likely enough: the likeliest one is shown")
    NO_LABEL = "no_label", _("No category was likely enough")  # rows triaged before best guesses


class TipTriage(models.Model):
    """What the pipeline found in one tip."""

    tip = models.OneToOneField(Tip, on_delete=models.CASCADE, related_name="triage", primary_key=True)
    # {"drug_trafficking": 0.91, ...}: every label's score from the classifier.
    scores = models.JSONField(_("scores"), default=dict)
    labels = models.JSONField(_("categories"), default=list)  # the classifier's labels, or a caseworker's
    classifier_version = models.ForeignKey(
        ClassifierVersion, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("model version")
    )
    needs_human = models.BooleanField(_("needs a human"), default=False, db_index=True)
    needs_human_reason = models.CharField(_("why"), max_length=64, blank=True, choices=NeedsHumanReason.choices)
    # [{"type": "phone", "start": 3, "end": 17, "text": "+52 55 1234 5678"}]
    identifiers = models.JSONField(_("identifiers"), default=list, blank=True)
    urgency = models.PositiveSmallIntegerField(_("urgency"), default=0)
    # [{"code": "weapons", "points": 25, "evidence": "rifles"}]
    urgency_reasons = models.JSONField(_("urgency reasons"), default=list, blank=True)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="tip_triages", verbose_name=_("incident")
    )
    # The MinHash signature of the text (60 uint64), so candidates need not be sketched again.
    signature = models.BinaryField(null=True, blank=True, editable=False)
    # What survives translation (names, day, hours, details, counts, words): triage.dedupe.evidence.
    evidence = models.JSONField(default=dict, blank=True, editable=False)
    # The closest earlier tip when it joined an existing incident, and how close.
    matched_tip = models.ForeignKey(Tip, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    similarity = models.FloatField(_("similarity"), null=True, blank=True)

    class Meta:
        verbose_name = _("triage result")
        verbose_name_plural = _("triage results")
        # An incident's newest members, read for the duplicate decision (dedupe.index).
        indexes = [models.Index(fields=["incident", "-tip"], name="triage_incident_newest_tips")]

    def __str__(self) -> str:
        return f"triage of {self.tip_id}"


class NotSameEvent(models.Model):
    """A caseworker's word that a tip does not report its incident's event: split out, and a
    negative pair for the duplicate decision's training (`manage.py train_dedup`)."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="+")  # a tip of the incident it left
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tip", "other"], name="one_judgement_per_pair")]

    def __str__(self) -> str:
        return f"{self.tip_id} is not {self.other_id}"


class TipIdentifier(models.Model):
    """Normalised identifiers (plate, phone ...) of a tip, indexed to find tips that share one."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="identifier_keys")
    kind = models.CharField(max_length=16)
    value = models.CharField(max_length=128)
    received_at = models.DateTimeField()  # the tip's, copied so the window filter needs no join

    class Meta:
        indexes = [models.Index(fields=["kind", "value", "received_at"], name="tipidentifier_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class TipBand(models.Model):
    """One MinHash LSH band of a tip's text; equal (band, hash) pairs make duplicate candidates.

    A table, so every worker sees the same index; a lookup is an index probe per band, so its
    cost grows with log(n), not n.
    """

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="+")
    band = models.PositiveSmallIntegerField()
    hash = models.BigIntegerField()
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["band", "hash", "received_at"], name="tipband_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.tip_id}/{self.band}"


class RetrainingRun(models.Model):
    """A request to train a candidate classifier from seed + corrections, and how it went."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    candidate = models.ForeignKey(
        ClassifierVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("candidate")
    )
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("retraining")
        verbose_name_plural = _("retrainings")

    def __str__(self) -> str:
        return f"retraining {self.pk}"


class TrainingExample(models.Model):
    """Labelled text for the classifier: a caseworker's confirmation or correction of a tip."""

    tip = models.ForeignKey(Tip, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    language = models.CharField(max_length=8, blank=True)
    labels = models.JSONField(default=list)
    source = models.CharField(max_length=16, default="correction")  # "confirmation" or "correction"
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.source}: {', '.join(self.labels)}"


class StaffNotice(models.Model):
    """Something a staff member should look at: shown on their admin pages until they have seen it."""

    class Kind(models.TextChoices):
        NEW_INFORMATION = "new_information", _("New information on an incident you acted on")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "seen_at"])]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.incident}"
