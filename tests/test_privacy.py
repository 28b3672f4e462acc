"""No client address, platform id or receipt is written to any table by the intake paths."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from .conftest import all_stored_text

pytestmark = pytest.mark.django_db

TEXT = "Someone sells fake passports behind the bus terminal on Fridays."
CLIENT_ADDRESS = "203.0.113.77"


def test_no_table_holds_the_client_address_or_the_receipt(client: Client, api: APIClient) -> None:
    response = api.post("/api/v1/tips/", {"text": TEXT}, format="json", REMOTE_ADDR=CLIENT_ADDRESS,
                        HTTP_X_FORWARDED_FOR=CLIENT_ADDRESS)
    receipt = response.json()["receipt"]
    api.get(f"/api/v1/tips/{response.json()['reference']}/", HTTP_X_RECEIPT=receipt, REMOTE_ADDR=CLIENT_ADDRESS)
    client.post("/en/report/", {"text": TEXT}, REMOTE_ADDR=CLIENT_ADDRESS)

    stored = all_stored_text()
    assert TEXT in stored  # the scan does read the tables
    assert CLIENT_ADDRESS not in stored
    assert receipt not in stored


def test_no_log_line_holds_the_client_address_or_the_text(api: APIClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    api.post("/api/v1/tips/", {"text": TEXT}, format="json", REMOTE_ADDR=CLIENT_ADDRESS)
    api.post("/api/v1/tips/", {"text": "bad"}, format="json", REMOTE_ADDR=CLIENT_ADDRESS)
    assert caplog.records  # the 400 is logged
    assert CLIENT_ADDRESS not in caplog.text and TEXT not in caplog.text
