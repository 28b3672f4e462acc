"""The admin shows a triaged tip's labels, identifiers, urgency reasons and incident."""

from __future__ import annotations

import pytest
from django.test import Client

from reporting.intake import TipSubmission, submit_tip
from reporting.models import Channel, Tip
from triage.defaults import load_defaults
from triage.pipeline import triage_tip

pytestmark = pytest.mark.django_db


def test_a_triaged_tip_shows_what_the_pipeline_found(supervisor: Client, active_model: object) -> None:
    load_defaults()
    text = "Men with rifles load children into a truck AB-123-CD at the ford right now, call +52 55 1234 5678."
    tip_id = submit_tip(TipSubmission(text=text, channel=Channel.WEB)).tip_id
    triage_tip(tip_id)
    tip = Tip.objects.get(pk=tip_id)

    html = supervisor.get(f"/en/admin/reporting/tip/{tip_id}/change/").content.decode()

    assert "Why this urgency" in html and "Weapons mentioned: “rifles”" in html
    assert "Children mentioned" in html and "<mark>AB-123-CD</mark> (plate)" in html
    assert tip.triage.incident.reference in html
    assert 'name="triage-0-corrected_labels"' in html  # the correction checkboxes

    queue = supervisor.get("/en/admin/triage/incident/").content.decode()
    assert tip.triage.incident.reference in queue
    incident_page = supervisor.get(f"/en/admin/triage/incident/{tip.triage.incident_id}/change/").content.decode()
    assert f'href="/en/admin/reporting/tip/{tip_id}/change/"' in incident_page


def test_a_correction_in_the_admin_becomes_training_data(supervisor: Client, active_model: object) -> None:
    from triage.models import TipTriage, TrainingExample

    load_defaults()
    tip_id = submit_tip(TipSubmission(text="The customs officer takes cash to let fuel trucks pass.", channel=Channel.WEB)).tip_id
    triage_tip(tip_id)
    # Only a change is saved from the form, so correct to labels the model did not give.
    correction = ["goods_smuggling", "suspicious_activity"]
    assert TipTriage.objects.get(tip_id=tip_id).labels != correction
    page = supervisor.get(f"/en/admin/reporting/tip/{tip_id}/change/")
    form = page.context["adminform"].form
    data = {
        "triage-TOTAL_FORMS": "1", "triage-INITIAL_FORMS": "1", "triage-MIN_NUM_FORMS": "0", "triage-MAX_NUM_FORMS": "1",
        "triage-0-tip": str(tip_id), "triage-0-corrected_labels": correction,
    }
    for prefix in ("attachments", "messages", "messages-2", "events"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    assert form is not None
    response = supervisor.post(f"/en/admin/reporting/tip/{tip_id}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert TipTriage.objects.get(tip_id=tip_id).labels == correction
    assert TrainingExample.objects.get().labels == correction


def test_a_tip_triage_failed_on_says_so_in_its_language(supervisor: Client) -> None:
    from django.utils import timezone

    tip_id = submit_tip(TipSubmission(text="Trucks cross the dry riverbed at night without lights.", channel=Channel.WEB)).tip_id
    Tip.objects.filter(pk=tip_id).update(triage_failed_at=timezone.now())

    assert "Triage last failed" in supervisor.get(f"/en/admin/reporting/tip/{tip_id}/change/").content.decode()
    assert "Dernier échec du tri" in supervisor.get(f"/fr/admin/reporting/tip/{tip_id}/change/").content.decode()
