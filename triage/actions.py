"""Caseworker actions on triage results; views and admin actions call these (docs/triage.md)."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reporting.models import Tip

from .dedupe.store import recount
from .models import Category, TipTriage, TrainingExample


def correct_categories(tip: Tip, labels: Sequence[str], by: AbstractBaseUser | None = None) -> TrainingExample:
    """Set the tip's categories as a caseworker sees them, and keep that as training data."""
    known = set(Category.objects.filter(active=True).values_list("slug", flat=True))
    unknown = sorted(set(labels) - known)
    if unknown:
        raise ValidationError(_("Unknown categories: %(slugs)s") % {"slugs": ", ".join(unknown)})
    chosen = sorted(set(labels))
    with transaction.atomic():
        triage = TipTriage.objects.select_for_update().filter(tip=tip).first()
        if triage is None:  # the pipeline would overwrite a choice made before it ran
            raise ValidationError(_("This tip has not been triaged yet. Try again in a moment."))
        source = "confirmation" if chosen == sorted(triage.labels) else "correction"
        triage.labels = chosen
        triage.needs_human = False
        triage.needs_human_reason = ""
        triage.save(update_fields=["labels", "needs_human", "needs_human_reason"])
        if triage.incident_id is not None:  # the incident's categories are its tips'
            recount(triage.incident)
        # Train on the redacted text when there is one: models need no phone numbers.
        return TrainingExample.objects.create(
            tip=tip,
            text=tip.redacted_text or tip.text,
            language=tip.detected_language,
            labels=chosen,
            source=source,
            created_by=by,
        )
