"""A resident sends the form in a real browser (JavaScript off), sees the receipt, checks status."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from reporting.models import Message, MessageDirection, Tip
from tests.conftest import make_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _send_and_read_receipt(page: Page, base: str, language: str, text: str, tmp_path) -> tuple[str, str]:  # noqa: ANN001
    page.goto(f"{base}/{language}/report/")
    page.locator("#id_text").fill(text)
    page.locator("#id_place_name").fill("Puente viejo")
    page.locator("#id_occurred").select_option("yesterday")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(make_photo(gps=True))
    page.locator("#id_photos").set_input_files(str(photo))
    page.locator("form button[type=submit]").click()
    expect(page.locator("#reference")).to_be_visible()
    return page.locator("#reference").inner_text(), page.locator("#receipt").inner_text()


@pytest.mark.parametrize(
    ("language", "direction", "text"),
    [
        ("en", "ltr", "A white van crosses the river at night with many people inside."),
        ("ar", "rtl", "شاحنة بيضاء تعبر النهر ليلاً وفيها أشخاص كثيرون مختبئون."),
    ],
)
def test_a_resident_reports_and_checks_the_status(
    page: Page, live_server, tmp_path, language: str, direction: str, text: str  # noqa: ANN001
) -> None:
    page.context.set_extra_http_headers({"Accept-Language": language})
    base = live_server.url
    reference, receipt = _send_and_read_receipt(page, base, language, text, tmp_path)

    assert page.locator("html").get_attribute("dir") == direction
    assert page.locator("html").get_attribute("lang") == language
    tip = Tip.objects.get(reference=reference)
    assert tip.text == text and tip.attachments.count() == 1
    Message.objects.create(tip=tip, direction=MessageDirection.TO_REPORTER, body="Which bridge?")

    page.goto(f"{base}/{language}/status/")
    page.locator("#id_reference").fill(reference)
    page.locator("#id_receipt").fill(receipt)
    page.locator("form button[type=submit]").click()
    expect(page.locator("#status")).to_be_visible()
    expect(page.locator(".thread")).to_contain_text("Which bridge?")

    page.locator("#id_text").fill("The old iron one.")
    page.locator("form button[type=submit]").click()
    expect(page.locator(".thread")).to_contain_text("The old iron one.")
    assert tip.messages.filter(direction="from_reporter").count() == 1
    page.screenshot(path=str(tmp_path / f"status-{language}.png"), full_page=True)


def test_the_browser_shows_field_errors_without_javascript(page: Page, live_server) -> None:  # noqa: ANN001
    page.context.set_extra_http_headers({"Accept-Language": "en"})
    page.goto(f"{live_server.url}/en/report/")
    page.locator("#id_text").fill("short")
    page.locator("form button[type=submit]").click()
    expect(page.locator(".errors")).to_contain_text("at least 10 characters")
    assert Tip.objects.count() == 0
