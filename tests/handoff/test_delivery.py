"""Delivery of a signed packet: retries with backoff, failure after the last attempt, one effect."""

from __future__ import annotations

import pytest

from handoff.actions import create_handoff, issue_credentials
from handoff.delivery import deliver
from handoff.models import Agency, Handoff, HandoffState
from reporting.models import Tip, TipStatus
from triage.models import Incident


@pytest.mark.django_db
def test_after_the_last_attempt_the_handoff_shows_as_failed_with_the_error(
    incident: Incident, agencies: dict[str, Agency], receiver_for: object
) -> None:
    receiver_for(agencies["nora"], fail_first=99)  # type: ignore[operator]
    handoff = create_handoff(incident, agencies["nora"], by=None)
    assert not deliver(handoff.pk, final_attempt=False).delivered
    assert Handoff.objects.get(pk=handoff.pk).state == HandoffState.QUEUED
    assert not deliver(handoff.pk, final_attempt=True).delivered
    failed = Handoff.objects.get(pk=handoff.pk)
    assert failed.state == HandoffState.FAILED and failed.last_error.startswith("HTTP 503")
    assert set(Tip.objects.values_list("status", flat=True)) == {TipStatus.TRIAGED}  # not handed off


@pytest.mark.django_db
def test_a_wrong_secret_is_refused_by_the_receiver(incident: Incident, agencies: dict[str, Agency], receiver_for: object) -> None:
    receiver = receiver_for(agencies["nora"])  # type: ignore[operator]
    issue_credentials(agencies["nora"])  # rotated on our side, the agency still has the old secret
    handoff = create_handoff(incident, agencies["nora"], by=None)
    assert not deliver(handoff.pk, final_attempt=False).delivered
    assert receiver.bad_signatures == 1 and not receiver.effects
