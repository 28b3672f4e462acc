"""Telling staff what changed on incidents they acted on (docs/triage.md, "Incidents").

A tip that joins an incident already verified, handed off or closed must not vanish into it:
the incident's assignee is told, or, when nobody is assigned, the supervisors whose regions
cover the incident (supervisors without regions cover all). One unseen notice per person and
incident is enough: more tips only keep it unseen.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from .models import Incident, StaffNotice

SUPERVISOR_GROUP = "supervisor"


def _recipients(incident: Incident) -> list[int]:
    if incident.assigned_to_id:
        return [incident.assigned_to_id]
    regions = set(incident.tip_triages.exclude(tip__region=None).values_list("tip__region", flat=True))
    supervisors = get_user_model().objects.filter(is_active=True, groups__name=SUPERVISOR_GROUP)
    covering = supervisors.filter(Q(scope__isnull=True) | Q(scope__regions__in=regions) if regions else Q(scope__isnull=True))
    return sorted(set(covering.values_list("pk", flat=True)))


def tell_of_new_information(incident_ids: Sequence[int]) -> int:
    """Notices for the people of each incident; returns how many were created."""
    created = 0
    for incident in Incident.objects.filter(pk__in=incident_ids):
        for user_id in _recipients(incident):
            _notice, new = StaffNotice.objects.get_or_create(
                user_id=user_id, incident=incident, kind=StaffNotice.Kind.NEW_INFORMATION, seen_at=None)
            created += int(new)
    return created


def mark_seen(incident: Incident, user_id: int) -> None:
    """The person looked at the news: their notice is seen; the incident is news to nobody now."""
    StaffNotice.objects.filter(incident=incident, user_id=user_id, seen_at=None).update(seen_at=timezone.now())
    Incident.objects.filter(pk=incident.pk).update(new_information_at=None)
