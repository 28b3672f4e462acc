"""A real worker delivers a signed handoff: retries with backoff until the agency takes it, once."""

from __future__ import annotations

import pytest
from django.db import transaction

from handoff.actions import create_handoff
from handoff.models import Agency, Handoff, HandoffState
from reporting.intake import TipSubmission, submit_tip
from reporting.models import Tip, TipStatus
from tests.conftest import wait_until
from tests.handoff.conftest import TEXTS
from triage.models import Incident, IncidentStatus


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_worker_retries_until_the_agency_takes_it_and_it_takes_effect_once(
    agencies: dict[str, Agency], receiver_for: object, celery_worker: str
) -> None:
    # The incident is the one the worker's own triage made (a fixture's hand-made incident
    # would race with the worker triaging the same tips).
    tip_id = submit_tip(TipSubmission(text=TEXTS[0], channel="web", latitude=31.5, longitude=-106.4)).tip_id
    wait_until(lambda: Tip.objects.filter(pk=tip_id, status=TipStatus.TRIAGED, triage__incident__isnull=False).exists())
    incident = Incident.objects.get(tip_triages__tip_id=tip_id)
    # The agency fails twice, then acts but its answer is lost, then answers.
    receiver = receiver_for(agencies["nora"], fail_first=2, lose_answers=1)  # type: ignore[operator]
    with transaction.atomic():
        handoff = create_handoff(incident, agencies["nora"], by=None)
    wait_until(lambda: Handoff.objects.get(pk=handoff.pk).state == HandoffState.DELIVERED, timeout=30)

    handoff.refresh_from_db()
    assert handoff.attempts == 4 and receiver.bad_signatures == 0
    assert len(receiver.calls) == 4 and {c["webhook-id"] for c in receiver.calls} == {str(handoff.idempotency_key)}
    assert list(receiver.effects) == [str(handoff.idempotency_key)]  # one effect
    assert [a.status_code for a in handoff.delivery_attempts.all()] == [503, 503, 502, 200]
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.HANDED_OFF
    assert Tip.objects.get(pk=tip_id).status == TipStatus.HANDED_OFF
