"""The REST API as a resident's app uses it; every bad input gets a 4xx and stores nothing."""

from __future__ import annotations

import io

import pytest
import redis
from django.conf import settings as django_settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import ngettext
from rest_framework.test import APIClient

from reporting.intake import add_reporter_reply
from reporting.models import Attachment, Message, MessageDirection, Tip
from tests.conftest import make_photo

pytestmark = pytest.mark.django_db

TEXT = "Two men load boxes of cigarettes into a boat behind the fish market every Tuesday."


def _post(api: APIClient, **body: object):  # noqa: ANN202
    return api.post("/api/v1/tips/", {"text": TEXT, **body}, format="json")


def _quarantine_files() -> list[str]:
    try:
        return storages["quarantine"].listdir("")[1]
    except FileNotFoundError:
        return []


def test_it_accepts_a_tip_and_answers_reference_receipt_and_status(api: APIClient) -> None:
    response = _post(api, language="en", place_name="Fish market", latitude=14.6, longitude=-92.1,
                     occurred="yesterday", campaign="SPRING24")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"reference", "receipt", "status"} and body["status"] == "received"
    assert response["Cache-Control"] == "no-store"
    tip = Tip.objects.get(reference=body["reference"])
    assert (tip.channel, tip.place_name, tip.latitude, tip.occurred_window, tip.campaign_code) == (
        "api", "Fish market", 14.6, "yesterday", "SPRING24")


def test_it_accepts_photos_as_multipart(api: APIClient) -> None:
    photos = [SimpleUploadedFile(f"p{i}.jpg", make_photo(gps=True), "image/jpeg") for i in range(2)]
    response = api.post("/api/v1/tips/", {"text": TEXT, "photos": photos}, format="multipart")
    assert response.status_code == 201, response.content
    assert Attachment.objects.filter(tip__reference=response.json()["reference"]).count() == 2


def test_status_and_thread_need_the_receipt(api: APIClient) -> None:
    body = _post(api).json()
    tip = Tip.objects.get(reference=body["reference"])
    Message.objects.create(tip=tip, direction=MessageDirection.TO_REPORTER, body="Which road was it?")

    answer = api.get(f"/api/v1/tips/{body['reference']}/", HTTP_X_RECEIPT=body["receipt"])
    assert answer.status_code == 200
    data = answer.json()
    assert data["reference"] == body["reference"] and data["status"] == "received"
    assert data["status_text"] and [m["text"] for m in data["messages"]] == ["Which road was it?"]

    for receipt in ["", "0000000000000000", body["receipt"][:-1]]:
        assert api.get(f"/api/v1/tips/{body['reference']}/", HTTP_X_RECEIPT=receipt).status_code == 404
    assert api.get("/api/v1/tips/T-ZZZZ-ZZ/", HTTP_X_RECEIPT=body["receipt"]).status_code == 404


def test_a_reply_lands_in_the_thread(api: APIClient) -> None:
    body = _post(api).json()
    url = f"/api/v1/tips/{body['reference']}/messages/"
    response = api.post(url, {"text": "The boat is green."}, format="json", HTTP_X_RECEIPT=body["receipt"])
    assert response.status_code == 201
    assert Message.objects.get().body == "The boat is green."

    assert api.post(url, {"text": "x"}, format="json", HTTP_X_RECEIPT="1" * 16).status_code == 404
    refused = api.post(url, {"text": "  "}, format="json", HTTP_X_RECEIPT=body["receipt"])
    assert refused.status_code == 400 and "text" in refused.json()
    assert Message.objects.count() == 1


def test_the_reporter_sees_no_staff_names_in_the_thread(api: APIClient, django_user_model) -> None:
    body = _post(api).json()
    tip = Tip.objects.get(reference=body["reference"])
    alice = django_user_model.objects.create_user("alice", password="x" * 12)
    Message.objects.create(tip=tip, direction="to_reporter", body="Thank you.", author=alice)
    add_reporter_reply(tip, "You're welcome")
    data = api.get(f"/api/v1/tips/{body['reference']}/", HTTP_X_RECEIPT=body["receipt"]).json()
    assert "alice" not in str(data)
    assert [m["direction"] for m in data["messages"]] == ["to_reporter", "from_reporter"]


