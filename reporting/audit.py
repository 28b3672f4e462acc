"""The audit trail: every view of a tip, every export and every change, recorded append-only."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models

from .models import AuditEvent


def record_audit(actor: AbstractBaseUser | None, action: str, obj: models.Model, **detail: object) -> AuditEvent:
    label = f"{obj._meta.app_label}.{obj._meta.model_name}"
    identifier = str(getattr(obj, "reference", "") or obj.pk)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action, object_type=label, object_id=identifier, detail=detail,
    )
