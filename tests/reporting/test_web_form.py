"""The web form and status pages through Django's test client (browser runs are in tests/e2e)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from reporting.models import Attachment, Message, MessageDirection, Tip
from tests.conftest import make_photo

pytestmark = pytest.mark.django_db

TEXT = "A bus with blacked-out windows stops at the gas station and people get out at 3 am."


def _send(client: Client, language: str = "en", **fields: object):  # noqa: ANN202
    return client.post(f"/{language}/report/", {"text": TEXT, **fields})


def _receipt_from(html: str) -> tuple[str, str]:
    reference = re.search(r'id="reference" dir="ltr">([^<]+)<', html).group(1)
    receipt = re.search(r'id="receipt" dir="ltr">([^<]+)<', html).group(1)
    return reference, receipt


def test_report_redirects_to_the_browsers_language(client: Client) -> None:
    response = client.get("/report/", HTTP_ACCEPT_LANGUAGE="ar,en;q=0.5")
    assert response.status_code == 302 and response["Location"] == "/ar/report/"


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("ar", "rtl"), ("ru", "ltr")])
def test_the_form_is_served_in_each_language(client: Client, language: str, direction: str) -> None:
    html = client.get(f"/{language}/report/").content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert 'enctype="multipart/form-data"' in html and "csrfmiddlewaretoken" in html
    assert '<label for="id_text">' in html


def test_sending_shows_reference_and_receipt_once(client: Client) -> None:
    photo = SimpleUploadedFile("IMG_2024_my_name.jpg", make_photo(gps=True), "image/jpeg")
    response = _send(client, place_name="Gas station on route 5", occurred="now", photos=[photo])
    assert response.status_code == 201
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]
    reference, receipt = _receipt_from(response.content.decode())
    tip = Tip.objects.get(reference=reference)
    assert tip.channel == "web" and tip.declared_language == "en" and tip.occurred_at is not None
    assert Attachment.objects.get(tip=tip).quarantine_name != "IMG_2024_my_name.jpg"
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", receipt)


def test_a_campaign_link_is_kept_for_attribution(client: Client) -> None:
    assert 'value="BORDER7"' in client.get("/en/report/?c=BORDER7").content.decode()
    response = _send(client, campaign="BORDER7")
    reference, _receipt = _receipt_from(response.content.decode())
    assert Tip.objects.get(reference=reference).campaign_code == "BORDER7"


@pytest.mark.parametrize(
    "fields",
    [
        {"text": ""},
        {"text": "tiny"},
        {"text": "z" * 5001},
        {"text": TEXT + "\x07"},
        {"latitude": "200", "longitude": "10"},
        {"latitude": "10"},
        {"latitude": "abc", "longitude": "10"},
        {"occurred": "tomorrow"},
        {"photos": [SimpleUploadedFile("x.jpg", b"MZ\x90\x00 executable", "image/jpeg")]},
    ],
)
def test_bad_input_shows_the_form_again_with_a_message_and_stores_nothing(client: Client, fields: dict) -> None:
    response = _send(client, "fr", **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="errors"' in html and "Please correct" not in html  # the French page, with errors
    assert Tip.objects.count() == 0


def test_the_form_is_csrf_protected() -> None:
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/en/report/", {"text": TEXT}).status_code == 403
    assert Tip.objects.count() == 0


def test_the_status_page_opens_the_thread_and_takes_a_reply(client: Client) -> None:
    reference, receipt = _receipt_from(_send(client).content.decode())
    tip = Tip.objects.get(reference=reference)
    Message.objects.create(tip=tip, direction=MessageDirection.TO_REPORTER, body="Which station exactly?")

    page = client.post("/en/status/", {"reference": reference.lower(), "receipt": receipt})
    assert page.status_code == 200
    assert "Which station exactly?" in page.content.decode()

    sent = client.post("/en/status/reply/", {"reference": reference, "receipt": receipt, "text": "The one at km 12."})
    assert sent.status_code == 200 and "The one at km 12." in sent.content.decode()
    assert Message.objects.filter(direction="from_reporter").count() == 1


def test_a_wrong_receipt_opens_nothing(client: Client) -> None:
    reference, _receipt = _receipt_from(_send(client).content.decode())
    response = client.post("/en/status/", {"reference": reference, "receipt": "1234 5678 9012 3456"})
    assert response.status_code == 404 and "No report matches" in response.content.decode()
    reply = client.post("/en/status/reply/", {"reference": reference, "receipt": "1234567890123456", "text": "hi"})
    assert reply.status_code == 404 and Message.objects.count() == 0


def test_a_malformed_lookup_gets_field_messages(client: Client) -> None:
    response = client.post("/en/status/", {"reference": "hello", "receipt": "12"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This does not look like a reference" in html and "16 digits" in html
