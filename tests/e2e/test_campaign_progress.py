"""A supervisor watches a broadcast on the campaign's admin page: the figures change in place,
without a reload, while the worker sends (here: the sender run in the test's own thread)."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import Browser, expect

from campaigns.broadcast import plan_broadcast, send_queued
from tests.bots.conftest import bot, bot_api  # noqa: F401 - the stand-in and the Telegram channel
from tests.campaigns.test_broadcast import approved_campaign, subscribers
from tests.conftest import verified_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("bot")
def test_the_figures_update_without_a_reload_while_the_broadcast_runs(
    browser: Browser, live_server, django_user_model  # noqa: ANN001
) -> None:
    subscribers(3)
    campaign = approved_campaign()
    plan_broadcast(campaign)
    sam = Client()
    verified_login(sam, django_user_model.objects.create_superuser("sam", password="s" * 12))
    context = browser.new_context(locale="en-US")
    context.add_cookies([{"name": "sessionid", "value": sam.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/en/admin/campaigns/campaign/{campaign.pk}/change/")
    counts = page.locator('#broadcast-progress [data-progress="counts"]')
    expect(counts).to_contain_text("0 of 3 sent")
    page.evaluate("window.notReloaded = true")
    send_queued(campaign.pk)
    expect(counts).to_contain_text("3 of 3 sent", timeout=10_000)
    assert page.evaluate("window.notReloaded") is True
    context.close()