BAD_JSON_BODIES = [
    ({"text": ""}, "text"),
    ({"text": "short"}, "text"),
    ({"text": "y" * 5001}, "text"),
    ({"text": TEXT + "\u0000"}, "text"),
    ({"text": TEXT + "\u001b[31m"}, "text"),
    ({"text": TEXT, "latitude": 95, "longitude": 10}, "latitude"),
    ({"text": TEXT, "latitude": 10, "longitude": 181}, "latitude"),
    ({"text": TEXT, "latitude": 10}, "latitude"),
    ({"text": TEXT, "latitude": "north", "longitude": 10}, "latitude"),
    ({"text": TEXT, "occurred": "someday"}, "occurred"),
    ({"text": TEXT, "language": "xx"}, "language"),
    ({"text": ["a", "list"]}, "text"),
    ({}, "text"),
]


@pytest.mark.parametrize(("body", "field"), BAD_JSON_BODIES)
def test_bad_json_is_refused_with_a_field_message(api: APIClient, body: dict, field: str) -> None:
    response = api.post("/api/v1/tips/", body, format="json")
    assert response.status_code == 400
    assert field in response.json() and response.json()[field][0]
    assert Tip.objects.count() == 0


def test_malformed_json_is_refused(api: APIClient) -> None:
    response = api.post("/api/v1/tips/", data='{"text": "unterminated', content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()
    assert Tip.objects.count() == 0


def _multipart(api: APIClient, *files: SimpleUploadedFile):  # noqa: ANN202
    return api.post("/api/v1/tips/", {"text": TEXT, "photos": list(files)}, format="multipart")


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"%PDF-1.4 not a photo", "doc.jpg"),
        (b"GIF89a" + b"\x00" * 40, "anim.gif"),
        (make_photo()[:200], "truncated.jpg"),
        (b"", "empty.jpg"),
    ],
)
def test_files_that_are_not_supported_photos_are_refused(api: APIClient, content: bytes, name: str) -> None:
    response = _multipart(api, SimpleUploadedFile(name, content, "image/jpeg"))
    assert response.status_code == 400 and "photos" in response.json()
    assert Tip.objects.count() == 0 and _quarantine_files() == []


def test_a_gif_is_refused_by_its_content_whatever_its_name(api: APIClient) -> None:
    out = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (8, 8)).save(out, format="GIF")
    response = _multipart(api, SimpleUploadedFile("photo.jpg", out.getvalue(), "image/jpeg"))
    assert response.status_code == 400
    assert "JPEG, PNG" in response.json()["photos"][0]


def test_oversized_photos_are_refused(api: APIClient, settings) -> None:
    settings.TIPLINE_MAX_PHOTO_BYTES = 2048
    big = make_photo(size=(600, 600))
    assert len(big) > 2048
    response = _multipart(api, SimpleUploadedFile("big.jpg", big, "image/jpeg"))
    assert response.status_code == 400 and "photos" in response.json()
    assert Tip.objects.count() == 0


def test_photos_with_too_many_pixels_are_refused(api: APIClient, settings) -> None:
    settings.TIPLINE_MAX_PHOTO_PIXELS = 100 * 100
    response = _multipart(api, SimpleUploadedFile("wide.png", make_photo("PNG", size=(200, 100)), "image/png"))
    assert response.status_code == 400 and "pixels" in response.json()["photos"][0]
    assert Tip.objects.count() == 0


def test_more_than_five_photos_are_refused(api: APIClient) -> None:
    photos = [SimpleUploadedFile(f"{i}.jpg", make_photo(), "image/jpeg") for i in range(6)]
    response = _multipart(api, *photos)
    assert response.status_code == 400 and "photos" in response.json()
    assert Tip.objects.count() == 0 and _quarantine_files() == []


def test_errors_are_translated(api: APIClient) -> None:
    response = api.post("/api/v1/tips/", {"text": "corto"}, format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    with translation.override("es"):
        expected = ngettext(
            "Please write at least %(count)d character.", "Please write at least %(count)d characters.", 10
        ) % {"count": 10}
    assert expected != "Please write at least 10 characters."
    assert response.json()["text"] == [expected]


def test_floods_are_throttled_without_keeping_the_address(api: APIClient, settings) -> None:
    settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"client": "3/minute", "receipt": "3/minute"}}
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    api_settings.reload()
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        codes = [_post(api, place_name=f"place {i}").status_code for i in range(5)]
    finally:
        settings.REST_FRAMEWORK = django_settings.REST_FRAMEWORK
        api_settings.reload()
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [201, 201, 201, 429, 429]
    assert Tip.objects.count() == 3
    keys = redis.Redis.from_url(django_settings.REDIS_URL).keys("*")
    assert keys and not any(b"127.0.0.1" in key for key in keys)


def test_the_openapi_schema_describes_the_tip_endpoints(api: APIClient) -> None:
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/tips/", "/api/v1/tips/{reference}/", "/api/v1/tips/{reference}/messages/"} <= set(paths)
    assert api.get("/api/docs/").status_code == 200
