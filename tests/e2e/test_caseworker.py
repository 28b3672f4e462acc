"""In headless Chromium, Carla (a caseworker of the North) logs in with her authenticator,
works the queue: merges two reports of the same truck, verifies, and hands the incident off."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from handoff.models import Agency, Handoff
from reporting.models import AuditEvent, Region, StaffScope, Tip
from tests.handoff.conftest import make_incident
from tests.staff.test_login import current_code
from triage.models import Incident, IncidentStatus
from triage.staff import enroll_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_a_caseworker_logs_in_with_two_factors_merges_verifies_and_hands_off(
    page: Page, live_server, incident: Incident, agencies: dict[str, Agency]  # noqa: ANN001
) -> None:
    carla, device = enroll_staff("carla", "caseworker", PASSWORD)
    StaffScope.objects.create(user=carla).regions.add(Region.objects.get(code="north"))
    tip = Tip.objects.create(reference="T-TRCK-02", reporter=Tip.objects.first().reporter, channel="web",
                             text="The same truck ABC-1234 again tonight at the north crossing",
                             region=Region.objects.get(code="north"))
    second = make_incident([tip], ["people_smuggling"], urgency=40)

    page.goto(f"{live_server.url}/en/admin/login/?next=/en/admin/triage/incident/")
    page.locator("#id_username").fill("carla")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_otp_token").fill(current_code(device))
    page.locator("input[type=submit]").click()
    expect(page.locator("#result_list")).to_be_visible()
    rows = page.locator("#result_list tbody tr")
    expect(rows.first).to_contain_text(incident.reference)  # the most urgent first

    page.locator(f"input[name=_selected_action][value='{incident.pk}']").check()
    page.locator(f"input[name=_selected_action][value='{second.pk}']").check()
    page.locator("select[name=action]").select_option("merge")
    page.locator("button[name=index]").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Merged into {incident.reference}")
    assert Incident.objects.get(pk=incident.pk).tip_count == 3

    for action in ("verify", "hand_off_to_suggested"):
        page.locator(f"input[name=_selected_action][value='{incident.pk}']").check()
        page.locator("select[name=action]").select_option(action)
        page.locator("button[name=index]").click()
        expect(page.locator(".messagelist")).to_be_visible()
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.VERIFIED
    handoff = Handoff.objects.get()
    assert handoff.agency == agencies["nora"] and handoff.created_by == carla
    assert {"merged", "verified", "handed_off"} <= set(AuditEvent.objects.values_list("action", flat=True))
