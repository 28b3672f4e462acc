"""Incidents stay truthful as they change: news after a handoff, current corroboration, splits remembered."""

from __future__ import annotations

import pytest

from handoff.actions import create_handoff, mark_delivered, send_update
from handoff.models import Agency, DeliveryMethod, Handoff, HandoffKind, HandoffState
from reporting.intake import TipSubmission, submit_tip
from reporting.models import Channel, Tip
from triage.dedupe.index import caseworker_judgements
from triage.defaults import load_defaults
from triage.models import Incident, IncidentStatus, NotSameEvent, StaffNotice
from triage.pipeline import triage_tip
from triage.staff import enroll_staff
from triage.workflow import assign_incident, split_tip

from ..conftest import verified_login

pytestmark = pytest.mark.django_db
PIN = {"latitude": 31.5, "longitude": -106.4}


def report(text: str) -> Tip:
    tip_id = submit_tip(TipSubmission(text=text, channel=Channel.WEB, **PIN)).tip_id
    assert triage_tip(tip_id) == "triaged"
    return Tip.objects.select_related("triage").get(pk=tip_id)


def handed_off_incident() -> tuple[Incident, Agency]:
    report("Una camioneta gris placa ABC-1234 lleva gente armada al cruce norte, anoche a las 2.")
    report("Grey pickup ABC 1234 with armed men at the north crossing last night around 2am.")
    incident = Incident.objects.get()
    agency = Agency.objects.create(name="North Border Unit", categories=[], delivery_method=DeliveryMethod.MANUAL)
    assert mark_delivered(create_handoff(incident, agency, by=None), HandoffState.EXPORTED)
    return Incident.objects.get(pk=incident.pk), agency


def test_a_tip_joining_a_handed_off_incident_flags_it_tells_the_assignee_and_offers_an_update(
        django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    load_defaults()
    carla, _device = enroll_staff("carla", "caseworker", "a-long-passphrase-carla")
    incident, agency = handed_off_incident()
    assign_incident(incident, carla, by=carla)
    assert incident.status == IncidentStatus.HANDED_OFF and incident.new_information_at is None

    with django_capture_on_commit_callbacks(execute=True):  # the notices are written after the commit
        late = report("Tonight again men with guns in the grey pickup ABC-1234 at the north crossing.")

    incident.refresh_from_db()
    assert late.triage.incident_id == incident.pk and incident.tip_count == 3
    assert incident.new_information_at is not None
    assert StaffNotice.objects.filter(user=carla, incident=incident, seen_at=None).count() == 1

    [update] = send_update(incident, by=carla)
    assert (update.kind, update.agency) == (HandoffKind.UPDATE, agency)
    assert update.packet["type"] == "incident.update"
    assert update.packet["incident"]["reporter_count"] == 3
    assert late.reference in [tip["reference"] for tip in update.packet["tips"]]
    assert any("Corroborated by 3 reporters" in reason for reason in update.packet["incident"]["urgency_reasons"])
    incident.refresh_from_db()
    assert incident.new_information_at is None
    assert not StaffNotice.objects.filter(incident=incident, seen_at=None).exists()
    assert Handoff.objects.filter(incident=incident).count() == 2  # the handoff and its update


def test_with_nobody_assigned_the_supervisors_are_told_and_see_it_in_the_admin(
        django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    load_defaults()
    sam, _device = enroll_staff("sam", "supervisor", "a-long-passphrase-sam")
    incident, _agency = handed_off_incident()
    with django_capture_on_commit_callbacks(execute=True):
        report("Tonight again men with guns in the grey pickup ABC-1234 at the north crossing.")
    assert StaffNotice.objects.filter(user=sam, incident=incident, seen_at=None).exists()

    from django.test import Client

    client = Client()
    verified_login(client, sam)
    listed = client.get("/en/admin/triage/incident/?new_information=yes")
    assert incident.reference in listed.content.decode()
    page = client.get(f"/en/admin/triage/incident/{incident.pk}/change/")
    assert page.status_code == 200 and "New information" in page.content.decode()
    assert not StaffNotice.objects.filter(user=sam, incident=incident, seen_at=None).exists()  # seen now


def test_corroboration_follows_the_incident_when_a_tip_is_split_out() -> None:
    load_defaults()
    carla, _device = enroll_staff("carla", "caseworker", "a-long-passphrase-carla")
    first = report("Una camioneta gris placa ABC-1234 lleva gente armada al cruce norte, anoche a las 2.")
    second = report("Grey pickup ABC 1234 with armed men at the north crossing last night around 2am.")
    incident = Incident.objects.get()
    assert incident.reporter_count == 2
    together = incident.urgency

    split_tip(second, by=carla)

    incident.refresh_from_db()
    assert (incident.tip_count, incident.reporter_count) == (1, 1)
    assert incident.urgency < together  # no corroboration left
    assert NotSameEvent.objects.filter(tip=second, other=first, created_by=carla).exists()
    [(tip, other)] = caseworker_judgements()
    assert (tip.tip_id, other.tip_id) == (second.pk, first.pk) and tip.evidence.names


def test_a_caseworker_sends_the_update_from_the_incident_list(django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    from django.test import Client

    load_defaults()
    carla, _device = enroll_staff("carla", "caseworker", "a-long-passphrase-carla")
    incident, agency = handed_off_incident()
    with django_capture_on_commit_callbacks(execute=True):
        report("Tonight again men with guns in the grey pickup ABC-1234 at the north crossing.")
    client = Client()
    verified_login(client, carla)

    response = client.post("/en/admin/triage/incident/", {"action": "send_update_to_agencies",
                                                           "_selected_action": [incident.pk]}, follow=True)

    assert "update sent to North Border Unit" in response.content.decode()
    update = Handoff.objects.get(incident=incident, kind=HandoffKind.UPDATE)
    assert update.agency == agency and update.created_by == carla
    assert Incident.objects.get(pk=incident.pk).new_information_at is None


def test_outreach_staff_cannot_send_updates() -> None:
    from django.test import Client

    load_defaults()
    olga, _device = enroll_staff("olga", "outreach", "a-long-passphrase-olga")
    incident, _agency = handed_off_incident()
    client = Client()
    verified_login(client, olga)
    client.post("/en/admin/triage/incident/", {"action": "send_update_to_agencies", "_selected_action": [incident.pk]})
    assert not Handoff.objects.filter(incident=incident, kind=HandoffKind.UPDATE).exists()
