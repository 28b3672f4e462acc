"""The campaign page's live progress: a JSON endpoint under the admin, for staff who may see the
campaign, polled by a static script while the round runs.

Sam is a supervisor; Carla is a caseworker (staff, but no campaigns); Mallory has no role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from campaigns.broadcast import plan_broadcast, send_queued
from campaigns.models import Campaign
from reporting.models import Reporter
from tests.bots.conftest import Bot
from tests.conftest import verified_login
from triage.defaults import load_roles

from .test_broadcast import approved_campaign, subscribers

pytestmark = pytest.mark.django_db


def progress_url(campaign: Campaign) -> str:
    return f"/en/admin/campaigns/campaign/{campaign.pk}/progress/"


def test_the_endpoint_returns_the_rounds_figures_as_it_goes(bot: Bot, fast: None, supervisor: Client) -> None:
    residents = subscribers(4)
    campaign = approved_campaign()
    plan_broadcast(campaign)
    before = supervisor.get(progress_url(campaign)).json()
    assert {k: before[k] for k in ("round", "running", "total", "sent", "failed", "skipped", "rate")} == {
        "round": 1, "running": True, "total": 4, "sent": 0, "failed": 0, "skipped": 0, "rate": None}
    bot.api.blocked_chats.add(700_000_001)
    Reporter.objects.filter(pk=residents[2].pk).update(subscribed=False)
    send_queued(campaign.pk)
    after = supervisor.get(progress_url(campaign))
    figures = after.json()
    assert "no-store" in after["Cache-Control"]
    assert (figures["sent"], figures["failed"], figures["skipped"], figures["left"]) == (2, 1, 1, 0)
    assert figures["running"] is False and figures["rounds_sent"] == 1 and figures["eta_seconds"] == 0
    assert figures["rate"] > 0
    assert figures["lines"]["counts"].startswith("2 of 4 sent, 1 failed, 1 unsubscribed")


def test_the_change_page_loads_the_script_and_names_the_endpoint_while_it_runs(
    bot: Bot, supervisor: Client
) -> None:
    subscribers(1)
    campaign = approved_campaign()
    plan_broadcast(campaign)
    page = supervisor.get(f"/en/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    assert 'src="/static/campaigns/progress.js"' in page
    assert f'data-url="{progress_url(campaign)}" data-running="1"' in page
    assert "0 of 1 sent" in page  # the figures are there without JavaScript


def test_the_endpoint_refuses_staff_without_the_permission_and_people_who_are_not_staff(
    client: Client, django_user_model  # noqa: ANN001
) -> None:
    load_roles()
    campaign = approved_campaign()
    assert client.get(progress_url(campaign)).status_code == 302  # to the login page
    mallory = django_user_model.objects.create_user("mallory", password="m" * 12)
    verified_login(client, mallory)
    refused = client.get(progress_url(campaign))
    assert refused.status_code == 302 and "/login/" in refused["Location"]
    carla = django_user_model.objects.create_user("carla", password="c" * 12, is_staff=True)
    carla.groups.add(Group.objects.get(name="caseworker"))
    verified_login(client, carla)
    assert client.get(progress_url(campaign)).status_code == 403
    assert client.get("/en/admin/campaigns/campaign/999999/progress/").status_code == 404
