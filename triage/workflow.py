"""What caseworkers do with incidents: verify, reject, merge, split a tip out, assign.

Each is one transaction that moves the incident and its tips together, records every tip's
status change (reporters hear of the ones they are told about) and writes the audit trail.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reporting.audit import record_audit
from reporting.intake import record_status_change
from reporting.models import Message, Tip, TipEvent, TipStatus

from .dedupe.decision import MEMBERS_COMPARED
from .dedupe.index import NAME_KEY
from .dedupe.store import new_incident_references, recount
from .models import Incident, IncidentStatus, NotSameEvent, TipIdentifier, TipTriage

REJECTIONS = {
    "spam": TipStatus.REJECTED_SPAM,
    "not_actionable": TipStatus.REJECTED_NOT_ACTIONABLE,
    "duplicate": TipStatus.REJECTED_DUPLICATE,
}
# Tips already past review keep their status when their incident moves.
SETTLED = {TipStatus.HANDED_OFF, TipStatus.CLOSED}


def _move_tips(incident: Incident, to_status: str, by: AbstractBaseUser | None, note: str = "") -> int:
    moved = 0
    for tip in Tip.objects.select_for_update().filter(triage__incident=incident).exclude(status__in=SETTLED):
        if tip.status != to_status:
            record_status_change(tip, to_status, actor=by, actor_label="caseworker", note=note)
            tip.save(update_fields=["status", "status_changed_at"])
            moved += 1
    return moved


def verify_incident(incident: Incident, by: AbstractBaseUser | None) -> int:
    with transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.VERIFIED)
        moved = _move_tips(incident, TipStatus.VERIFIED, by)
        record_audit(by, "verified", incident)
    return moved


def reject_incident(incident: Incident, reason: str, by: AbstractBaseUser | None, note: str = "") -> int:
    if reason not in REJECTIONS:
        raise ValidationError(_("Unknown reason for rejecting."))
    with transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.REJECTED)
        moved = _move_tips(incident, REJECTIONS[reason], by, note)
        record_audit(by, "rejected", incident, reason=reason, note=note)
    return moved


def merge_incidents(target: Incident, others: list[Incident], by: AbstractBaseUser | None) -> Incident:
    """Gather the others' tips into `target`; the emptied incidents are deleted.

    An incident already handed to an agency is not merged away: its handoff protects it.
    """
    others = [other for other in others if other.pk != target.pk]
    try:
        with transaction.atomic():
            list(Incident.objects.select_for_update().filter(pk__in=[target.pk, *[o.pk for o in others]]))
            TipTriage.objects.filter(incident__in=others).update(incident=target)
            references = [other.reference for other in others]
            Incident.objects.filter(pk__in=[o.pk for o in others]).delete()
            recount(target)
            record_audit(by, "merged", target, merged=references)
    except ProtectedError:
        raise ValidationError(
            _("An incident that was handed to an agency cannot be merged into another.")) from None
    return target


def split_tip(tip: Tip, by: AbstractBaseUser | None) -> Incident:
    """"Not the same event": take a tip out of its incident into a new one of its own.

    The caseworker's word is kept as negative pairs (the tip against the incident's newest
    tips) for the duplicate decision's next training (`manage.py train_dedup`).
    """
    with transaction.atomic():
        triage = TipTriage.objects.select_for_update(of=("self",)).select_related("incident").get(tip=tip)
        source = triage.incident
        [reference] = new_incident_references(1)
        incident = Incident.objects.create(reference=reference, last_tip_at=tip.received_at)
        triage.incident = incident
        triage.save(update_fields=["incident"])
        recount(incident)
        if source is not None:
            others = (TipTriage.objects.filter(incident=source).order_by("-tip__received_at")
                      .values_list("tip_id", flat=True)[:MEMBERS_COMPARED])
            NotSameEvent.objects.bulk_create([NotSameEvent(tip=tip, other_id=other, created_by=by) for other in others],
                                             ignore_conflicts=True)
            recount(source)
            if not source.tip_count:
                try:
                    with transaction.atomic():
                        source.delete()
                except ProtectedError:  # handed to an agency: it stays, empty, for the record
                    pass
        record_audit(by, "split", incident, tip=tip.reference, source=source.reference if source else "")
    return incident


def assign_incident(incident: Incident, to: AbstractBaseUser | None, by: AbstractBaseUser | None) -> None:
    Incident.objects.filter(pk=incident.pk).update(assigned_to=to)
    record_audit(by, "assigned", incident, to=getattr(to, "username", ""))


def incident_timeline(incident: Incident) -> list[tuple[str, str, str]]:
    """(when, tip reference, what) for every status change and message of the incident's tips."""
    tips = Tip.objects.filter(triage__incident=incident)
    entries = [
        (event.at, event.tip.reference, f"{event.get_from_status_display() or '–'} → {event.get_to_status_display()}"
         + (f" ({event.note})" if event.note else ""))
        for event in TipEvent.objects.filter(tip__in=tips).select_related("tip")
    ] + [
        (message.created_at, message.tip.reference, f"{message.get_direction_display()}: {message.body[:140]}")
        for message in Message.objects.filter(tip__in=tips).select_related("tip")
    ]
    return [(formats.date_format(timezone.localtime(at), "SHORT_DATETIME_FORMAT"), tip, what)
            for at, tip, what in sorted(entries)]


def related_incidents(incident: Incident, limit: int = 10) -> list[Incident]:
    """Other incidents whose tips share an identifier (plate, phone, place cell ...) with this one's."""
    # Name skeletons are index keys that unrelated incidents share too: not ties worth showing.
    keys = (TipIdentifier.objects.filter(tip__triage__incident=incident).exclude(kind=NAME_KEY)
            .values_list("kind", "value"))
    shared = Q()
    for kind, value in set(keys):
        shared |= Q(kind=kind, value=value)
    if not shared:
        return []
    tip_ids = TipIdentifier.objects.filter(shared).values_list("tip_id", flat=True)
    return list(Incident.objects.filter(tip_triages__tip_id__in=tip_ids).exclude(pk=incident.pk)
                .distinct().order_by("-urgency", "-last_tip_at")[:limit])
