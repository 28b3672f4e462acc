"""The admin's first page shows what Tipline achieved in the last 30 days."""

from __future__ import annotations

import pytest
from django.test import Client

from handoff.actions import create_handoff, mark_delivered
from handoff.effectiveness import measure
from handoff.models import Agency
from reporting.models import Tip
from triage.models import Incident
from triage.workflow import verify_incident

pytestmark = pytest.mark.django_db


def test_the_figures_follow_the_tips(incident: Incident, agencies: dict[str, Agency]) -> None:
    Tip.objects.update(triaged_at=Tip.objects.first().received_at)
    verify_incident(incident, by=None)
    mark_delivered(create_handoff(incident, agencies["nora"], by=None))
    figures = measure()
    assert sum(bar.value for bar in figures.tips_per_day) == 2
    assert [(bar.label, bar.value) for bar in figures.by_channel] == [("Web form", 2)]
    assert [(bar.label, bar.value) for bar in figures.handoff_outcomes] == [("Delivered", 1)]
    assert figures.verified_rate == 1.0 and figures.duplicate_rate == 1.0
    assert [bar.label for bar in figures.median_hours] == ["to triaged", "to verified", "to handed off"]


def test_the_first_page_shows_the_charts_to_staff_who_work_incidents(supervisor: Client, incident: Incident) -> None:
    page = supervisor.get("/en/admin/").content.decode()
    assert 'id="effectiveness"' in page and "Tips per day" in page and 'id="duplicate-rate">100%' in page
    spanish = supervisor.get("/es/admin/").content.decode()
    assert "Tips per day" not in spanish  # translated
