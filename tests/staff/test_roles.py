"""Roles: a caseworker sees only their regions, outreach staff see no tips, the unredacted text
needs its own permission, and every view of a tip is in the audit trail.

Alice is a caseworker of the North, Bob of the South; Olga does outreach; Rita may read tips
but not their unredacted text.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from reporting.intake import TipSubmission, submit_tip
from reporting.models import AuditEvent, Region, StaffScope, Tip
from triage.defaults import load_roles
from triage.pipeline import triage_tip

from ..conftest import verified_login

pytestmark = pytest.mark.django_db

TEXT = "Un camión con placa ABC-1234 cruza de noche, el chofer contesta al +52 55 1234 5678."


@pytest.fixture
def north_tip(db: None) -> Tip:
    Region.objects.create(code="north", names={"en": "North"}, min_latitude=30, max_latitude=33,
                          min_longitude=-110, max_longitude=-100)
    Region.objects.create(code="south", names={"en": "South"}, min_latitude=10, max_latitude=20,
                          min_longitude=-95, max_longitude=-85)
    tip_id = submit_tip(TipSubmission(text=TEXT, channel="web", latitude=31.7, longitude=-106.5)).tip_id
    triage_tip(tip_id)
    return Tip.objects.get(pk=tip_id)


def staff(django_user_model, client: Client, name: str, role: str, region: str | None = None) -> Client:  # noqa: ANN001
    load_roles()
    user = django_user_model.objects.create_user(name, password="p" * 12, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    if region is not None:
        StaffScope.objects.create(user=user).regions.add(Region.objects.get(code=region))
    verified_login(client, user)
    return client


def test_a_caseworker_opens_a_tip_of_their_region_and_the_view_is_audited(north_tip: Tip, client: Client,
                                                                           django_user_model) -> None:  # noqa: ANN001
    alice = staff(django_user_model, client, "alice", "caseworker", "north")
    page = alice.get(f"/en/admin/reporting/tip/{north_tip.pk}/change/")
    assert page.status_code == 200 and "+52 55 1234 5678" in page.content.decode()
    event = AuditEvent.objects.get(action="viewed")
    assert (event.actor.username, event.object_id, event.detail) == ("alice", north_tip.reference, {"unredacted": True})


def test_a_caseworker_of_another_region_cannot_open_it(north_tip: Tip, client: Client, django_user_model) -> None:  # noqa: ANN001
    bob = staff(django_user_model, client, "bob", "caseworker", "south")
    assert bob.get(f"/en/admin/reporting/tip/{north_tip.pk}/change/").status_code == 302  # "does not exist"
    assert north_tip.reference not in bob.get("/en/admin/reporting/tip/").content.decode()
    incident = north_tip.triage.incident
    assert incident.reference not in bob.get("/en/admin/triage/incident/").content.decode()
    assert not AuditEvent.objects.filter(action="viewed").exists()


def test_outreach_staff_cannot_see_tips_at_all(north_tip: Tip, client: Client, django_user_model) -> None:  # noqa: ANN001
    olga = staff(django_user_model, client, "olga", "outreach")
    assert olga.get("/en/admin/reporting/tip/").status_code == 403
    assert olga.get(f"/en/admin/reporting/tip/{north_tip.pk}/change/").status_code in (302, 403)
    assert olga.get("/en/admin/triage/incident/").status_code == 403


def test_without_the_permission_only_the_redacted_text_is_shown(north_tip: Tip, client: Client,
                                                                 django_user_model) -> None:  # noqa: ANN001
    rita = django_user_model.objects.create_user("rita", password="p" * 12, is_staff=True)
    rita.user_permissions.add(Permission.objects.get(codename="view_tip"))
    verified_login(client, rita)
    page = client.get(f"/en/admin/reporting/tip/{north_tip.pk}/change/").content.decode()
    assert "[PHONE]" in page and "+52 55 1234 5678" not in page and "ABC-1234" not in page
    assert AuditEvent.objects.get(action="viewed").detail == {"unredacted": False}


def test_a_caseworker_sees_the_cleaned_photo_of_a_tip_in_their_region_only(
    client: Client, django_user_model  # noqa: ANN001
) -> None:
    from reporting.attachments import clean_attachment
    from reporting.models import Attachment
    from tests.conftest import make_photo

    Region.objects.create(code="north", names={"en": "North"}, min_latitude=30, max_latitude=33,
                          min_longitude=-110, max_longitude=-100)
    Region.objects.create(code="south", names={"en": "South"}, min_latitude=10, max_latitude=20,
                          min_longitude=-95, max_longitude=-85)
    tip_id = submit_tip(TipSubmission(text=TEXT, channel="web", latitude=31.7, longitude=-106.5,
                                      photos=[make_photo(gps=True)])).tip_id
    attachment = Attachment.objects.get(tip_id=tip_id)
    clean_attachment(attachment.pk)
    url = f"/en/admin/reporting/tip/{tip_id}/photo/{attachment.pk}/"
    alice = staff(django_user_model, client, "alice", "caseworker", "north")
    assert url in alice.get(f"/en/admin/reporting/tip/{tip_id}/change/").content.decode()
    response = alice.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert AuditEvent.objects.filter(action="viewed_photo").exists()
    bob = staff(django_user_model, Client(), "bob", "caseworker", "south")
    assert bob.get(url).status_code == 404
