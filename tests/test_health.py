from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import broker_outage

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_when_database_and_broker_answer(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_healthz_names_the_broker_when_it_is_down(client: Client) -> None:
    with broker_outage():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "failing"}
