"""Routing suggests the agencies that fit; the packet is redacted per the agency's profile."""

from __future__ import annotations

import pytest
from django.test import Client

from handoff.actions import create_handoff
from handoff.exports import packet_csv, safe_cell
from handoff.models import Agency, Handoff
from handoff.routing import suggest_agencies
from reporting.models import AuditEvent, Tip
from triage.models import Incident

pytestmark = pytest.mark.django_db


def test_a_tip_with_coordinates_is_placed_in_its_region(incident: Incident) -> None:
    assert set(Tip.objects.values_list("region__code", flat=True)) == {"north"}


def test_only_agencies_whose_categories_and_regions_fit_are_suggested(incident: Incident, agencies: dict[str, Agency]) -> None:
    suggestions = suggest_agencies(incident)
    assert [s.agency for s in suggestions] == [agencies["nora"]]
    assert suggestions[0].reasons == ("category", "region", "language")


def test_an_agency_with_no_categories_or_regions_takes_anything(incident: Incident, agencies: dict[str, Agency]) -> None:
    general = Agency.objects.create(name="National Hotline")
    assert [s.agency for s in suggest_agencies(incident)] == [agencies["nora"], general]


def test_the_packet_keeps_only_the_identifiers_the_agency_may_receive(incident: Incident, agencies: dict[str, Agency]) -> None:
    handoff = create_handoff(incident, agencies["nora"], by=None)
    texts = [tip["text"] for tip in handoff.packet["tips"]]
    assert "ABC-1234" in texts[0] and "+52 55 1234 5678" not in texts[0] and "[PHONE]" in texts[0]
    assert handoff.packet["idempotency_key"] == str(handoff.idempotency_key)
    assert handoff.packet["incident"]["reference"] == incident.reference
    assert handoff.packet["incident"]["regions"] == ["north"]
    # The top tip's own reasons, and corroboration by the incident's reporters as it is now.
    assert handoff.packet["incident"]["urgency_reasons"] == ["People in danger: “encerradas” (+45)",
                                                             "Corroborated by 2 reporters (+10)"]
    strict = create_handoff(incident, agencies["diego"], by=None)  # a profile with no identifiers
    assert "ABC-1234" not in strict.packet["tips"][0]["text"] and "[PLATE]" in strict.packet["tips"][0]["text"]
    assert AuditEvent.objects.filter(action="handed_off", object_id=incident.reference).count() == 2


def test_one_live_handoff_per_incident_and_agency(incident: Incident, agencies: dict[str, Agency]) -> None:
    from django.db import IntegrityError

    create_handoff(incident, agencies["nora"], by=None)
    with pytest.raises(IntegrityError):
        create_handoff(incident, agencies["nora"], by=None)
    assert Handoff.objects.count() == 1


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_start_like_a_formula_are_escaped(value: str) -> None:
    assert safe_cell(value) == "'" + value
    assert safe_cell("plain text") == "plain text"


def test_the_csv_export_has_one_escaped_row_per_tip(incident: Incident, agencies: dict[str, Agency]) -> None:
    Tip.objects.filter(pk=incident.tip_triages.first().tip_id).update(text="=cmd|' /C calc'!A0 and more words")
    handoff = create_handoff(incident, agencies["diego"], by=None)
    rows = packet_csv([handoff]).splitlines()
    assert len(rows) == 3  # the header and two tips
    assert any(",'=cmd" in row for row in rows)


def test_a_supervisor_hands_off_from_the_incident_page_and_exports(
    supervisor: Client, incident: Incident, agencies: dict[str, Agency]
) -> None:
    page = supervisor.get(f"/en/admin/triage/incident/{incident.pk}/change/").content.decode()
    assert "North Border Unit (category, region, language)" in page
    response = supervisor.post("/en/admin/triage/incident/", {"action": "hand_off_to_suggested",
                                                              "_selected_action": [incident.pk]})
    assert response.status_code == 302
    handoff = Handoff.objects.get()
    assert handoff.agency == agencies["nora"] and handoff.created_by is not None
    export = supervisor.post("/en/admin/handoff/handoff/", {"action": "export_csv", "_selected_action": [handoff.pk]})
    assert export["Content-Type"].startswith("text/csv") and incident.reference in export.content.decode()
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {"handed_off", "exported"}


def test_a_manual_agency_gets_a_pdf_with_arabic_text_and_the_export_counts_as_delivery(
    supervisor: Client, incident: Incident
) -> None:
    from handoff.exports import packet_pdf
    from handoff.models import DeliveryMethod, HandoffState

    Tip.objects.filter(pk=incident.tip_triages.first().tip_id).update(text="شاحنة بيضاء تعبر الحدود كل ليلة ABC-1234")
    manual = Agency.objects.create(name="Border Office (by hand)", delivery_method=DeliveryMethod.MANUAL)
    handoff = create_handoff(incident, manual, by=None)
    pdf = packet_pdf([handoff])
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") and len(pdf) > 2000
    response = supervisor.post("/en/admin/handoff/handoff/", {"action": "export_pdf", "_selected_action": [handoff.pk]})
    assert response["Content-Type"] == "application/pdf"
    assert Handoff.objects.get(pk=handoff.pk).state == HandoffState.EXPORTED
    assert AuditEvent.objects.get(action="exported").detail == {"handoff": handoff.pk, "format": "pdf"}
