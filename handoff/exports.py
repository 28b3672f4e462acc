"""Manual export of a handoff packet, for agencies without a webhook."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.utils.translation import gettext as _
from fpdf import FPDF

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


FONT = Path(__file__).resolve().parent / "fonts" / "DejaVuSans.ttf"  # Latin, Cyrillic and Arabic


def packet_pdf(handoffs: list[Handoff]) -> bytes:
    """One page or more per handoff: the incident, then each tip as the agency may see it.

    Text is shaped with HarfBuzz, so Arabic joins and runs right to left.
    """
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_text_shaping(True)
    for handoff in handoffs:
        incident = handoff.packet.get("incident", {})
        pdf.add_page()
        pdf.set_font("DejaVu", size=14)
        pdf.multi_cell(0, 8, f"{_('incident')} {incident.get('reference', '')} → {handoff.agency.name}",
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=9)
        for label, value in ((_("idempotency key"), handoff.idempotency_key),
                             (_("categories"), ", ".join(incident.get("categories", []))),
                             (_("urgency"), incident.get("urgency")),
                             (_("Why this urgency"), "; ".join(incident.get("urgency_reasons", [])))):
            pdf.multi_cell(0, 5, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
        for tip in handoff.packet.get("tips", []):
            pdf.ln(3)
            pdf.set_font("DejaVu", size=10)
            place = ", ".join(str(v) for v in (tip.get("place_name"), tip.get("latitude"), tip.get("longitude")) if v)
            pdf.multi_cell(0, 6, f"{tip.get('reference')} · {tip.get('received_at', '')[:16]} · {place}",
                           new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", size=9)
            pdf.multi_cell(0, 5, str(tip.get("text", "")), new_x="LMARGIN", new_y="NEXT")
            for link in tip.get("photos", []):
                pdf.multi_cell(0, 5, link, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
