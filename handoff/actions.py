"""Handing incidents to agencies: every change of a handoff goes through these functions."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from reporting.audit import record_audit
from reporting.intake import record_status_change
from reporting.models import Tip, TipStatus
from reporting.notices import ask_reporter, can_push_to
from reporting.privacy import encrypt_handle
from triage.models import Incident, IncidentStatus, StaffNotice

from .models import Agency, DeliveryMethod, Handoff, HandoffKind, HandoffState
from .packets import build_packet
from .signals import handoff_created
from .signing import new_secret

# What an agency may report back, and the state each one puts the handoff in.
OUTCOMES = {
    "acknowledged": HandoffState.ACKNOWLEDGED,
    "actioned": HandoffState.ACTIONED,
    "no_action": HandoffState.NO_ACTION,
    "more_information_needed": HandoffState.MORE_INFORMATION,
}


@dataclass(frozen=True)
class Credentials:
    """Shown once to the supervisor who issued them, never stored in the clear."""

    api_token: str
    webhook_secret: str


def issue_credentials(agency: Agency) -> Credentials:
    token = secrets.token_urlsafe(32)
    secret = new_secret()
    agency.api_token_hash = hashlib.sha256(token.encode()).hexdigest()
    agency.webhook_secret = encrypt_handle(secret)
    agency.save(update_fields=["api_token_hash", "webhook_secret"])
    return Credentials(token, secret)


def agency_for_token(token: str) -> Agency | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    agency = Agency.objects.filter(api_token_hash=digest, active=True).first()
    # The look-up is by digest; compare again in constant time all the same.
    return agency if agency is not None and hmac.compare_digest(agency.api_token_hash, digest) else None


def create_handoff(incident: Incident, agency: Agency, by: AbstractBaseUser | None) -> Handoff:
    """Freeze the packet for this agency and queue its delivery (after the commit)."""
    with transaction.atomic():
        handoff = Handoff.objects.create(incident=incident, agency=agency, created_by=by)
        handoff.packet = build_packet(handoff, incident, agency)
        handoff.save(update_fields=["packet"])
        record_audit(by, "handed_off", incident, agency=agency.name, handoff=handoff.pk)
        if agency.delivery_method != DeliveryMethod.MANUAL:
            transaction.on_commit(lambda: handoff_created.send(sender=Handoff, handoff_id=handoff.pk))
    return handoff


def send_update(incident: Incident, by: AbstractBaseUser | None) -> list[Handoff]:
    """New information on an incident agencies already have: an update packet to each of them.

    The packet is the incident as it is now (every tip, the current counts and reasons), of
    type "incident.update"; the incident is no longer "new information" to anyone.
    """
    with transaction.atomic():
        Incident.objects.select_for_update().filter(pk=incident.pk).first()
        agencies = list(Agency.objects.filter(handoffs__incident=incident, handoffs__kind=HandoffKind.HANDOFF)
                        .exclude(handoffs__state=HandoffState.FAILED).distinct())
        updates = []
        for agency in agencies:
            handoff = Handoff.objects.create(incident=incident, agency=agency, kind=HandoffKind.UPDATE, created_by=by)
            handoff.packet = build_packet(handoff, incident, agency)
            handoff.save(update_fields=["packet"])
            updates.append(handoff)
            if agency.delivery_method != DeliveryMethod.MANUAL:
                transaction.on_commit(lambda pk=handoff.pk: handoff_created.send(sender=Handoff, handoff_id=pk))
        Incident.objects.filter(pk=incident.pk).update(new_information_at=None)
        StaffNotice.objects.filter(incident=incident, seen_at=None).update(seen_at=timezone.now())
        record_audit(by, "sent_update", incident, agencies=[agency.name for agency in agencies])
    return updates


def mark_delivered(handoff: Handoff, state: str = HandoffState.DELIVERED) -> bool:
    """The packet reached the agency (or was exported): the incident and its tips are handed off.

    Claimed once: a second delivery of the same handoff (a retry whose first answer was lost)
    changes nothing.
    """
    with transaction.atomic():
        claimed = Handoff.objects.filter(pk=handoff.pk, state__in=[HandoffState.QUEUED, HandoffState.FAILED]).update(
            state=state, delivered_at=timezone.now(), last_error="")
        if not claimed:
            return False
        Incident.objects.filter(pk=handoff.incident_id).update(status=IncidentStatus.HANDED_OFF)
        for tip in Tip.objects.select_for_update().filter(triage__incident=handoff.incident_id).exclude(
                status=TipStatus.HANDED_OFF):
            record_status_change(tip, TipStatus.HANDED_OFF, actor_label="system", note=handoff.agency.name)
            tip.save(update_fields=["status", "status_changed_at"])
    return True


def record_failure(handoff: Handoff, error: str, *, final: bool) -> None:
    fields = {"last_error": error[:300]}
    if final:
        fields["state"] = HandoffState.FAILED
    Handoff.objects.filter(pk=handoff.pk, state=HandoffState.QUEUED).update(**fields)


def report_outcome(handoff: Handoff, outcome: str, note: str = "") -> Handoff:
    """The agency acknowledges or reports what came of it; reporters hear a neutral word."""
    state = OUTCOMES[outcome]
    now = timezone.now()
    with transaction.atomic():
        handoff = Handoff.objects.select_for_update().get(pk=handoff.pk)
        outcome_known = handoff.state in OUTCOMES.values() and handoff.state != HandoffState.ACKNOWLEDGED
        if not (state == HandoffState.ACKNOWLEDGED and outcome_known):  # a late ack keeps the outcome
            handoff.state = state
        if state == HandoffState.ACKNOWLEDGED:
            handoff.acknowledged_at = handoff.acknowledged_at or now
        else:
            handoff.outcome_at = now
            handoff.outcome_note = note
        handoff.save(update_fields=["state", "acknowledged_at", "outcome_at", "outcome_note"])
        record_audit(None, f"agency_{outcome}", handoff.incident, agency=handoff.agency.name, handoff=handoff.pk)
        if state != HandoffState.ACKNOWLEDGED:
            for tip in Tip.objects.filter(triage__incident=handoff.incident_id).select_related("reporter"):
                tell_reporter_of_follow_up(tip)
    return handoff


def tell_reporter_of_follow_up(tip: Tip) -> None:
    """Neutral on purpose: it never says what the agency found or did."""
    if not can_push_to(tip.reporter):
        return
    with override(tip.reporter.language or None):
        body = _("A partner agency has followed up your report. Thank you for helping.")
    ask_reporter(tip, body)
