"""A tip sent through the API is triaged by a real worker; a broker outage loses nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from reporting.models import Tip, TipStatus
from tests.conftest import broker_outage, wait_until
from triage.tasks import sweep_untriaged_tips

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _status(reference: str) -> str:
    return Tip.objects.values_list("status", flat=True).get(reference=reference)


def test_a_tip_sent_through_the_api_reaches_triaged_with_its_language(
    api: APIClient, celery_worker: str, active_model: object
) -> None:
    text = "Тот же белый грузовик А123ВС 77 снова пересёк реку ночью у старого моста, без фар. Звоните +7 912 345 67 89."
    response = api.post("/api/v1/tips/", {"text": text}, format="json")
    assert response.status_code == 201
    reference = response.json()["reference"]

    wait_until(lambda: _status(reference) == TipStatus.TRIAGED, timeout=30)
    tip = Tip.objects.get(reference=reference)
    assert tip.detected_language == "ru"
    assert set(tip.triage_timings) == {"attachments", "language", "identifiers", "classify", "urgency", "sketch",
                                       "duplicates", "incidents", "record"}
    assert list(tip.events.values_list("to_status", flat=True)) == ["received", "triaged"]
    # Every step left its mark: identifiers redacted, model scores, an incident.
    assert "[PLATE]" in tip.redacted_text and "[PHONE]" in tip.redacted_text
    assert tip.triage.classifier_version == active_model and len(tip.triage.scores) == 10
    assert tip.triage.incident.tip_count == 1


def test_with_the_broker_down_the_tip_is_kept_and_triaged_once_it_is_back(
    api: APIClient, celery_worker: str, settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.TIPLINE_TRIAGE_SWEEP_AFTER = timedelta(0)
    text = "Des hommes armés attendent les camions au gué de la rivière chaque nuit."
    with broker_outage(), caplog.at_level("INFO", logger="triage.tasks"):
        response = api.post("/api/v1/tips/", {"text": text}, format="json")
        assert response.status_code == 201
        body = response.json()
        assert body["receipt"] and body["status"] == "received"
        # The next resident is not made to wait for another failing publish.
        second = api.post("/api/v1/tips/", {"text": text + " Encore ce soir."}, format="json")
        assert second.status_code == 201
        assert "left to the sweeper" in caplog.text
        # Still down: the sweeper finds the tips but cannot enqueue them, and nothing is lost.
        assert sweep_untriaged_tips() == {"waiting": 2, "drains": 0, "failed": 0, "retried": 0}
    assert _status(body["reference"]) == TipStatus.RECEIVED

    # One drain takes both.
    assert sweep_untriaged_tips() == {"waiting": 2, "drains": 1, "failed": 0, "retried": 0}
    wait_until(lambda: _status(body["reference"]) == TipStatus.TRIAGED, timeout=30)
    wait_until(lambda: _status(second.json()["reference"]) == TipStatus.TRIAGED, timeout=30)
    assert Tip.objects.get(reference=body["reference"]).detected_language == "fr"


def test_the_sweeper_retries_a_tip_whose_triage_failed_on_its_own(celery_worker: str, settings) -> None:
    from django.utils import timezone

    from reporting.intake import TipSubmission, submit_tip
    from reporting.models import Channel
    from reporting.signals import tip_received
    from triage.tasks import enqueue_triage_after_commit

    tip_received.disconnect(dispatch_uid="triage-on-tip-received")  # as if its drain had failed on it
    try:
        tip_id = submit_tip(TipSubmission(text="Boxes of cigarettes go over the fence behind the customs yard.",
                                          channel=Channel.WEB)).tip_id
    finally:
        tip_received.connect(enqueue_triage_after_commit, dispatch_uid="triage-on-tip-received")
    Tip.objects.filter(pk=tip_id).update(triage_failed_at=timezone.now() - timedelta(minutes=11))
    settings.TIPLINE_TRIAGE_SWEEP_AFTER = timedelta(0)

    # No drain takes a failed tip; the sweeper sends it a task of its own.
    assert sweep_untriaged_tips() == {"waiting": 0, "drains": 0, "failed": 1, "retried": 1}
    wait_until(lambda: Tip.objects.get(pk=tip_id).status == TipStatus.TRIAGED, timeout=30)
