"""A campaign's public page on a phone with JavaScript off, in English and in Arabic; its
"report safely" button leads to the form, and the tip sent there carries the campaign."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from campaigns.models import Campaign, CampaignStatus
from campaigns.texts import write_language
from reporting.models import Tip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLES = {"en": "What smuggling of people looks like", "ar": "كيف يبدو تهريب البشر"}


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_the_public_page_reads_without_javascript_and_its_tips_are_attributed(
    browser: Browser, live_server, language: str, direction: str  # noqa: ANN001
) -> None:
    campaign = Campaign(code="river-2026", status=CampaignStatus.APPROVED)
    write_language(campaign, "en", TITLES["en"], "Vans with covered windows at night. Report it safely.")
    write_language(campaign, "ar", TITLES["ar"], "شاحنات بنوافذ مغطاة ليلًا. أبلغ بأمان.")
    campaign.save()
    context = browser.new_context(java_script_enabled=False, locale=language, viewport={"width": 390, "height": 844},
                                  extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    page.goto(f"{live_server.url}/c/river-2026/")
    assert page.locator("html").get_attribute("dir") == direction
    expect(page.locator("#title")).to_have_text(TITLES[language])
    page.locator("#report").click()
    page.locator("#id_text").fill("A van with covered windows stops at the river ford every night at two")
    page.locator("form button[type=submit]").click()
    expect(page.locator("#reference")).to_be_visible()
    assert Tip.objects.get().campaign_code == "river-2026"
    context.close()


def test_the_campaigns_image_shows_with_javascript_off(browser: Browser, live_server) -> None:  # noqa: ANN001
    from campaigns.actions import prepare_image
    from tests.conftest import make_photo

    campaign = Campaign(code="river-2026", status=CampaignStatus.APPROVED)
    write_language(campaign, "en", TITLES["en"], "Vans with covered windows at night. Report it safely.")
    campaign.image = prepare_image(make_photo(size=(320, 200)))
    campaign.save()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/c/river-2026/")
    image = page.locator("#image")
    expect(image).to_be_visible()
    assert image.get_attribute("alt") == TITLES["en"]
    assert image.evaluate("img => img.complete && img.naturalWidth") == 320  # loaded, not a broken icon
    context.close()
