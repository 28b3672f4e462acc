"""The packet an agency receives: the incident, its tips redacted per the agency's profile,
photo links that expire, and the idempotency key it dedupes on."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from reporting.models import AttachmentState, Tip
from triage.identifiers import IdentifierSpan, redact
from triage.models import Incident
from triage.urgency import describe_reason, incident_reasons

from .models import Agency, Handoff
from .routing import incident_tips

PHOTO_SALT = "handoff-photo"


def redacted_for(tip: Tip, agency: Agency) -> str:
    """The tip's text with every identifier the agency may not receive replaced by its placeholder."""
    triage = getattr(tip, "triage", None)
    spans = [IdentifierSpan(s["type"], s["start"], s["end"], s["text"], s.get("normalized", s["text"]))
             for s in (triage.identifiers if triage else [])]
    return redact(tip.text, spans, keep=set(agency.identifier_types))


def photo_link(handoff_id: int, attachment_id: int) -> str:
    token = signing.dumps({"h": handoff_id, "a": attachment_id}, salt=PHOTO_SALT)
    return settings.TIPLINE_PUBLIC_URL + reverse("handoff:photo", args=[token])


def read_photo_token(token: str) -> tuple[int, int]:
    """(handoff id, attachment id); raises signing.BadSignature (or SignatureExpired)."""
    data = signing.loads(token, salt=PHOTO_SALT, max_age=settings.TIPLINE_HANDOFF_PHOTO_LINK_TTL)
    return int(data["h"]), int(data["a"])


def _iso(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]


def build_packet(handoff: Handoff, incident: Incident, agency: Agency) -> dict[str, object]:
    tips = incident_tips(incident)
    expires = timezone.now() + timedelta(seconds=settings.TIPLINE_HANDOFF_PHOTO_LINK_TTL)
    # The most urgent tip's own reasons, and corroboration by the incident's reporters as it is now.
    triages = [tip.triage for tip in tips if getattr(tip, "triage", None)]
    top = max(triages, key=lambda triage: triage.urgency, default=None)
    return {
        "type": f"incident.{handoff.kind}",
        "handoff_id": handoff.pk,
        "idempotency_key": str(handoff.idempotency_key),
        "created_at": _iso(handoff.created_at),
        "incident": {
            "reference": incident.reference,
            "categories": list(incident.labels),
            "urgency": incident.urgency,
            "urgency_reasons": [describe_reason(r) for r in incident_reasons(
                top.urgency_reasons if top else [], incident.reporter_count, incident.labels)],
            "tip_count": incident.tip_count,
            "reporter_count": incident.reporter_count,
            "first_report_at": _iso(tips[0].received_at) if tips else None,
            "last_report_at": _iso(incident.last_tip_at),
            "regions": sorted({tip.region.code for tip in tips if tip.region}),
        },
        "tips": [
            {
                "reference": tip.reference,
                "received_at": _iso(tip.received_at),
                "language": tip.detected_language or tip.declared_language,
                "text": redacted_for(tip, agency),
                "place_name": tip.place_name,
                "latitude": tip.latitude,
                "longitude": tip.longitude,
                "occurred_window": tip.occurred_window,
                "occurred_at": _iso(tip.occurred_at),
                "photos": [photo_link(handoff.pk, a.pk) for a in tip.attachments.filter(state=AttachmentState.CLEAN)],
            }
            for tip in tips
        ],
        "photo_links_expire_at": _iso(expires),
    }
