"""Campaigns: written in a base language, translations tracked, approved by a supervisor who
did not write it, published at /c/<code>/, and the tips they bring counted.

Olga does outreach; Sam is a supervisor.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from campaigns.actions import approve, attribution, submit_for_approval
from campaigns.models import Campaign, CampaignStatus
from campaigns.texts import CURRENT, MISSING, OUTDATED, translation_states, write_language
from reporting.models import Tip
from triage.defaults import load_roles

from ..conftest import verified_login

pytestmark = pytest.mark.django_db

EN = ("What smuggling of people looks like", "Vans with covered windows at night, people hidden in the back.\n"
      "If you see it, report it safely: you do not need to give your name.")
AR = ("كيف يبدو تهريب البشر", "شاحنات بنوافذ مغطاة ليلًا وأشخاص مخبؤون في الخلف.\nإذا رأيت ذلك فأبلغ بأمان: لا تحتاج إلى ذكر اسمك.")


@pytest.fixture
def olga(django_user_model) -> object:  # noqa: ANN001
    load_roles()
    user = django_user_model.objects.create_user("olga", password="o" * 12, is_staff=True)
    user.groups.add(Group.objects.get(name="outreach"))
    return user


@pytest.fixture
def sam(django_user_model) -> object:  # noqa: ANN001
    load_roles()
    user = django_user_model.objects.create_user("sam", password="s" * 12, is_staff=True)
    user.groups.add(Group.objects.get(name="supervisor"))
    return user


def a_campaign(olga: object, code: str = "river-2026") -> Campaign:
    campaign = Campaign(code=code, created_by=olga)
    write_language(campaign, "en", *EN)
    write_language(campaign, "ar", *AR)
    campaign.save()
    return campaign


def test_translations_are_missing_current_or_older_than_the_base_text(olga: object) -> None:
    campaign = a_campaign(olga)
    states = translation_states(campaign)
    assert states["ar"] == CURRENT and states["es"] == MISSING
    write_language(campaign, "en", EN[0], EN[1] + " Call nobody: write to us.")
    assert translation_states(campaign)["ar"] == OUTDATED


def test_a_supervisor_who_did_not_write_it_approves_it(olga: object, sam: object) -> None:
    campaign = a_campaign(olga)
    with pytest.raises(ValidationError):
        approve(campaign, sam)  # not submitted yet
    submit_for_approval(campaign, olga)
    campaign.refresh_from_db()
    with pytest.raises(PermissionDenied):
        approve(campaign, olga)  # outreach cannot approve
    approve(campaign, sam)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.APPROVED and campaign.approved_by == sam


def test_the_public_page_exists_only_once_approved_and_speaks_the_browsers_language(
    client: Client, olga: object, sam: object, settings: object
) -> None:
    settings.TELEGRAM_BOT_USERNAME = "tipline_bot"  # type: ignore[attr-defined]
    campaign = a_campaign(olga)
    assert client.get("/c/river-2026/").status_code == 404
    submit_for_approval(campaign, olga)
    campaign.refresh_from_db()
    approve(campaign, sam)
    arabic = client.get("/c/river-2026/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in arabic and AR[0] in arabic and 'href="/ar/report/?c=river-2026"' in arabic
    assert 'href="https://t.me/tipline_bot?start=river-2026"' in arabic
    english = client.get("/c/river-2026/?lang=en", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="ltr"' in english and EN[0] in english
    french = client.get("/c/river-2026/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert EN[0] in french  # no French text: the base language


def test_tips_through_the_form_link_are_attributed_and_counted(client: Client, olga: object) -> None:
    campaign = a_campaign(olga)
    form = client.get("/en/report/?c=river-2026").content.decode()
    assert 'value="river-2026"' in form
    client.post("/en/report/", {"text": "A van with covered windows stops at the river ford every night",
                                "campaign": "river-2026"})
    assert Tip.objects.get().campaign_code == "river-2026"
    assert attribution(campaign).tips == 1


def test_the_campaign_page_shows_what_the_agencies_reported(client: Client, olga: object, sam: object) -> None:
    from handoff.models import Agency, Handoff
    from triage.pipeline import triage_tip

    campaign = a_campaign(olga)
    client.post("/en/report/", {"text": "A van with covered windows stops at the river ford every night",
                                "campaign": "river-2026"})
    client.post("/en/report/", {"text": "Boats land crates of cigarettes at the old pier before dawn"})
    attributed, other = Tip.objects.order_by("pk")
    for tip in (attributed, other):
        triage_tip(tip.pk)
    police, customs = Agency.objects.create(name="Border police"), Agency.objects.create(name="Customs")
    ours = Tip.objects.get(pk=attributed.pk).triage.incident
    Handoff.objects.create(incident=ours, agency=police, state="actioned")
    Handoff.objects.create(incident=ours, agency=customs, state="more_information")
    Handoff.objects.create(incident=Tip.objects.get(pk=other.pk).triage.incident, agency=police, state="no_action")

    assert attribution(campaign).outcomes == {"actioned": 1, "more_information": 1}
    verified_login(client, sam)
    page = client.get(f"/en/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    assert "Actioned: 1" in page and "More information needed: 1" in page and "No action" not in page


def test_outreach_staff_write_campaigns_in_the_admin_and_see_what_is_missing(client: Client, olga: object) -> None:
    verified_login(client, olga)
    data = {"code": "bridge", "base_language": "en", "telegram_broadcast": "on", "public_page": "on",
            "title_en": EN[0], "body_en": EN[1], "title_ar": AR[0], "body_ar": AR[1]}
    assert client.post("/en/admin/campaigns/campaign/add/", data).status_code == 302
    campaign = Campaign.objects.get(code="bridge")
    assert campaign.created_by == olga and campaign.titles["ar"] == AR[0]
    listing = client.get("/en/admin/campaigns/campaign/").content.decode()
    assert "es: missing" in listing and "ar:" not in listing
    assert client.post("/en/admin/campaigns/campaign/add/", {**data, "code": "x", "title_en": ""}).status_code == 200


def test_outreach_staff_send_what_a_supervisor_approved_and_a_change_needs_approving_again(
    client: Client, olga: object, sam: object
) -> None:
    from campaigns.models import Delivery
    from tests.campaigns.test_broadcast import subscribers

    subscribers(3)
    verified_login(client, olga)
    data = {"code": "bridge", "base_language": "en", "telegram_broadcast": "on", "public_page": "on",
            "title_en": EN[0], "body_en": EN[1], "title_ar": AR[0], "body_ar": AR[1]}
    client.post("/en/admin/campaigns/campaign/add/", data)
    campaign = Campaign.objects.get(code="bridge")
    submit_for_approval(campaign, olga)
    campaign.refresh_from_db()
    approve(campaign, sam)
    change = f"/en/admin/campaigns/campaign/{campaign.pk}/change/"

    client.post(change, data)  # saved as it was: still approved
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.APPROVED

    supervisor = Client()
    verified_login(supervisor, sam)
    start = {"action": "start_broadcast", "_selected_action": [campaign.pk]}
    supervisor.post("/en/admin/campaigns/campaign/", start)
    assert not Delivery.objects.exists()  # supervisors approve; outreach staff send
    client.post("/en/admin/campaigns/campaign/", start)
    assert Delivery.objects.filter(campaign=campaign).count() == 3

    page = client.post(change, {**data, "body_en": EN[1] + " Call this number: +1 555 0100."}, follow=True)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT and campaign.approved_by is None
    assert "it is a draft again" in page.content.decode()
    client.post("/en/admin/campaigns/campaign/", start)
    assert Delivery.objects.filter(campaign=campaign).count() == 3  # refused: not approved


def test_tips_per_day_around_the_send_show_the_campaigns_own(olga: object, sam: object) -> None:
    from datetime import timedelta

    from campaigns.actions import tips_around_send
    from reporting.intake import TipSubmission, submit_tip

    campaign = a_campaign(olga)
    submit_for_approval(campaign, olga)
    campaign.refresh_from_db()
    approve(campaign, sam)
    campaign.refresh_from_db()
    submit_tip(TipSubmission(text="A van with covered windows stops at the ford", channel="web", campaign_code="river-2026"))
    submit_tip(TipSubmission(text="Boxes of cigarettes unloaded behind the market", channel="web"))
    old = Tip.objects.get(campaign_code="")
    Tip.objects.filter(pk=old.pk).update(received_at=campaign.approved_at - timedelta(days=10))
    days = tips_around_send(campaign)
    assert len(days) == 43 and sum(d.tips for d in days) == 2 and sum(d.attributed for d in days) == 1
    assert days[-15].attributed == 1  # the send day
