"""Caseworker actions on incidents: verify, reject, merge, split, assign; each audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from handoff.actions import create_handoff
from handoff.models import Agency
from reporting.intake import TipSubmission, submit_tip
from reporting.models import AuditEvent, Tip, TipStatus
from triage.defaults import load_defaults
from triage.models import Incident, IncidentStatus
from triage.workflow import merge_incidents, reject_incident, split_tip, verify_incident

from .conftest import make_incident

pytestmark = pytest.mark.django_db


def another_incident(text: str = "Men unload fuel drums from a boat at the north beach every Tuesday", urgency: int = 30) -> Incident:
    tip = Tip.objects.get(pk=submit_tip(TipSubmission(text=text, channel="api")).tip_id)
    return make_incident([tip], ["goods_smuggling"], urgency=urgency)


def test_verifying_moves_every_tip_and_is_audited(incident: Incident) -> None:
    assert verify_incident(incident, by=None) == 2
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.VERIFIED
    assert set(Tip.objects.values_list("status", flat=True)) == {TipStatus.VERIFIED}
    assert AuditEvent.objects.filter(action="verified", object_id=incident.reference).exists()


@pytest.mark.parametrize(("reason", "status"), [("spam", TipStatus.REJECTED_SPAM),
                                                ("not_actionable", TipStatus.REJECTED_NOT_ACTIONABLE),
                                                ("duplicate", TipStatus.REJECTED_DUPLICATE)])
def test_rejecting_keeps_the_reason(incident: Incident, reason: str, status: str) -> None:
    reject_incident(incident, reason, by=None, note="seen before")
    assert set(Tip.objects.values_list("status", flat=True)) == {status}
    assert AuditEvent.objects.get(action="rejected").detail == {"reason": reason, "note": "seen before"}


def test_an_unknown_reason_changes_nothing(incident: Incident) -> None:
    with pytest.raises(ValidationError):
        reject_incident(incident, "boring", by=None)
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.OPEN


def test_merging_gathers_the_tips_and_recounts(incident: Incident) -> None:
    other = another_incident(urgency=80)
    merged = merge_incidents(incident, [other], by=None)
    assert not Incident.objects.filter(pk=other.pk).exists()
    # The most urgent tip's 80, and +20 for corroboration by three reporters once together.
    assert (merged.tip_count, merged.reporter_count, merged.urgency) == (3, 3, 100)
    assert set(merged.labels) == {"people_smuggling", "goods_smuggling"}
    assert AuditEvent.objects.get(action="merged").detail == {"merged": [other.reference]}


def test_an_incident_with_a_handoff_is_not_merged_away(incident: Incident, agencies: dict[str, Agency]) -> None:
    create_handoff(incident, agencies["nora"], by=None)
    target = another_incident()
    with pytest.raises(ValidationError):
        merge_incidents(target, [incident], by=None)
    assert Incident.objects.get(pk=incident.pk).tip_count == 2 and Incident.objects.get(pk=target.pk).tip_count == 1


def test_splitting_a_tip_out_opens_its_own_incident(incident: Incident) -> None:
    tip = Tip.objects.filter(triage__incident=incident).first()
    new = split_tip(tip, by=None)
    assert new.pk != incident.pk and new.tip_count == 1
    assert Incident.objects.get(pk=incident.pk).tip_count == 1
    split_tip(Tip.objects.filter(triage__incident=incident).get(), by=None)  # the last one: the old incident goes
    assert not Incident.objects.filter(pk=incident.pk).exists()


def test_the_queue_puts_the_most_urgent_first_and_actions_work(supervisor: Client, incident: Incident) -> None:
    load_defaults()  # the category filter lists the categories there are
    low = another_incident(urgency=10)
    page = supervisor.get("/en/admin/triage/incident/").content.decode()
    assert page.index(incident.reference) < page.index(low.reference)
    filtered = supervisor.get("/en/admin/triage/incident/?category=goods_smuggling").content.decode()
    assert low.reference in filtered and incident.reference not in filtered
    supervisor.post("/en/admin/triage/incident/", {"action": "merge", "_selected_action": [incident.pk, low.pk]})
    assert Incident.objects.get(pk=incident.pk).tip_count == 3
    supervisor.post("/en/admin/triage/incident/", {"action": "verify", "_selected_action": [incident.pk]})
    supervisor.post("/en/admin/triage/incident/", {"action": "assign_to_me", "_selected_action": [incident.pk]})
    verified = Incident.objects.get(pk=incident.pk)
    assert verified.status == IncidentStatus.VERIFIED and verified.assigned_to.username == "sam"


def test_the_incident_page_shows_places_reasons_and_a_timeline(supervisor: Client, incident: Incident) -> None:
    from reporting.notices import ask_reporter

    verify_incident(incident, by=None)
    ask_reporter(Tip.objects.filter(triage__incident=incident).first(), "Which crossing exactly?")
    page = supervisor.get(f"/en/admin/triage/incident/{incident.pk}/change/").content.decode()
    assert "31.5000, -106.4000" in page and "People in danger: “encerradas” (+45)" in page
    assert "Waiting for review → Verified" in page and "Which crossing exactly?" in page


def test_incidents_that_share_a_plate_are_shown_as_related(supervisor: Client, incident: Incident) -> None:
    from triage.models import TipIdentifier
    from triage.workflow import related_incidents

    other = another_incident("The truck ABC-1234 was parked at the fuel depot this morning")
    for tip in Tip.objects.all():
        if "ABC-1234" in tip.text:
            TipIdentifier.objects.create(tip=tip, kind="plate", value="ABC1234", received_at=tip.received_at)
    unrelated = another_incident("A boat without lights at the south beach")
    assert related_incidents(incident) == [other]
    assert unrelated not in related_incidents(other)
    page = supervisor.get(f"/en/admin/triage/incident/{incident.pk}/change/").content.decode()
    assert other.reference in page


def test_a_supervisor_hands_off_to_an_agency_the_routing_did_not_suggest(
    supervisor: Client, incident: Incident, agencies: dict[str, Agency]
) -> None:
    from handoff.models import Handoff

    response = supervisor.post("/en/admin/handoff/handoff/add/", {"incident": incident.pk, "agency": agencies["sofia"].pk})
    assert response.status_code == 302, response.content.decode()[:500]
    handoff = Handoff.objects.get()
    assert handoff.agency == agencies["sofia"] and handoff.packet["incident"]["reference"] == incident.reference
    again = supervisor.post("/en/admin/handoff/handoff/add/", {"incident": incident.pk, "agency": agencies["sofia"].pk})
    assert again.status_code == 200 and Handoff.objects.count() == 1  # already with that agency
