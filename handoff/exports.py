"""Manual export of a handoff packet, for agencies without a webhook."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from .models import Handoff

# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def packet_csv(handoffs: list[Handoff]) -> str:
    """One row per tip of each handoff, every cell escaped."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("incident"), _("agency"), _("idempotency key"), _("categories"), _("urgency"), _("tip"),
                     _("received"), _("language"), _("text"), _("place"), _("latitude"), _("longitude"),
                     _("when"), _("photos")])
    for handoff in handoffs:
        incident = handoff.packet.get("incident", {})
        for tip in handoff.packet.get("tips", []):
            writer.writerow([safe_cell(v) for v in (
                incident.get("reference"), handoff.agency.name, handoff.idempotency_key,
                ", ".join(incident.get("categories", [])), incident.get("urgency"), tip.get("reference"),
                tip.get("received_at"), tip.get("language"), tip.get("text"), tip.get("place_name"),
                tip.get("latitude"), tip.get("longitude"), tip.get("occurred_window"), " ".join(tip.get("photos", [])),
            )])
    return out.getvalue()
